"""Per-node health while training (core.health): real tiny runs with planted faults, the trainer's
integration, the run store, and ``losslab train``'s health output."""
from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from core.data import load_dataset
from core.project import Project
from core.training import TrainingObserver, train

from tests.core.cli_run import run as run_cli
from tests.core.health_faults import FAULTS, mlp, named, run_fault

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"
HEALTH_KINDS = {"dead_units", "saturated_units", "vanishing_gradients", "large_updates"}


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.kind)
def test_each_planted_fault_is_named_at_its_node(fault):
    result = run_fault(fault, "moons", 0)
    assert named(result, fault), [(f.kind, f.node, f.message) for f in result.findings]
    finding = next(f for f in result.findings if f.kind == fault.kind)
    assert fault.node in finding.message and finding.suggestion


def test_a_healthy_run_has_no_health_warning_and_every_node_reports():
    project = Project.load(EXAMPLES / "spiral.losslab.json")
    result = train(project, epochs=10)
    assert not [f for f in result.findings if f.kind in HEALTH_KINDS]
    last = result.health[-1].nodes
    assert set(last) == {n.id for n in project.model.nodes}
    assert {"mean", "std", "dead"} <= set(last["relu1"])
    assert {"grad_norm", "update_ratio"} <= set(last["fc1"])
    assert 0 < last["fc1"]["update_ratio"] < 0.15 and last["fc1"]["grad_norm"] > 0
    steps = [p.step for p in result.health]
    assert steps[0] == 1 and steps == sorted(steps) and steps[-1] == result.steps


class HookCounter(TrainingObserver):
    """Counts the hooks on the model's modules at every epoch end."""

    def __init__(self):
        self.model = None
        self.counts: list[int] = []

    def on_epoch_end(self, record):
        self.counts.append(sum(len(m._forward_hooks) + len(m._forward_pre_hooks) + len(m._backward_hooks)
                               for m in self.model.modules()))


def test_the_monitor_is_made_once_and_adds_no_hook_to_the_training_path(monkeypatch):
    import core.health as health
    made = []
    real = health.HealthMonitor

    class Counting(real):
        def __init__(self, *a, **k):
            made.append(1)
            super().__init__(*a, **k)
    monkeypatch.setattr(health, "HealthMonitor", Counting)
    project = Project.load(EXAMPLES / "spiral.losslab.json")
    from core.training.setup import prepare
    setup = prepare(project)
    counter = HookCounter()
    counter.model = setup.model
    result = train(project, setup=setup, observer=counter, epochs=6)
    assert made == [1] and len(result.health) >= 2
    assert counter.counts == [0] * 6   # the probes read every node through forward_all, not through hooks


def test_the_probed_steps_and_the_findings_do_not_depend_on_the_machines_pace():
    """The interval comes from a cost model, not a clock: two runs probe the same steps and agree."""
    from core.health.monitor import probe_interval
    project = Project.load(EXAMPLES / "xor.losslab.json")
    data = load_dataset(project.data, project.base_dir)
    first, second = train(project, dataset=data), train(project, dataset=data)
    every = probe_interval(min(256, data.x_val.shape[0]), project.training.batch_size)
    assert [p.step for p in first.health] == [1, *range(1 + every, first.steps, every), first.steps]
    assert [p.to_dict() for p in first.health] == [p.to_dict() for p in second.health]
    assert [f.to_dict() for f in first.findings] == [f.to_dict() for f in second.findings]


def test_probing_does_not_change_the_training():
    project = Project.load(EXAMPLES / "digits.losslab.json")
    data = load_dataset(project.data, project.base_dir)
    on = train(project, dataset=data, epochs=2)
    off = train(project, dataset=data, epochs=2, health=False)
    assert on.step_loss == off.step_loss and on.health and not off.health


def test_a_recurrent_layer_reports_once_per_layer():
    project = Project.load(EXAMPLES / "demand.losslab.json")
    result = train(project, epochs=2)
    lstm = result.health[-1].nodes["lstm"]
    assert {"mean", "std", "grad_norm", "update_ratio"} <= set(lstm)
    assert all(math.isfinite(v) for v in lstm.values())


def test_the_epoch_records_and_the_run_store_keep_the_health_series(tmp_path):
    from core.runs import RunRecorder, open_store
    project = Project.load(EXAMPLES / "spiral.losslab.json")
    with open_store(tmp_path) as store:
        recorder = RunRecorder(store, project, save_weights=False)
        result = train(project, observer=recorder, epochs=8)
        rec = store.get(recorder.run_id)
    kept = [h["health"] for h in rec.history if "health" in h]
    assert kept and kept[0]["epoch"] == 1 and set(kept[0]["nodes"]) == set(result.health[0].nodes)
    probed = {p.step for p in result.health}
    assert all(k["step"] in probed for k in kept)


def _scaled_csv_project(tmp_path: Path) -> Path:
    """A CSV of two moons with features of scale 100 and no normalisation: a saturated Tanh."""
    rng = np.random.default_rng(0)
    t = rng.uniform(0, math.pi, 400)
    label = rng.integers(0, 2, 400)
    x = np.where(label == 0, np.cos(t), 1 - np.cos(t)) * 100
    y = np.where(label == 0, np.sin(t), 0.5 - np.sin(t)) * 100
    lines = ["a,b,label"] + [f"{a:.3f},{b:.3f},{'yes' if c else 'no'}" for a, b, c in zip(x, y, label)]
    (tmp_path / "scaled.csv").write_text("\n".join(lines) + "\n")
    doc = mlp("moons", [32, 32], "Tanh", epochs=4, normalize=False).to_dict()
    doc["data"] = {"source": "csv", "params": {}, "path": "scaled.csv", "target": "label", "features": ["a", "b"],
                   "task": "classification", "val_fraction": 0.25, "seed": 0, "normalize": False}
    path = tmp_path / "scaled.losslab.json"
    path.write_text(json.dumps(doc))
    return path


def test_train_json_carries_the_last_probe_and_findings_name_their_node(tmp_path):
    path = _scaled_csv_project(tmp_path)
    out_csv = tmp_path / "health.csv"
    code, lines = run_cli("train", path, "--json", "--quiet", "--no-store", "--health-csv", out_csv)
    assert code == 0
    summary = json.loads(lines[-1])
    assert set(summary["health"]) == {"input", "fc1", "act1", "fc2", "act2", "out"}
    assert summary["health"]["act1"]["saturated"] > 0.8 and summary["health"]["input"]["std"] > 50
    sat = [f for f in summary["findings"] if f["kind"] == "saturated_units"]
    assert sat and sat[0]["node"] == "act1" and sat[0]["evidence"]["node"] == "act1"
    rows = list(csv.DictReader(out_csv.open()))
    assert rows and set(rows[0]) == {"step", "epoch", "node", "mean", "std", "dead", "saturated", "grad_norm",
                                     "update_ratio"}
    assert {r["node"] for r in rows} == set(summary["health"]) and rows[0]["step"] == "1"


def test_no_health_turns_the_probes_off(tmp_path):
    path = _scaled_csv_project(tmp_path)
    code, lines = run_cli("train", path, "--json", "--quiet", "--no-store", "--no-health")
    summary = json.loads(lines[-1])
    assert code == 0 and "health" not in summary
    assert not [f for f in summary["findings"] if f["kind"] in HEALTH_KINDS]
    code, _ = run_cli("train", path, "--no-store", "--no-health", "--health-csv", tmp_path / "h.csv")
    assert code == 2 and not (tmp_path / "h.csv").exists()


def test_health_csv_into_a_missing_folder_is_refused_before_training(tmp_path, capsys):
    code, lines = run_cli("train", EXAMPLES / "xor.losslab.json", "--no-store", "--health-csv",
                          tmp_path / "nowhere" / "h.csv")
    assert code == 2 and not lines
    assert "--health-csv" in capsys.readouterr().err


def test_health_statistics_are_copied_once_per_probe(monkeypatch):
    """One host transfer per probe: no ``.item()`` or ``float(tensor)`` per node."""
    from core.health import HealthMonitor
    from core.training.setup import prepare
    project = Project.load(EXAMPLES / "spiral.losslab.json")
    setup = prepare(project)
    monitor = HealthMonitor(setup)
    calls = {"item": 0, "tolist": 0}
    real_item, real_tolist = torch.Tensor.item, torch.Tensor.tolist

    def item(self):
        calls["item"] += 1
        return real_item(self)

    def tolist(self):
        calls["tolist"] += 1
        return real_tolist(self)
    monkeypatch.setattr(torch.Tensor, "item", item)
    monkeypatch.setattr(torch.Tensor, "tolist", tolist)
    monitor.before_step()
    probe = monitor.after_step(1, 1)
    assert calls == {"item": 0, "tolist": 1} and len(probe.nodes) == 6


def test_a_curve_finding_that_explains_a_health_finding_says_it_inside_one_warning():
    """Batch-1 SGD at lr 0.1 is noisy; its huge first updates are the same cause, said inside the noisy
    finding rather than as a second warning (the diagnosis benchmark counted them as false alarms)."""
    from core.diagnostics.findings import Finding
    from core.health.monitor import fold_into_curve_findings
    noisy = Finding("noisy", "warning", "Noisy training: the validation loss bounces", "use a larger batch")
    large = Finding("large_updates", "warning", "out: one step changed its weights by 0.59 of their size", "lower lr",
                    node="out")
    dead = Finding("dead_units", "warning", "act2: 92% of its units never fire", "He init", node="act2")
    current, mine = fold_into_curve_findings([noisy], [large, dead])
    assert [f.kind for f in current] == ["noisy"] and "0.59 of their size" in current[0].message
    assert [f.kind for f in mine] == ["dead_units"]            # another cause stays its own finding
    boom = Finding("divergence", "error", "Training loss exploded at step 3", "lower the rate")
    current, mine = fold_into_curve_findings([boom], [large, dead])
    assert mine == [] and [f.kind for f in current] == ["divergence"] and "never fire" in current[0].message
    assert fold_into_curve_findings([], [large]) == ([], [large])
