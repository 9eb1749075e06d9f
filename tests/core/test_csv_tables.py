"""Real tables in: CSV quirks, bad files, categorical columns and missing values (issues 9 and 13)."""
from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.cli import main
from core.data import DataError, load_dataset
from core.data.csvfile import read_table
from core.data.tabledata import prepare_table
from core.project import Project

ROOT = Path(__file__).resolve().parents[2]


def spec(**kw) -> SimpleNamespace:
    base = dict(source="csv", params={}, path="data.csv", target=None, features=None, task="auto",
                val_fraction=0.2, test_fraction=0.0, seed=0, normalize=False, missing="mean", categories={})
    base.update(kw)
    return SimpleNamespace(**base)


def write(tmp_path: Path, text: str | bytes, name: str = "data.csv") -> Path:
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return p


def load(tmp_path: Path, **kw):
    return load_dataset(spec(**kw), base_dir=tmp_path)


def error(tmp_path: Path, **kw) -> DataError:
    with pytest.raises(DataError) as e:
        load(tmp_path, **kw)
    return e.value


# --- quirks ------------------------------------------------------------------------------------

def test_bom_semicolons_crlf_quoted_delimiters_and_newlines(tmp_path):
    rows = "".join(f'{i};"note; with {i}";{i % 2}\r\n' for i in range(20))
    text = "\ufeffx;note;label\r\n" + '1;"two\r\nlines";0\r\n' + rows
    write(tmp_path, text)
    table = read_table(tmp_path / "data.csv", "data.csv")
    assert table.delimiter == ";" and table.header == ["x", "note", "label"] and table.n_rows == 21
    assert table.columns["note"].values[0] == "two\r\nlines" and table.columns["note"].values[1] == "note; with 0"
    # the row after the two-line quoted cell starts on line 4 of the file
    assert table.line_of(1) == 4 and table.line_of(0) == 2
    ds = load(tmp_path, features=["x"])
    assert ds.feature_names == ["x"] and ds.targets["label"].classes == ["0", "1"]


def test_tabs_and_decimal_commas(tmp_path):
    write(tmp_path, "a\tb\tlabel\n" + "".join(f"{i}\t{i * 2}\t{i % 2}\n" for i in range(10)), "t.tsv")
    assert read_table(tmp_path / "t.tsv", "t.tsv").delimiter == "\t"
    ds = load(tmp_path, path="t.tsv")
    assert ds.feature_names == ["a", "b"]
    write(tmp_path, "a;b;label\n" + "".join(f"{i},5;{i};{i % 2}\n" for i in range(10)), "eu.csv")
    ds = load(tmp_path, path="eu.csv")
    assert ds.feature_names == ["a", "b"] and float(ds.x_train[:, 0].max()) % 1 == pytest.approx(0.5)


def test_quoted_header_with_a_comma_is_one_column(tmp_path):
    write(tmp_path, '"weight, kg",height,label\n' + "".join(f"{i},{i + 1},{i % 2}\n" for i in range(10)))
    ds = load(tmp_path)
    assert ds.feature_names == ["weight, kg", "height"]


def test_fast_and_general_readers_agree(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3))
    body = "".join(f"{a:.5f},{b:.5f},{c:.5f},{i % 3}\n" for i, (a, b, c) in enumerate(x))
    write(tmp_path, "a,b,c,label\n" + body, "fast.csv")
    write(tmp_path, "a,b,c,label\n" + body + "\n", "slow.csv")  # a trailing blank line is fine for both
    write(tmp_path, "a,b,c,label\n" + '"0.1",' + body[body.index(",") + 1:], "quoted.csv")
    fast = read_table(tmp_path / "fast.csv", "fast.csv")
    assert fast._lines is None  # numpy's reader took it
    general = read_table(tmp_path / "quoted.csv", "quoted.csv")
    assert np.allclose(fast.columns["b"].values, general.columns["b"].values)
    assert fast.line_of(299) == 301


# --- missing values and categories ------------------------------------------------------------

CATS = ["red", "green", "blue"]


def _table(n: int = 40, gap_rows=(3, 7), color_gap=5) -> str:
    lines = ["size,color,label"]
    for i in range(n):
        size = "" if i in gap_rows else f"{i}"
        color = "NA" if i == color_gap else CATS[i % 3]
        lines.append(f"{size},{color},{i % 2}")
    return "\n".join(lines) + "\n"


def test_categorical_one_hot_and_missing_filled_from_training_split(tmp_path):
    write(tmp_path, _table())
    ds = load(tmp_path)
    assert ds.feature_names == ["size", "color=blue", "color=green", "color=red"]
    enc = ds.encoding
    assert enc.categories == {"color": ["blue", "green", "red"]}
    size = enc.inputs[0]
    # the fill is the mean of the training rows only, not of every row
    train_mean = float(np.mean([v for v in ds.x_train[:, 0].tolist() if v != size.fill]))
    assert size.fill != pytest.approx(np.mean([i for i in range(40) if i not in (3, 7)]))
    assert size.fill == pytest.approx(train_mean, rel=0.05)
    notes = " | ".join(ds.table_report.notes())
    assert "size 2 cells" in notes and "color 1 cell" in notes and "one-hot: color" in notes
    assert torch.all(ds.x_train[:, 1:].sum(dim=1) == 1)


def test_drop_and_most_frequent(tmp_path):
    write(tmp_path, _table())
    dropped = load(tmp_path, missing="drop")
    assert dropped.n_train + dropped.n_val == 37 and dropped.table_report.dropped == 3
    assert "3 rows with missing values dropped" in dropped.table_report.notes()
    frequent = load(tmp_path, missing="most_frequent")
    assert frequent.encoding.inputs[0].fill in range(40)


def test_categories_kept_in_the_project_map_a_later_file_the_same_way(tmp_path):
    write(tmp_path, _table())
    ds = load(tmp_path)
    project = Project.load(ROOT / "resources/examples/csv-moons.losslab.json")
    project.data.path, project.data.target, project.data.features = "data.csv", "label", None
    project.data.missing, project.data.categories = "drop", ds.encoding.categories
    project.save(tmp_path / "p.losslab.json")
    # the file changes: a new colour, and the others appear in another order
    lines = ["size,color,label"] + [f"{i},{['blue', 'purple', 'red', 'green'][i % 4]},{i % 2}" for i in range(40)]
    write(tmp_path, "\n".join(lines) + "\n")
    reopened = Project.load(tmp_path / "p.losslab.json")
    assert reopened.data.categories == {"color": ["blue", "green", "red"]} and reopened.data.missing == "drop"
    ds2 = load_dataset(reopened.data, reopened.base_dir)
    assert ds2.feature_names == ds.feature_names
    assert ds2.table_report.unseen == {"color": {"purple": 10}}
    assert "10 values in categories the training data never had" in " ".join(ds2.table_report.notes())
    # an existing project file (no missing/categories keys) still loads and writes back unchanged
    original = (ROOT / "resources/examples/csv-moons.losslab.json").read_text()
    assert "missing" not in Project.load(ROOT / "resources/examples/csv-moons.losslab.json").to_json()
    assert Project.load(ROOT / "resources/examples/csv-moons.losslab.json").to_json().strip() == original.strip()


def test_missing_targets_are_reported_dropped_or_unlabelled_never_a_class(tmp_path):
    rows = "".join(f"{i},{i * 1.37:.2f}\n" for i in range(200))
    write(tmp_path, "x,y\n" + rows.replace("\n5,6.85\n", "\n5,NA\n"))
    e = error(tmp_path)
    assert e.where == "data.csv line 7, column 'y'" and "target is missing" in str(e) and "\"drop\"" in str(e)
    ds = load(tmp_path, missing="drop")
    assert ds.targets["y"].task == "regression" and ds.n_train + ds.n_val == 199
    # an empty class cell is an unlabelled row: kept aside for pseudo-labels, in no split, never a class
    write(tmp_path, "x,label\n1,a\n2,\n3,b\n4,a\n5,b\n", "cls.csv")
    for missing in ("mean", "drop"):
        ds = load(tmp_path, path="cls.csv", missing=missing)
        assert ds.targets["label"].classes == ["a", "b"] and ds.n_train + ds.n_val == 4
        assert ds.n_unlabeled == 1 and ds.index_unlabeled.tolist() == [1]


def test_identifier_columns_are_left_out_by_default(tmp_path):
    write(tmp_path, "customer,x,label\n" + "".join(f"c{i:04d},{i},{i % 2}\n" for i in range(60)))
    ds = load(tmp_path)
    assert ds.feature_names == ["x"] and "customer (text id)" in " ".join(ds.table_report.notes())
    e = error(tmp_path, features=["customer", "x"])
    assert e.where == "data.csv column 'customer'" and "identifier" in str(e)


def test_check_shows_the_counts(tmp_path):
    write(tmp_path, _table())
    project = Project.load(ROOT / "resources/examples/csv-moons.losslab.json")
    project.data.path, project.data.target, project.data.features = "data.csv", "label", None
    project.save(tmp_path / "p.losslab.json")
    lines: list[str] = []
    assert main(["check", str(tmp_path / "p.losslab.json")], out=lines.append) == 0
    text = "\n".join(lines)
    assert "missing values filled: size 2 cells" in text and "one-hot: color" in text, text


# --- bad files ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, where, words", [
    (",,,\n,,,\n,,\n", "bad.csv", ["only delimiters"]),
    ("a,b,label\n1,2,0\n3,1e39,1\n", "bad.csv line 3, column 'b'", ["'1e39' is too large", "32-bit"]),
    ("a,b,label\n1,2,0\n3,x" + "y" * 500 + ",1\n4,5,0\n6,7,1\n", "bad.csv line 3, column 'b'", ["xyyy", "…"]),
    ('a,b,label\n1,"2,0\n', "bad.csv line 2", ["field", "header has 3"]),
    ("a,b,label\n\n\n1,2,0\n3,4\n", "bad.csv line 5", ["2 fields"]),
])
def test_bad_files_name_the_place(tmp_path, text, where, words):
    write(tmp_path, text, "bad.csv")
    e = error(tmp_path, path="bad.csv")
    assert e.where == where, str(e)
    assert all(w in str(e) for w in words), str(e)
    assert len(str(e)) < 400


def test_bad_cell_after_many_rows_in_a_numeric_file(tmp_path):
    rows = "".join(f"{i},{i % 7},{i % 2}\n" for i in range(100_000))
    write(tmp_path, "a,b,label\n" + rows + "5,abc,1\n" + rows[:60])
    e = error(tmp_path)
    assert e.where == "data.csv line 100002, column 'b'" and "'abc' is not a number" in str(e)


def test_files_that_are_not_tables_are_never_quoted(tmp_path):
    secret = "root:$6$Zs8Vq3$hashhashhash:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"
    write(tmp_path, secret, "shadow")
    e = error(tmp_path, path="shadow")
    assert "does not look like a CSV table" in str(e) and "root" not in str(e) and "hash" not in str(e)
    write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDRsecret", "img.csv")
    e = error(tmp_path, path="img.csv")
    assert "binary file" in str(e) and "secret" not in str(e) and "PNG" not in str(e)
    write(tmp_path, b"a,b,label\n1,2,\xff\xfe\n", "latin.csv")
    e = error(tmp_path, path="latin.csv")
    assert e.where == "latin.csv line 2" and "UTF-8" in str(e)


def test_folders_and_pipes_are_refused(tmp_path):
    (tmp_path / "dir.csv").mkdir()
    assert "folder" in str(error(tmp_path, path="dir.csv"))
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.csv")
        e = error(tmp_path, path="pipe.csv")  # would hang forever if it were opened
        assert "named pipe" in str(e) and "only regular files" in str(e)
    e = error(tmp_path, path="~nosuchuser_xyz/x.csv")
    assert e.where == "data.path" and "names no user on this machine" in str(e)


def test_prepare_keeps_the_split_and_rows(tmp_path):
    write(tmp_path, _table())
    table = read_table(tmp_path / "data.csv", "data.csv")
    prep = prepare_table(table, "label", None, "auto", "drop", None, 0.25, 0.0, 3)
    assert len(prep.rows) == 37 and sum(len(s) for s in prep.splits) == 37
    again = prepare_table(table, "label", None, "auto", "drop", None, 0.25, 0.0, 3)
    assert all(np.array_equal(a, b) for a, b in zip(prep.splits, again.splits))


# --- no input crashes ----------------------------------------------------------------------------

CELLS = st.sampled_from(["1", "2.5", "-3", "", "NA", "nan", "x", "y", "1e39", "inf", '"a,b"', '"1\n2"', " 4 ", "#N/A"])


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(1, 4), st.lists(st.lists(CELLS, min_size=1, max_size=5), max_size=12),
       st.sampled_from([",", ";", "\t"]), st.sampled_from(["mean", "drop", "most_frequent"]),
       st.sampled_from(["auto", "classification", "regression"]))
def test_any_table_loads_or_is_refused_with_a_place(tmp_path_factory, n_cols, rows, sep, missing, task):
    folder = tmp_path_factory.mktemp("fuzz")
    header = sep.join(f"c{i}" for i in range(n_cols))
    write(folder, header + "\n" + "\n".join(sep.join(r) for r in rows) + "\n")
    try:
        ds = load(folder, missing=missing, task=task)
    except DataError as e:
        assert e.where and str(e).startswith(e.where) and len(str(e)) < 600
    else:
        assert torch.isfinite(ds.x_train).all() and ds.n_train >= 1


def test_a_project_that_says_nothing_trains_on_categories_and_gaps(tmp_path, monkeypatch):
    write(tmp_path, _table(80))
    project = Project.load(ROOT / "resources/examples/csv-moons.losslab.json")
    project.data.path, project.data.target, project.data.features, project.data.task = "data.csv", "label", None, "auto"
    project.save(tmp_path / "p.losslab.json")
    assert "missing" not in (tmp_path / "p.losslab.json").read_text()
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path / "home"))
    lines: list[str] = []
    assert main(["train", str(tmp_path / "p.losslab.json"), "--epochs", "2", "--quiet", "--json"], out=lines.append) == 0
    assert json.loads(lines[-1])["status"] == "completed"


def test_distinct_cells_parsed_once_keep_every_count_and_the_first_bad_cell(tmp_path):
    """A numeric column with a repeated typo and missing cells past the first chunk: the first typo's
    row, how many typos and how many missing cells are the same as a cell-by-cell read would say."""
    from core.data.csvfile import CHUNK_ROWS, read_table
    rows = CHUNK_ROWS + 500
    bad = {CHUNK_ROWS + 10, CHUNK_ROWS + 20}
    missing = {5, CHUNK_ROWS + 30}
    lines = ["x,label"]
    for i in range(rows):
        x = "12.5oops" if i in bad else "NA" if i in missing else f"{i % 7}.5"
        lines.append(f"{x},{'a' if i % 3 else 'b'}")
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines) + "\n")
    table = read_table(path, "t.csv")
    x, label = table.columns["x"], table.columns["label"]
    assert x.kind == "numeric" and x.bad == (CHUNK_ROWS + 10, "12.5oops") and x.n_bad == 2
    assert x.missing == 2 and np.isnan(x.values[5]) and x.values[6] == 6.5
    assert table.line_of(x.bad[0]) == CHUNK_ROWS + 12
    assert label.kind == "categorical" and label.distinct() == ["a", "b"] and label.values[3] == "b"
