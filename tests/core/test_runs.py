"""The run store: what a run leaves behind, after a kill, with two writers, and when the file is bad."""
from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from core.cli import main
from core.project import Project
from core.runs import MAX_STEPS, RunRecorder, StoreError, downsample_minmax, import_run, open_store
from core.training import train
from core.training.events import EpochRecord, RunInfo, RunResult, StepRecords

ROOT = Path(__file__).resolve().parents[2]
SPIRAL = ROOT / "resources" / "examples" / "spiral.losslab.json"
CHILD = Path(__file__).with_name("runs_child.py")


def _child(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(CHILD), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_a_run_reads_back_equal_to_what_the_trainer_reported(tmp_path):
    project = Project.load(SPIRAL)
    project.data.params["samples"] = 200
    store = open_store(tmp_path)
    rec = RunRecorder(store, project, seed=3)
    result = train(project, observer=rec, epochs=4, seed=3, threads=1)
    got = store.get(rec.run_id)
    assert got.status == "completed" and got.epochs == 4 and got.seed == 3
    assert [h["epoch"] for h in got.history] == [1, 2, 3, 4]
    for h, r in zip(got.history, result.history):
        assert h["train_loss"] == pytest.approx(r.train_loss) and h["val_loss"] == pytest.approx(r.val_loss)
        assert h["val_accuracy"] == pytest.approx(r.metrics["val_accuracy"])
    assert np.array_equal(got.step_loss, np.asarray(result.step_loss))
    assert got.step_index.tolist() == list(range(1, result.steps + 1))
    assert got.best_epoch == result.best_epoch and got.best_val_loss == pytest.approx(result.best_val_loss)
    assert got.findings == [f.to_dict() for f in result.findings]
    assert Project.from_dict(got.project).to_dict() == project.to_dict()
    assert {"losslab", "torch", "python", "device", "threads"} <= set(got.env)
    assert got.metric_name == "val_accuracy"
    final = store.load_weights(rec.run_id, "final")
    for k, v in result.state_dict().items():
        assert torch.equal(final[k], v)
    best = store.load_weights(rec.run_id, "best")
    assert set(best) == set(final)
    assert [r.id for r in store.list()] == [rec.run_id]


def test_steps_past_the_limit_are_kept_as_min_and_max_per_bucket(tmp_path):
    rng = np.random.default_rng(0)
    n = 3 * MAX_STEPS
    loss = rng.random(n)
    loss[12_345] = 50.0      # a spike
    loss[40_000] = -1.0      # a floor
    step, kept = downsample_minmax(np.arange(1, n + 1), loss)
    assert len(kept) <= MAX_STEPS and np.all(np.diff(step) > 0)
    assert 50.0 in kept and -1.0 in kept and 12_346 in step

    project = Project.load(SPIRAL)
    store = open_store(tmp_path)
    rec = RunRecorder(store, project, save_weights=False)
    rec.on_run_start(RunInfo("s", 3, n // 3, 10, 2, 1, "cpu", 1, ("out",), "classification", 0.1))
    for e in range(3):
        part = loss[e * MAX_STEPS:(e + 1) * MAX_STEPS]
        rec.on_steps(StepRecords(e * MAX_STEPS + 1, e + 1, tuple(part), (0.1,) * len(part), (1.0,) * len(part)))
        rec.on_epoch_end(EpochRecord(e + 1, (e + 1) * MAX_STEPS, float(part.mean()), 0.5, 0.1, 1.0, e + 1.0))
    rec.on_run_end(RunResult("completed", 3, 3, 0.5, [], n, 3.0, n / 3))
    got = store.get(rec.run_id)
    assert len(got.step_loss) <= MAX_STEPS and got.step_loss.max() == 50.0 and got.step_loss.min() == -1.0


def test_sigkill_mid_run_leaves_an_interrupted_run_with_its_finished_epochs(tmp_path):
    proc = _child("train", str(tmp_path))
    run_id = proc.stdout.readline().split()[1]
    seen = 0
    while seen < 3:
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
        if line.startswith("epoch "):
            seen = int(line.split()[1])
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    proc.stderr.close()
    store = open_store(tmp_path)
    run = store.get(run_id)
    assert run.status == "interrupted" and "killed" in run.message
    assert run.epochs >= 3 and [h["epoch"] for h in run.history][:3] == [1, 2, 3]
    assert len(run.step_loss) >= 3 * 20
    assert store.list()[0].status == "interrupted"


def test_two_processes_writing_at_once_leave_both_runs_whole(tmp_path):
    open_store(tmp_path).close()
    procs = [_child("write", str(tmp_path), name) for name in ("a", "b")]
    for p in procs:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    ids = []
    for p in procs:
        out, err = p.communicate()
        assert p.returncode == 0, err
        ids.append(out.split()[-1])
    store = open_store(tmp_path)
    assert store._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    for rid in ids:
        run = store.get(rid)
        assert run.status == "completed" and run.epochs == 300 and len(run.history) == 300
        assert len(run.step_loss) == 1200


def test_a_run_recorded_in_memory_imports_equal(tmp_path):
    project = Project.load(SPIRAL)
    project.data.params["samples"] = 200
    rec = RunRecorder(None, project, study="s1", setting={"lr": 0.1})
    result = train(project, observer=rec, epochs=2, threads=1)
    store = open_store(tmp_path)
    import_run(store, rec.record())
    got = store.get(rec.run_id)
    assert got.status == "completed" and got.study == "s1" and got.setting == {"lr": 0.1}
    assert np.array_equal(got.step_loss, np.asarray(result.step_loss))
    assert [h["train_loss"] for h in got.history] == pytest.approx([h.train_loss for h in result.history])
    assert set(got.weights) == {"final", "best"}


def test_a_damaged_store_is_reported_with_its_path_and_train_still_runs(tmp_path, monkeypatch, capsys):
    (tmp_path / "runs.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError) as e:
        open_store(tmp_path)
    assert str(tmp_path / "runs.sqlite3") in str(e.value) and "damaged" in str(e.value)
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path))
    lines: list[str] = []
    assert main(["runs", "list"], out=lines.append) == 2
    assert str(tmp_path / "runs.sqlite3") in capsys.readouterr().err
    code = main(["train", str(SPIRAL), "--epochs", "1", "--quiet", "--threads", "1"], out=lines.append)
    assert code == 0 and any(line.startswith("completed") for line in lines)
    assert "not recording this run" in capsys.readouterr().err


def test_a_store_from_a_newer_version_is_refused_by_name(tmp_path):
    open_store(tmp_path).close()
    db = sqlite3.connect(tmp_path / "runs.sqlite3")
    db.execute("PRAGMA user_version=99")
    db.close()
    with pytest.raises(StoreError) as e:
        open_store(tmp_path)
    assert "newer LossLab" in str(e.value) and str(tmp_path) in str(e.value)


def test_losslab_train_prints_the_run_id_and_runs_shows_exports_and_deletes_it(tmp_path, monkeypatch):
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path))
    lines: list[str] = []
    assert main(["train", str(SPIRAL), "--epochs", "2", "--quiet", "--threads", "1"], out=lines.append) == 0
    run_id = lines[0].split()[3]
    assert lines[-1] == f"run {run_id} recorded"
    out: list[str] = []
    assert main(["runs", "list"], out=out.append) == 0 and run_id in out[1] and "completed" in out[1]
    out.clear()
    assert main(["runs", "show", run_id[:-2]], out=out.append) == 0 and out[0].startswith(f"run {run_id}")
    out.clear()
    assert main(["runs", "export", run_id, "--format", "csv"], out=out.append) == 0
    rows = out[0].splitlines()
    assert rows[0].startswith("epoch,step,train_loss,val_loss") and len(rows) == 3
    out.clear()
    assert main(["runs", "delete", run_id], out=out.append) == 0
    assert main(["runs", "show", run_id], out=out.append) == 2
    lines.clear()
    assert main(["train", str(SPIRAL), "--epochs", "1", "--quiet", "--no-store"], out=lines.append) == 0
    assert not any("recorded" in line for line in lines)
    assert open_store(tmp_path).list() == []


def test_train_from_a_runs_weights_starts_where_that_run_ended(tmp_path, monkeypatch, capsys):
    """Two moons: 6 epochs at lr 0.05 learn; one more epoch at lr 1e-7 from those weights stays there,
    while the same epoch from fresh weights is back at chance."""
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path / "home"))
    doc = json.loads(SPIRAL.read_text())
    doc["data"].update(source="moons", params={"samples": 300})
    doc["training"].update(schedule={"type": "Constant", "params": {}}, optimizer={"type": "Adam", "params": {"lr": 0.05}})
    first = tmp_path / "moons.losslab.json"
    first.write_text(json.dumps(doc))
    lines: list[str] = []
    assert main(["train", str(first), "--epochs", "6", "--quiet", "--json"], out=lines.append) == 0
    learned = json.loads(lines[-1])
    doc["training"]["optimizer"]["params"]["lr"] = 1e-7
    slow = tmp_path / "slow.losslab.json"
    slow.write_text(json.dumps(doc))
    lines.clear()
    assert main(["train", str(slow), "--epochs", "1", "--quiet", "--json", "--from-run", learned["run_id"]],
                out=lines.append) == 0
    assert f"starting from the final weights of run {learned['run_id']}" in capsys.readouterr().err  # --json: the log on stderr
    cont = json.loads(lines[-1])
    lines.clear()
    assert main(["train", str(slow), "--epochs", "1", "--quiet", "--json"], out=lines.append) == 0
    fresh = json.loads(lines[-1])
    end = learned["history"][-1]["val_loss"]
    assert end < 0.45
    assert cont["history"][0]["val_loss"] == pytest.approx(end, abs=0.01)
    assert fresh["history"][0]["val_loss"] > end + 0.1
    doc["model"]["nodes"][1]["params"]["out_features"] = 8
    narrow = tmp_path / "narrow.losslab.json"
    narrow.write_text(json.dumps(doc))
    capsys.readouterr()
    assert main(["train", str(narrow), "--epochs", "1", "--from-run", learned["run_id"]], out=lines.append) == 2
    assert "layers.fc1.weight is (64, 2) in the run and (8, 2) here" in capsys.readouterr().err


def _recorded(store, name, seed, study=None, heads=None):
    """A finished two-epoch run written through the recorder's hooks (no training needed)."""
    rec = RunRecorder(store, Project.load(SPIRAL), seed=seed, name=name, study=study, setting={"lr": 0.1} if study else None)
    rec.on_run_start(RunInfo("p", 2, 10, 5, 4, 100, "cpu", 1, (), "", 0.0))
    for e in (1, 2):
        rec.on_epoch_end(EpochRecord(e, 5 * e, 1.0 / e, 1.1 / e, 0.1, 0.05, 0.05 * e, {"val_accuracy": 0.5},
                                     heads or {}))
    rec.on_run_end(RunResult("completed", 2, 2, 0.55, [], 10, 0.1, 100.0))
    return rec.run_id


def test_runs_list_shows_whole_names_and_seeds_and_refuses_bad_arguments(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path))
    with open_store(tmp_path) as store:
        for seed in (0, 1):
            _recorded(store, "xor lr=0.001 seed " + str(seed), seed, study="s1")
    out: list[str] = []
    assert main(["runs", "list"], out=out.append) == 0
    assert any("xor lr=0.001 seed 0" in line for line in out) and any("xor lr=0.001 seed 1" in line for line in out)
    assert out[0].split()[2] == "seed"
    out.clear()
    assert main(["runs", "list", "--limit", "1"], out=out.append) == 0 and out[-1].startswith("1 run ")
    for bad in ("0", "-1"):
        assert main(["runs", "list", "--limit", bad], out=out.append) == 2
        assert "--limit must be 1 or more" in capsys.readouterr().err
    assert main(["runs", "list", "extra"], out=out.append) == 2
    assert "takes no run id" in capsys.readouterr().err
    out.clear()
    assert main(["runs", "list", "--study", "zz"], out=out.append) == 0
    assert out[0].startswith("no runs match --study zz") and "recorded yet" not in out[0]


def test_csv_export_of_a_two_head_run_has_per_head_columns(tmp_path, monkeypatch):
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path))
    heads = {"kind": {"train_loss": 0.7, "val_loss": 0.8}, "size": {"train_loss": 0.3, "val_loss": 0.4}}
    with open_store(tmp_path) as store:
        run_id = _recorded(store, "two heads", 0, heads=heads)
    out: list[str] = []
    assert main(["runs", "export", run_id, "--format", "csv"], out=out.append) == 0
    head, first = out[0].splitlines()[:2]
    cols = head.split(",")
    assert {"kind.train_loss", "kind.val_loss", "size.train_loss", "size.val_loss"} <= set(cols)
    assert float(first.split(",")[cols.index("size.val_loss")]) == pytest.approx(0.4)
    out.clear()
    assert main(["runs", "export", run_id], out=out.append) == 0 and json.loads(out[0])["id"] == run_id


def test_a_schema_1_store_gains_the_parent_column_and_keeps_its_runs(tmp_path):
    """A store written before runs had a parent opens, keeps every run, and records a continued run's parent."""
    from core.runs import store as store_mod
    db = sqlite3.connect(tmp_path / "runs.sqlite3")
    schema_1 = store_mod._SCHEMA.replace(",\n    parent TEXT\n", "\n")
    assert "parent" not in schema_1
    db.executescript(schema_1)
    db.execute("INSERT INTO runs (id, name, project_name, dataset, status, started, project_json, env_json) "
               "VALUES ('r1', 'old', 'p', 'spiral', 'completed', 1.0, '{}', '{}')")
    db.execute("PRAGMA user_version=1")
    db.commit()
    db.close()
    with open_store(tmp_path) as store:
        (old,) = store.list()
        assert old.id == "r1" and old.parent is None
        store._db.execute("INSERT INTO runs (id, name, project_name, dataset, status, started, project_json, env_json) "
                          "VALUES ('r2', 'new', 'p', 'spiral', 'completed', 2.0, '{}', '{}')")
        store.set_parent("r2", "r1")
        assert store.get("r2").parent == "r1" and store.dump("r2")["row"]["parent"] == "r1"
    assert sqlite3.connect(tmp_path / "runs.sqlite3").execute("PRAGMA user_version").fetchone()[0] == 2


def test_runs_before_the_first_save_are_named_after_their_data_and_list_shows_seconds(tmp_path, monkeypatch):
    import re
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path))
    names = []
    with open_store(tmp_path) as store:
        for name, source, path in (("untitled", "csv", str(tmp_path / "wine.csv")),
                                   ("untitled", "csv", str(tmp_path / "houses.csv")),
                                   ("untitled", "spiral", None), ("my spiral", "spiral", None)):
            project = Project.load(SPIRAL)
            project.name, project.data.source, project.data.path = name, source, path
            rec = RunRecorder(store, project, save_weights=False)
            rec.on_run_start(RunInfo(name, 1, 4, 100, 20, 10, "cpu", 1, ("out",), "classification", 0.01))
            rec.on_run_end(RunResult("completed", 1, 1, 0.5, [], 4, 0.1, 80.0))
            names.append(store.get(rec.run_id, steps=False).name)
    assert names == ["wine", "houses", "spiral", "my spiral"]          # not "untitled" three times
    out: list[str] = []
    assert main(["runs", "list"], out=out.append) == 0
    started = out[0].index("started")
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", line[started:started + 19]) for line in out[1:5]), out
