"""Studies as a person runs them: through ``losslab sweep``, cancelled, with a failing trial, the
significance column, the "Neural Net Loss" preset, and the Ray backend on a local instance."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli import main
from core.project import Project
from core.runs import open_store
from core.studies import (KnobError, LocalExecutor, StudyDriver, StudySpec, apply_setting, parse_vary, plan_study,
                          summarize)
from core.tasks import TaskState
from core.studies.knobs import hidden_blocks

ROOT = Path(__file__).resolve().parents[2]
# every study here starts a local worker pool: on one pytest-xdist worker, one fork server (which
# imports torch once) serves them all (see `--dist loadgroup` in pyproject.toml)
pytestmark = pytest.mark.xdist_group("worker_pool")

SPIRAL = ROOT / "resources" / "examples" / "spiral.losslab.json"


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """A 200-sample spiral with 16-unit layers, and a run store of its own."""
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path / "home"))
    doc = json.loads(SPIRAL.read_text())
    doc["data"]["params"]["samples"] = 200
    for n in doc["model"]["nodes"][1:4:2]:
        n["params"]["out_features"] = 16
    path = tmp_path / "tiny.losslab.json"
    path.write_text(json.dumps(doc))
    return path


def _sweep(*argv):
    lines: list[str] = []
    code = main(["sweep", *map(str, argv)], out=lines.append)
    return code, lines


def _run(project, spec, workers=2):
    plan = plan_study(project, spec, store_dir=str(open_store().dir))
    runner = StudyDriver(plan, executor=LocalExecutor(workers, threads=1, n_trials=len(plan.tasks)))  # tiny nets: 1 thread
    outcomes = runner.run()
    return plan, summarize(plan.study, [k.name for k in spec.knobs], spec.settings(), outcomes), runner


def test_a_two_knob_two_seed_study_through_the_cli(tiny):
    code, lines = _sweep(tiny, "--vary", "lr=0.001,0.05", "--vary", "activation=ReLU,Tanh", "--seeds", "2",
                         "--epochs", "2", "--workers", "2", "--format", "json", "--quiet")
    assert code == 0
    doc = json.loads(lines[-1])
    assert doc["knobs"] == ["lr", "activation"]
    assert [r["setting"] for r in doc["rows"]] == [{"lr": a, "activation": b} for a in (0.001, 0.05)
                                                   for b in ("ReLU", "Tanh")]
    assert all(r["n"] == 2 and len(r["runs"]) == 2 and r["failed"] == 0 for r in doc["rows"])
    assert {"final_train_loss", "best_val_loss", "best_epoch", "gap", "metric", "seconds"} <= set(doc["rows"][0]["mean"])
    assert sum(r["best"] for r in doc["rows"]) == 1 and doc["best"]["setting"] in [r["setting"] for r in doc["rows"]]
    assert all("p_value_vs_best" in r for r in doc["rows"])
    store = open_store()
    for row in doc["rows"]:
        for rid in row["runs"]:
            run = store.get(rid)
            assert run.status == "completed" and run.epochs == 2 and run.setting == row["setting"]
            assert run.study == doc["study"]
            assert [n["type"] for n in run.project["model"]["nodes"]].count(row["setting"]["activation"]) == 2
            assert run.project["training"]["optimizer"]["params"]["lr"] == row["setting"]["lr"]
    code, lines = _sweep(tiny, "--vary", "lr=0.001,0.05", "--seeds", "1", "--epochs", "1", "--workers", "1", "--format",
                         "md", "--quiet")   # one worker process: the Markdown is the point here, not parallelism
    md = "\n".join(lines).splitlines()
    assert code == 0 and md[2].startswith("| setting | seeds | validation loss at the end |")
    assert "lr=0.05" in "\n".join(md[4:6])


@pytest.mark.parametrize("argv, message", [
    (["--vary", "speed=1,2"], "unknown knob 'speed'"),
    (["--vary", "lr=fast,0.1"], "lr='fast': expected a number"),
    (["--vary", "depth=1.5"], "expected a whole number"),
    (["--vary", "activation=Relu6"], "choose one of"),
    (["--vary", "lr=0.1", "--vary", "l1=0", "--vary", "l2=0"], "one or two knobs"),
    (["--vary", "training.optimizer.params.lr=-1"], "training.optimizer.params.lr"),
])
def test_bad_knobs_and_values_exit_2_before_any_trial(tiny, capsys, argv, message):
    code, _ = _sweep(tiny, *argv, "--epochs", "1")
    assert code == 2
    assert message in capsys.readouterr().err
    assert open_store().list() == []


def test_a_project_that_does_not_check_exits_2(tiny, capsys):
    doc = json.loads(tiny.read_text())
    doc["outputs"][0]["loss"] = {"type": "MSELoss", "params": {}}
    doc["model"]["nodes"][-1]["params"]["out_features"] = 3
    tiny.write_text(json.dumps(doc))
    code, _ = _sweep(tiny, "--vary", "lr=0.01,0.1", "--epochs", "1")
    assert code == 2 and "does not check" in capsys.readouterr().err
    assert open_store().list() == []


def test_cancel_stops_running_trials_and_never_starts_queued_ones(tiny):
    project = Project.load(tiny)
    # one seed: a second 1-epoch trial could already be running in the worker when the first one's progress
    # cancels, and finish (a race, seen under load); the 100000-epoch trial is then running or queued, and
    # the 200000-epoch one queued behind it
    spec = StudySpec.from_vary({"epochs": [1, 100000, 200000]}, seeds=1)
    plan = plan_study(project, spec, store_dir=str(open_store().dir))
    runner = StudyDriver(plan, executor=LocalExecutor(1, threads=1, n_trials=len(plan.tasks)))
    seen = []

    class CancelAfterFirst(TaskState):
        def report(self, kind, payload=None):
            if kind == "progress":
                seen.append(payload.outcome.status)
                if len(seen) == 1:
                    runner.cancel()
    outcomes = runner.run(state=CancelAfterFirst())
    assert len(outcomes) == 3 and outcomes[0].status == "completed"
    assert {o.status for o in outcomes[1:]} == {"cancelled"}   # the long trials never finished
    runs = open_store().list()
    assert all(r.status in ("completed", "stopped") for r in runs)
    assert len(runs) == sum(1 for o in outcomes if o.run_id)
    result = summarize(plan.study, ["epochs"], spec.settings(), outcomes)
    assert result.rows[1].cancelled == 1 and result.rows[1].n == 0
    assert result.rows[2].cancelled == 1 and result.rows[2].n == 0
    queued = next(o for o in outcomes if o.index == 2)
    assert queued.run_id is None and queued.message == "cancelled before it started"   # no run recorded


def test_the_study_as_a_task_reports_and_a_cancel_of_its_state_stops_it(tiny):
    """``run_study`` (what the window runs): started, then one progress per trial; a cancel of the task's
    state after the first trial stops the rest, and the task still returns every outcome."""
    from core.studies import run_study
    from core.tasks import TaskState, run_task

    class CancelAfterFirstTrial(TaskState):
        def report(self, kind, payload=None):
            super().report(kind, payload)
            if kind == "progress":
                self.cancel()

    spec = StudySpec.from_vary({"epochs": [1, 100000, 200000]}, seeds=1)
    plan = plan_study(Project.load(tiny), spec)
    state = CancelAfterFirstTrial()
    outcome = run_task(run_study, plan, workers=1, state=state)
    messages = state.take()
    assert outcome.cancelled and outcome.error is None and len(outcome.value) == 3
    assert [k for k, _ in messages] == ["started", "progress", "progress", "progress"]
    assert messages[0][1].startswith("local: 1 worker(s)")
    assert outcome.value[0].status == "completed" and {o.status for o in outcome.value[1:]} == {"cancelled"}
    runs = open_store().list()                                          # recorded in the store it opened
    assert state.progress == 1.0 and runs and all(r.status in ("completed", "stopped") for r in runs)
    assert len(runs) == sum(1 for o in outcome.value if o.run_id)


def test_ctrl_c_cancels_the_sweep_and_prints_the_partial_table(tiny):
    proc = subprocess.Popen([sys.executable, "-m", "core.cli", "sweep", str(tiny), "--vary", "epochs=1,100000",
                             "--seeds", "2", "--workers", "1"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    while True:
        line = proc.stderr.readline()
        assert line, proc.stdout.read()
        if line.startswith("[1/4]"):
            break
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 130 and "cancelling" in err
    assert "epochs=100000 did not finish (2 cancelled)" in out
    assert all(r.status in ("completed", "stopped") for r in open_store().list())


def test_a_failing_trial_is_shown_failed_and_recorded(tiny):
    code, lines = _sweep(tiny, "--vary", "training.device=cpu,mps", "--seeds", "1", "--epochs", "1", "--workers", "1",
                         "--format", "json", "--quiet")
    assert code == 0
    rows = json.loads(lines[-1])["rows"]
    assert rows[0]["n"] == 1 and rows[0]["failed"] == 0
    assert rows[1]["n"] == 0 and rows[1]["failed"] == 1 and "Metal" in rows[1]["errors"][0]
    failed = open_store().get(rows[1]["runs"][0])
    assert failed.status == "failed" and "Metal" in failed.message
    code, lines = _sweep(tiny, "--vary", "training.device=cpu,mps", "--seeds", "1", "--epochs", "1", "--workers", "1",
                         "--quiet")
    table = "\n".join(lines)
    assert "1/1" in table and "failed mps" in table


def test_significance_flags_a_real_difference_and_not_a_null_one(tiny):
    """On two moons, lr 1e-5 barely moves in 4 epochs while 0.05 learns; grad_clip=1000 never clips, so it
    changes nothing at all."""
    doc = json.loads(tiny.read_text())
    doc["data"].update(source="moons", params={"samples": 200})
    doc["training"]["schedule"] = {"type": "Constant", "params": {}}
    project = Project.from_dict(doc)
    spec = StudySpec.from_vary({"lr": [1e-5, 0.05], "training.grad_clip": [0.0, 1000.0]}, seeds=3, epochs=4)
    _, result, _ = _run(project, spec, workers=1)   # 12 tiny trials: one worker process is cheaper than two
    rows = {(r.setting["lr"], r.setting["training.grad_clip"]): r for r in result.rows}
    best = result.best
    assert best.setting["lr"] == 0.05
    twin = rows[(0.05, 1000.0 if best.setting["training.grad_clip"] == 0.0 else 0.0)]
    assert twin.p_value_vs_best == pytest.approx(1.0) and twin.differs is False
    assert twin.difference_vs_best == pytest.approx(0.0) and twin.ci95[0] == pytest.approx(-twin.ci95[1])
    assert twin.ci95[0] < 0 < twin.ci95[1]
    assert result.comparisons == 6                       # Holm over every pair of the four settings
    for gc in (0.0, 1000.0):
        slow = rows[(1e-5, gc)]
        assert slow.p_value_vs_best < slow.p_value_adjusted < 0.05 and slow.differs is True
        assert 0 < slow.ci95[0] < slow.difference_vs_best < slow.ci95[1]     # worse, and by about this much
    sentence = result.to_json()["sentence"]
    assert "worse than the best (p " in sentence and "not distinguishable from the best (p = 1.00)" in sentence


def test_the_neural_net_loss_preset_on_a_small_project(tiny):
    code, lines = _sweep(tiny, "--preset", "neural-net-loss", "--seeds", "2", "--epochs", "2", "--format", "json",
                         "--quiet")
    assert code == 0
    doc = json.loads(lines[-1])
    titles = [s["title"] for s in doc["studies"]]
    assert titles == ["data size", "activation", "learning rate", "regularization", "dropout rate",
                      "optimizer, at one learning rate", "optimizer, each at its own learning rate", "depth",
                      "batch size"]
    for s in doc["studies"]:
        assert s["rows"] and all(r["n"] + r["failed"] == 2 for r in s["rows"]) and s["sentence"]
        assert s["score"] == "end_val_loss" and s["correction"]["method"] == "Holm-Bonferroni"
    one, fair = doc["studies"][5], doc["studies"][6]
    assert one["comparison"] == "every setting at the project's learning rate 0.005"
    assert fair["comparison"].startswith("each setting at its own learning rate: the best of 0.001, 0.01, 0.1, 1")
    assert all(len(r["lr"]) == 2 and r["lr"][0] in (0.001, 0.01, 0.1, 1.0) for r in fair["rows"])
    size = doc["studies"][0]
    assert [r["training_samples"] for r in size["rows"]] == sorted({r["training_samples"] for r in size["rows"]})
    act = next(s for s in doc["studies"] if s["title"] == "activation")
    assert [r["setting"]["activation"] for r in act["rows"]] == ["Sigmoid", "ReLU", "Tanh"]
    depth = next(s for s in doc["studies"] if s["title"] == "depth")
    store = open_store()
    n_linear = [sum(n["type"] == "Linear" for n in store.get(r["runs"][0]).project["model"]["nodes"])
                for r in depth["rows"]]
    assert n_linear == [2, 3, 4]


def test_knobs_edit_the_graph_as_described():
    doc = Project.load(SPIRAL).to_dict()
    assert len(hidden_blocks(apply_setting(doc, {"depth": 3}))) == 3
    assert len(hidden_blocks(apply_setting(doc, {"depth": 1}))) == 1
    dropped = Project.from_dict(apply_setting(doc, {"dropout": 0.8, "depth": 3}))
    assert [n.type for n in dropped.model.nodes].count("Dropout") == 3
    assert all(n.params["p"] == 0.8 for n in dropped.model.nodes if n.type == "Dropout")
    wide = Project.from_dict(apply_setting(doc, {"width": 0.5}))
    assert [n.params.get("out_features") for n in wide.model.nodes if n.type == "Linear"] == [32, 32, 2]
    sgd = Project.from_dict(apply_setting(doc, {"training.optimizer.params.momentum": 0.9, "optimizer": "SGD"}))
    assert sgd.training.optimizer.type == "SGD" and sgd.training.optimizer.params == {"lr": 0.005, "momentum": 0.9}
    assert parse_vary("data_size=10%,1")[1] == [0.1, 1.0]
    with pytest.raises(KnobError, match="a value is listed twice"):
        parse_vary("lr=0.1,0.1")


def test_the_ray_backend_on_a_local_instance(tiny):
    ray = pytest.importorskip("ray")
    from core.studies import RayExecutor
    from core.studies.executors import ray_runtime_env
    # one CPU, so one Ray worker imports torch, not two (splitting cores: see the split_cores test)
    ray.init(num_cpus=1, runtime_env=ray_runtime_env(), include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        project = Project.load(tiny)
        spec = StudySpec.from_vary({"lr": [0.001, 0.05]}, seeds=2, epochs=2)
        store = open_store()
        plan = plan_study(project, spec, store_dir=str(store.dir))
        executor = RayExecutor(n_trials=len(plan.tasks))
        assert executor.threads == 1 and executor.workers == 1
        outcomes = StudyDriver(plan, executor=executor).run()
    finally:
        ray.shutdown()
    assert [o.status for o in outcomes] == ["completed"] * 4
    for o in outcomes:
        run = store.get(o.run_id)     # written by the driver from the returned record
        assert run.status == "completed" and len(run.history) == 2 and set(run.weights) == {"final", "best"}
        assert run.env["threads"] == 1
    result = summarize(plan.study, ["lr"], spec.settings(), outcomes)
    assert all(r.n == 2 for r in result.rows)


def test_cores_split_into_one_worker_each_and_never_more_workers_than_trials(monkeypatch):
    from core.studies import executors
    monkeypatch.setattr(executors, "cpu_count", lambda: 8)
    assert executors.split_cores(None, 100) == (8, 1)    # one worker per core, one torch thread each
    assert executors.split_cores(None, 3) == (3, 2)      # three trials: three workers share the cores
    assert executors.split_cores(2, 100) == (2, 4)
    assert executors.split_cores(None, 0) == (1, 8)    # no trials yet: one worker gets every core


def test_trial_time_is_the_runs_own_training_time_not_the_workers_start_up(tiny):
    """Each worker's first trial used to be charged its process start (5.6 s against 0.09 s)."""
    code, lines = _sweep(tiny, "--vary", "lr=0.001,0.01", "--seeds", "1", "--epochs", "1", "--workers", "1",
                         "--format", "json", "--quiet")
    assert code == 0
    store = open_store()
    for row in json.loads(lines[-1])["rows"]:
        recorded = store.get(row["runs"][0]).seconds
        assert row["mean"]["seconds"] == pytest.approx(recorded, abs=1e-3)


def test_the_json_path_example_in_sweep_help_works_on_every_bundled_example(capsys):
    """The help used to offer ...params.momentum, which every bundled (Adam) example refuses."""
    import re
    with pytest.raises(SystemExit):
        main(["sweep", "--help"], out=print)
    text = " ".join(capsys.readouterr().out.split())
    example = re.search(r"a JSON path such as (\S+)", text).group(1)
    assert "momentum" not in example
    for path in sorted((ROOT / "resources" / "examples").glob("*.losslab.json")):
        doc = json.loads(path.read_text())
        project = Project.from_dict(apply_setting(doc, {example: 0.001}), path.parent)
        assert project.to_dict() != Project.from_dict(doc, path.parent).to_dict(), path.name


def test_a_running_study_says_waiting_for_settings_yet_to_run_and_not_run_once_it_ended():
    from core.studies import summarize
    from core.studies.words import sentence, verdict
    done = [{"index": 0, "setting": {"lr": 0.01}, "seed": 0, "status": "completed", "run_id": "a",
             "end_val_loss": 0.1, "best_val_loss": 0.1, "best_epoch": 3, "final_train_loss": 0.05}]
    settings = [{"lr": 0.01}, {"lr": 0.1}]
    running = summarize("s", ["lr"], settings, done, running=True)
    assert [verdict(r) for r in running.rows] == ["best", "waiting"]
    assert "lr=0.1 is waiting to run" in sentence(running) and "did not finish" not in sentence(running)
    ended = summarize("s", ["lr"], settings, done)
    assert verdict(ended.rows[1]) == "not run" and "lr=0.1 was not run" in sentence(ended)
    failed = summarize("s", ["lr"], settings, done + [{**done[0], "setting": {"lr": 0.1}, "status": "failed",
                                                       "run_id": "b", "message": "boom"}], running=True)
    assert verdict(failed.rows[1]) == "did not finish"
