"""Drift statistics against scipy, the data set verdict, deployment scenarios, the monitor and the CLI."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from core.cli import main
from core.data import tables
from core.drift import compare, frame_from_array
from core.drift.frame import Frame
from core.drift.stats import PSI_FLOOR, psi_numeric, psi_shares
from core.project import Project

ROOT = Path(__file__).resolve().parents[2]
DIAGNOSIS = ROOT / "resources" / "examples" / "diagnosis.losslab.json"


def _diag_frame(n: int, seed: int) -> Frame:
    raw = tables.diagnosis({"samples": n, "seed": seed}, False)
    return frame_from_array(raw.x, raw.feature_names)


def _write_csv(path: Path, header: list[str], rows) -> Path:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


# --- statistics --------------------------------------------------------------------------------

def test_ks_and_chi_square_are_scipys_on_known_distributions():
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 1, 3000), rng.normal(0.5, 1, 3000)
    ref = Frame({"x": a, "c": rng.choice(np.array(["a", "b", "c"], dtype=object), 3000, p=[.5, .3, .2])},
                {"x": "numeric", "c": "categorical"})
    new = Frame({"x": b, "c": rng.choice(np.array(["a", "b", "c"], dtype=object), 3000, p=[.2, .3, .5])},
                {"x": "numeric", "c": "categorical"})
    rep = compare(ref, new)
    x, c = rep.features
    expected = stats.ks_2samp(a, b)
    assert x.test == "ks" and x.statistic == pytest.approx(expected.statistic) and x.p_value == pytest.approx(expected.pvalue)
    # two normals half a standard deviation apart: D = Phi(0.25) - Phi(-0.25) = 0.197
    assert x.statistic == pytest.approx(stats.norm.cdf(0.25) - stats.norm.cdf(-0.25), abs=0.03)
    counts = np.array([[np.sum(ref.columns["c"] == k) for k in "abc"], [np.sum(new.columns["c"] == k) for k in "abc"]])
    chi = stats.chi2_contingency(counts)
    assert c.test == "chi2" and c.statistic == pytest.approx(chi.statistic) and c.p_value == pytest.approx(chi.pvalue)
    # Bonferroni: each p-value times the number of features tested
    assert x.p_adjusted == pytest.approx(min(1.0, 2 * x.p_value))
    assert x.drifted and c.drifted and rep.verdict == "dataset_drifted"


def test_psi_by_hand_and_on_normals():
    r, n = np.array([0.5, 0.5, 0.0]), np.array([0.25, 0.25, 0.5])
    by_hand = (0.25 - 0.5) * np.log(0.25 / 0.5) * 2 + (0.5 - PSI_FLOOR) * np.log(0.5 / PSI_FLOOR)
    assert psi_shares(r, n) == pytest.approx(by_hand)  # the empty bin is floored, not infinite
    rng = np.random.default_rng(2)
    ref = rng.normal(0, 1, 50_000)
    assert psi_numeric(ref, rng.normal(0, 1, 50_000)) < 0.01
    # a one-sd shift of a normal: PSI tends to the symmetric KL divergence, 1.0 (decile bins see a bit less)
    assert 0.7 < psi_numeric(ref, rng.normal(1, 1, 50_000)) < 1.05


def test_out_of_range_and_unseen_categories():
    ref = Frame({"x": np.arange(100.0), "c": np.array(["a", "b"] * 50, dtype=object)}, {"x": "numeric", "c": "categorical"})
    new = Frame({"x": np.arange(50.0, 150.0), "c": np.array(["a", "z", "z", "b"] * 25, dtype=object)},
                {"x": "numeric", "c": "categorical"})
    x, c = compare(ref, new).features
    assert x.out_of_range == pytest.approx(0.5)
    assert c.unseen == {"z": 50} and c.out_of_range == pytest.approx(0.5)


def test_a_resample_of_itself_is_stable():
    ref = _diag_frame(3000, 0)
    for seed in range(3):
        rep = compare(ref, ref.resample(seed=seed))
        assert rep.verdict == "stable" and not rep.drifted, [(f.name, f.p_adjusted, f.psi) for f in rep.features]


def test_three_features_shifted_by_one_sd_are_exactly_the_ones_flagged():
    ref = _diag_frame(3000, 0)
    fresh = _diag_frame(3000, 7)  # new patients from the same population
    assert compare(ref, fresh).verdict == "stable"
    shifted = Frame(dict(fresh.columns), dict(fresh.kinds))
    for name in ("glucose", "cholesterol", "heart_rate"):
        shifted.columns[name] = fresh.columns[name] + fresh.columns[name].std()
    rep = compare(ref, shifted)
    assert sorted(f.name for f in rep.drifted) == ["cholesterol", "glucose", "heart_rate"]
    assert rep.verdict == "dataset_drifted" and rep.share == pytest.approx(3 / 8)
    assert [f.name for f in rep.sorted()[:3]] == [f.name for f in rep.drifted][:3] or set(
        f.name for f in rep.sorted()[:3]) == {"glucose", "cholesterol", "heart_rate"}


# --- the CLI drift command ----------------------------------------------------------------------

def _run(argv) -> tuple[int, list[str]]:
    lines: list[str] = []
    return main(argv, lines.append), lines


def test_drift_cli_json_shape_and_exit_codes(tmp_path, capsys):
    ref, new = _diag_frame(1500, 0), _diag_frame(1500, 3)
    names = ref.names
    _write_csv(tmp_path / "ref.csv", names, np.stack([ref.columns[n] for n in names], 1).tolist())
    x = np.stack([new.columns[n] for n in names], 1)
    x[:, names.index("age")] += 15
    _write_csv(tmp_path / "new.csv", names, x.tolist())
    code, out = _run(["drift", str(tmp_path / "ref.csv"), str(tmp_path / "new.csv"), "--json"])
    assert code == 0
    doc = json.loads(out[-1])
    assert {"verdict", "headline", "drifted_features", "features", "compared"} == set(doc)
    assert doc["verdict"] in ("stable", "features_drifted", "dataset_drifted")
    assert all(set(f) == {"name", "test", "statistic", "p_value", "psi", "out_of_range", "drifted"} for f in doc["features"])
    assert [f["name"] for f in doc["features"] if f["drifted"]][:1] == ["age"]
    code, out = _run(["drift", str(tmp_path / "ref.csv"), str(tmp_path / "ref.csv")])
    assert code == 0 and out[0].startswith("verdict: stable")
    code, _ = _run(["drift", str(tmp_path / "ref.csv"), str(tmp_path / "nope.csv")])
    assert code == 2 and "not found" in capsys.readouterr().err
    _write_csv(tmp_path / "other.csv", ["a", "b"], [[1, 2], [3, 4]])
    code, _ = _run(["drift", str(tmp_path / "ref.csv"), str(tmp_path / "other.csv")])
    assert code == 2 and "has no column 'age'" in capsys.readouterr().err


# --- monitor -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def diagnosis_model(tmp_path_factory):
    """The diagnosis example trained briefly (small data, few epochs), its weights saved."""
    import torch

    from core.training import train
    doc = json.loads(DIAGNOSIS.read_text())
    doc["data"]["params"] = {"samples": 1500}
    doc["training"]["epochs"] = 15
    doc["training"]["early_stopping"] = {"patience": 0}
    folder = tmp_path_factory.mktemp("diag")
    project = Project.from_dict(doc, folder)
    project.save(folder / "diagnosis.losslab.json")
    result = train(project, diagnose=False)
    torch.save(result.state_dict(), folder / "model.pt")
    return folder / "diagnosis.losslab.json", folder / "model.pt"


def _stream(folder: Path, with_target: bool = True) -> Path:
    from core.drift.streams import diagnosis_stream
    header, rows = diagnosis_stream(n=2000)
    if not with_target:
        header, rows = header[:-2], [r[:-2] for r in rows]
    return _write_csv(folder / ("stream.csv" if with_target else "stream-no-target.csv"), header, rows)


def test_gradual_stream_drift_inside_the_ramp_then_decline(diagnosis_model):
    project, model = diagnosis_model
    stream = _stream(project.parent)
    code, out = _run(["monitor", str(project), str(stream), "--model", str(model), "--window", "100", "--json"])
    assert code == 0, out
    doc = json.loads(out[-1])
    assert set(doc) == {"windows", "findings", "verdict", "alpha", "window_alpha"}
    w0 = doc["windows"][0]
    assert set(w0) == {"index", "start_row", "end_row", "n", "loss", "accuracy", "drift_share", "drifted_features",
                       "followed_features", "confidence"}
    kinds = {f["kind"]: f for f in doc["findings"]}
    assert set(kinds) == {"input_drift", "performance_decline"}, out[-40:]
    for f in doc["findings"]:
        assert set(f) == {"kind", "start_window", "start_row", "features", "message", "evidence"}
    drift, decline = kinds["input_drift"], kinds["performance_decline"]
    ramp_start, ramp_end = 0.35 * 2000, 0.75 * 2000
    assert ramp_start <= drift["start_row"] < ramp_end  # inside the ramp, not before it
    assert set(drift["features"]) <= {"blood_pressure", "glucose"} and drift["features"]
    assert decline["start_window"] >= drift["start_window"]
    # windows before the ramp: no drifted features at all
    assert all(not w["drifted_features"] for w in doc["windows"] if w["end_row"] < ramp_start - 100)
    assert any("earlier" in line or "started with" in line for line in out if line.startswith("! performance_decline"))


def test_monitor_without_targets_reports_drift_and_confidence_only(diagnosis_model):
    project, model = diagnosis_model
    stream = _stream(project.parent, with_target=False)
    code, out = _run(["monitor", str(project), str(stream), "--model", str(model), "--json"])
    assert code == 0
    assert any("no target column 'diagnosis'" in line and "drift and confidence only" in line for line in out)
    doc = json.loads(out[-1])
    assert all(w["loss"] is None and w["accuracy"] is None and w["confidence"] is not None for w in doc["windows"])
    assert [f["kind"] for f in doc["findings"]] == ["input_drift"]


def test_monitor_refuses_bad_model_files(diagnosis_model, tmp_path, capsys):
    project, _ = diagnosis_model
    stream = _stream(project.parent)
    (tmp_path / "junk.pt").write_bytes(b"not a model")
    code, _ = _run(["monitor", str(project), str(stream), "--model", str(tmp_path / "junk.pt")])
    err = capsys.readouterr().err
    assert code == 2 and "not a saved" in err and "Traceback" not in err


def test_deployment_scenarios_and_difference_in_words(diagnosis_model):
    from core.drift.deployment import compare_with_validation, drift_report, from_scenario
    from core.drift.reference import project_reference
    from core.drift.scenarios import Scenario
    from core.drift.scoring import Scorer
    project_path, model = diagnosis_model
    project = Project.load(project_path)
    ref = project_reference(project)
    scorer = Scorer(project, ref.dataset, model)
    shifted = from_scenario(ref, Scenario("shift", ("glucose", "blood_pressure", "age"), k=2.0))
    rep = drift_report(ref, shifted, scorer)
    assert {f.name for f in rep.drifted} >= {"glucose", "blood_pressure", "age"}
    assert rep.output is not None and rep.output["what"] == "confidence"
    words = compare_with_validation(scorer, shifted)
    assert words["message"].startswith("accuracy ") and "on deployment" in words["message"]
    assert words["deployment_accuracy"] < words["validation_accuracy"]
    same = from_scenario(ref, Scenario("label_noise", rate=0.0))
    assert compare_with_validation(scorer, same)["deployment_accuracy"] == pytest.approx(
        words["validation_accuracy"], abs=1e-6)
    builtin = from_scenario(ref, Scenario("builtin_shifted"))
    assert "age" in {f.name for f in drift_report(ref, builtin).drifted}
    balance = from_scenario(ref, Scenario("balance", shares=(0.1, 0.1, 0.8)))
    assert np.mean(balance.y == 2) == pytest.approx(0.8, abs=0.01)


def test_drift_cli_with_project_and_model(diagnosis_model, tmp_path):
    project, model = diagnosis_model
    from core.drift.streams import diagnosis_stream
    header, rows = diagnosis_stream(n=2000)
    _write_csv(tmp_path / "before.csv", header, rows[:600])
    _write_csv(tmp_path / "after.csv", header, rows[-600:])
    code, out = _run(["drift", str(tmp_path / "before.csv"), str(tmp_path / "after.csv"), "--project", str(project),
                      "--model", str(model), "--json"])
    assert code == 0, out
    doc = json.loads(out[-1])
    assert doc["verdict"] == "dataset_drifted" and set(doc["drifted_features"]) == {"glucose", "blood_pressure"}
    assert {f["name"] for f in doc["features"] if f["drifted"]} == {"glucose", "blood_pressure"}
    assert 0 < doc["reliance_share"] <= 1 and all(0 <= f["reliance"] <= 1 for f in doc["features"])
    assert len(doc["features"]) == 8  # the project's inputs only: not time, not the targets
    assert doc["output"]["what"] == "confidence" and any(line.startswith("model output:") for line in out)
    code, out = _run(["drift", str(tmp_path / "before.csv"), str(tmp_path / "before.csv"), "--project", str(project)])
    assert code == 0 and out[0].startswith("verdict: stable")


def test_monitor_orders_rows_by_a_time_column(diagnosis_model, tmp_path):
    project, model = diagnosis_model
    from core.drift.streams import diagnosis_stream
    header, rows = diagnosis_stream(n=2000)
    shuffled = [rows[i] for i in np.random.default_rng(0).permutation(len(rows))]
    for i, r in enumerate(rows):
        r[0] = i  # a time per row, so the order is fully defined
    _write_csv(tmp_path / "shuffled.csv", header, shuffled)
    code, out = _run(["monitor", str(project), str(tmp_path / "shuffled.csv"), "--model", str(model), "--json"])
    assert code == 0
    kinds = {f["kind"]: f for f in json.loads(out[-1])["findings"]}
    assert 0.35 * 2000 <= kinds["input_drift"]["start_row"] < 0.75 * 2000


def test_monitor_on_a_csv_project_with_categories_gaps_and_unseen_values(tmp_path):
    import torch

    from core.training import train
    colours = ["red", "green", "blue", "purple"]
    train_rows = [[f"c{i}", i % 60, colours[i % 3], "yes" if i % 2 else "no"] for i in range(300)]
    new_rows = [[f"n{i}", "" if i % 17 == 0 else i % 60, colours[i % 4] if i > 150 else colours[i % 3],
                 "" if i % 23 == 0 else ("yes" if i % 2 else "no")] for i in range(400)]
    header = ["customer", "size", "colour", "label"]
    _write_csv(tmp_path / "shop.csv", header, train_rows)
    _write_csv(tmp_path / "shop-new.csv", header, new_rows)
    project = Project.load(ROOT / "resources/examples/csv-moons.losslab.json")
    project.data.path, project.data.target, project.data.features = "shop.csv", "label", None
    project.training.epochs = 3
    project.save(tmp_path / "shop.losslab.json")
    project = Project.load(tmp_path / "shop.losslab.json")
    torch.save(train(project, diagnose=False).state_dict(), tmp_path / "shop.pt")
    code, out = _run(["monitor", str(tmp_path / "shop.losslab.json"), str(tmp_path / "shop-new.csv"),
                      "--model", str(tmp_path / "shop.pt"), "--window", "50", "--json"])
    assert code == 0, out
    text = "\n".join(out)
    assert "'purple' x63" in text and "size 24 cells" in text and "18 rows without a usable 'label'" in text
    doc = json.loads(out[-1])
    drift = next(f for f in doc["findings"] if f["kind"] == "input_drift")
    assert drift["features"] == ["colour"] and drift["start_row"] == 150
