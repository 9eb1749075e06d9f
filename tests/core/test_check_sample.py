"""``losslab check`` on a big table reads a sample of its rows (blocks spread through the file) and
says so; what it reports of the sample (columns, classes, line numbers) is the file's."""
from __future__ import annotations

import json

import numpy as np
import pytest

from core.cli import main
from core.data import csvfile
from core.data import csv_sample
from core.data.csv_sample import sampling
from core.data.csvfile import read_table
from tests.conftest import EXAMPLES


def _table(path, n: int, text_column: bool, blank_every: int = 0, bad_at: int | None = None) -> list[str]:
    """Write a table of ``n`` rows; returns the file's lines (1-based: lines[k - 1] is line k)."""
    rng = np.random.default_rng(0)
    lines = ["a,b,city,kind" if text_column else "a,b,kind"]
    for i in range(n):
        city = f",{['Lyon', 'Nice', 'Lille'][i % 3]}" if text_column else ""
        a = "1,2" if i == bad_at else f"{rng.normal():.4f}"      # one field too many
        lines.append(f"{a},{i}{city},{i % 3}")
        if blank_every and i % blank_every == 0:
            lines.append("")
    path.write_text("\n".join(lines) + "\n")
    return lines


@pytest.mark.parametrize("text_column", [False, True], ids=["numeric", "with text"])
def test_a_sampled_table_spreads_through_the_file_and_keeps_its_line_numbers(tmp_path, text_column):
    path = tmp_path / "t.csv"
    lines = _table(path, 5000, text_column, blank_every=7)
    with sampling(1000) as taken:
        table = read_table(path, "t.csv")
    assert [s.rows for s in taken] == [table.n_rows] and 800 <= table.n_rows <= 1100  # blank lines count as lines
    assert taken[0].total >= 5000 and table.sample is taken[0]
    b = table.columns["b"].values
    assert b.min() < 300 and b.max() > 4600          # from the whole file, not only its start
    for row in (0, table.n_rows // 2, table.n_rows - 1):
        line = lines[table.line_of(row) - 1]          # the line named is the one the row came from
        assert line.split(",")[1] == f"{int(b[row])}"
    if text_column:
        assert table.columns["city"].kind == csvfile.CATEGORICAL


def test_a_small_table_is_read_whole(tmp_path):
    path = tmp_path / "t.csv"
    _table(path, 1100, False)
    with sampling(1000) as taken:
        table = read_table(path, "t.csv")
    assert taken == [] and table.sample is None and table.n_rows == 1100


def test_a_bad_cell_in_the_sample_is_named_at_its_real_line(tmp_path):
    """The sample cannot say where a problem is for sure: the whole file is read, and the error names
    the real line."""
    path = tmp_path / "t.csv"
    lines = _table(path, 5000, False, blank_every=5, bad_at=0)
    with pytest.raises(csvfile.DataError) as e, sampling(1000):
        read_table(path, "t.csv")
    bad_line = next(k for k, line in enumerate(lines, 1) if line.startswith("1,2,"))
    assert e.value.where == f"t.csv line {bad_line}"


def test_check_of_a_big_table_says_it_read_a_sample(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_sample, "CHECK_SAMPLE_ROWS", 1000)
    _table(tmp_path / "big.csv", 6000, True)
    doc = json.loads((EXAMPLES / "csv-moons.losslab.json").read_text())
    doc["data"].update(path="big.csv", target="kind", features=["a", "b", "city"])
    doc["model"]["nodes"][-1].setdefault("params", {})["out_features"] = 3
    project = tmp_path / "big.losslab.json"
    project.write_text(json.dumps(doc))
    lines: list[str] = []
    assert main(["check", str(project)], out=lines.append) == 0, lines
    note = next(line for line in lines if "sample:" in line)
    assert "of about 6,000 rows" in note and "`losslab train` reads every row" in note
    assert "3 classes" in lines[1]
    small = tmp_path / "small.losslab.json"
    _table(tmp_path / "small.csv", 500, True)
    doc["data"]["path"] = "small.csv"
    small.write_text(json.dumps(doc))
    lines = []
    assert main(["check", str(small)], out=lines.append) == 0, lines
    assert not any("sample:" in line for line in lines)
