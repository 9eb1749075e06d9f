"""Found in a new user's try-out: the drift CLI's columns and messages, the monitor's drift start, plurals."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from core.cli import main
from core.drift import frame_from_array
from core.drift.deployment import accuracy_words
from core.drift.monitor import monitor


def _run(argv) -> tuple[int, list[str]]:
    lines: list[str] = []
    return main(argv, lines.append), lines


def _write(path: Path, header, rows) -> Path:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_drift_without_project_leaves_out_the_time_column_and_says_so(tmp_path):
    rng = np.random.default_rng(0)
    ref = [[t, *rng.normal(0, 1, 3)] for t in range(600)]
    new = [[t + 10_000, *rng.normal(0, 1, 3)] for t in range(600)]  # later times, same features
    header = ["time", "a", "b", "c"]
    ref_path, new_path = _write(tmp_path / "r.csv", header, ref), _write(tmp_path / "n.csv", header, new)
    code, out = _run(["drift", str(ref_path), str(new_path), "--json"])
    assert code == 0, out
    import json
    doc = json.loads(out[-1])
    assert [f["name"] for f in doc["features"]] == ["a", "b", "c"] and doc["verdict"] == "stable"
    assert any(line.startswith("compared: 3 columns") and "left out: 'time' (orders the rows)" in line for line in out)


def test_drift_names_the_missing_argument_not_data_path(tmp_path, capsys):
    real = _write(tmp_path / "r.csv", ["a"], [[1], [2]])
    code, _ = _run(["drift", str(tmp_path / "nope.csv"), str(real)])
    err = capsys.readouterr().err
    assert code == 2 and f"REFERENCE {tmp_path / 'nope.csv'}: file not found" in err and "data.path" not in err
    code, _ = _run(["drift", str(real), str(tmp_path / "gone.csv")])
    err = capsys.readouterr().err
    assert code == 2 and f"NEW {tmp_path / 'gone.csv'}: file not found" in err and "data.path" not in err


def _stream(rng, shifted_from: dict[str, int], n_windows: int = 8, window: int = 200) -> np.ndarray:
    x = rng.normal(0, 1, (n_windows * window, 6))
    for j, (_name, start) in enumerate(shifted_from.items()):
        x[start * window:, j] += 3.0
    return x


def test_input_drift_is_dated_from_the_first_window_of_the_sustained_run():
    names = list("abcdef")
    rng = np.random.default_rng(1)
    ref = frame_from_array(rng.normal(0, 1, (2000, 6)), names)
    # window 3: one feature of six (17%, under the 20% line), from window 4: two (33%), to the end
    new = frame_from_array(_stream(rng, {"a": 3, "b": 4}), names)
    result = monitor(ref, new, lambda s, e: (None, None, None), window=200, has_target=False)
    shares = [round(w.drift_share, 2) for w in result.windows]
    assert shares[:3] == [0, 0, 0] and shares[3] == 0.17 and all(s >= 0.33 for s in shares[4:])
    drift = result.finding("input_drift")
    assert drift.start_window == 3 and drift.start_row == 600
    assert drift.message.startswith("2 of 6 features drift from rows 600-799 (window 3) on: a (KS")
    assert "b (from window 4, KS" in drift.message and "the data set as a whole drifts from window 4" in drift.message
    # a lone drifted window before a gap does not pull the start back
    gap = _stream(rng, {"a": 4, "b": 4})
    gap[200:400, 2] += 3.0  # window 1 only
    result = monitor(ref, frame_from_array(gap, names), lambda s, e: (None, None, None), window=200,
                     has_target=False)
    assert result.windows[1].drifted_features == ["c"] and result.finding("input_drift").start_window == 4


def test_points_agree_with_their_number():
    assert accuracy_words(0.86, 0.85).endswith(": 1 point lost")
    assert accuracy_words(0.80, 0.86).endswith(": 6 points gained")
    assert accuracy_words(0.865, 0.86).endswith(": 1 point lost")  # half a point rounds up, never "0 points"
    assert accuracy_words(0.86, 0.858).endswith(": about the same")
    assert accuracy_words(0.9, 0.7).endswith(": 20 points lost")
    # rounding never makes a change look like none: the numbers shown differ when points are counted
    assert accuracy_words(0.9762, 0.9841) == "accuracy 0.976 on validation, 0.984 on deployment: 1 point gained"
    assert accuracy_words(0.86, 0.85) == "accuracy 0.86 on validation, 0.85 on deployment: 1 point lost"


def test_drift_says_which_columns_of_the_new_file_it_ignored(tmp_path):
    rng = np.random.default_rng(1)
    ref_path = _write(tmp_path / "ref.csv", ["a", "b"], rng.normal(0, 1, (300, 2)).round(4).tolist())
    new_rows = [[*r, "north", i] for i, r in enumerate(rng.normal(0, 1, (300, 2)).round(4).tolist())]
    new_path = _write(tmp_path / "new.csv", ["a", "b", "region", "ticket"], new_rows)
    code, out = _run(["drift", str(ref_path), str(new_path)])
    assert code == 0
    text = "\n".join(out)
    assert f"ignored: 2 columns only in {new_path} (region, ticket)" in text, text


def test_a_deployment_check_names_the_columns_the_model_does_not_use(tmp_path):
    import json

    from core.drift.check import check_deployment
    from core.project import Project
    from tests.conftest import EXAMPLES
    doc = json.loads((EXAMPLES / "diagnosis.losslab.json").read_text())
    doc["data"]["params"] = {"samples": 600}
    project = Project.from_dict(doc, tmp_path)
    stream = EXAMPLES.parent / "streams" / "diagnosis-stream.csv"
    rows = list(csv.reader(stream.open()))
    extra = tmp_path / "with-extra.csv"
    _write(extra, rows[0] + ["clinic"], [r + ["A"] for r in rows[1:]])
    check = check_deployment(project, path=extra)
    assert any(n.startswith("ignored 1 column the model does not use: clinic") for n in check.notes), check.notes


def test_a_file_sorted_by_its_target_is_said_to_be_no_time_order(tmp_path):
    """A table sorted by class drifted "from window 0" with no word on why."""
    import json

    from core.drift.check import check_deployment
    from core.project import Project
    from tests.conftest import EXAMPLES
    doc = json.loads((EXAMPLES / "diagnosis.losslab.json").read_text())
    doc["data"]["params"] = {"samples": 600}
    project = Project.from_dict(doc, tmp_path)
    rows = list(csv.reader((EXAMPLES.parent / "streams" / "diagnosis-stream.csv").open()))
    header, body = rows[0], rows[1:]
    keep = [i for i, h in enumerate(header) if h != "time"]
    at = header.index("diagnosis")
    in_order = [[r[i] for i in keep] for r in body]
    _write(tmp_path / "plain.csv", [header[i] for i in keep], in_order)
    by_class = sorted(in_order, key=lambda r: r[keep.index(at)])
    _write(tmp_path / "sorted.csv", [header[i] for i in keep], by_class)
    said = [n for n in check_deployment(project, path=tmp_path / "sorted.csv").notes if "sorted by" in n]
    assert said and "sorted by diagnosis" in said[0] and "add a 'time' column" in said[0]
    assert not [n for n in check_deployment(project, path=tmp_path / "plain.csv").notes if "sorted by" in n]
