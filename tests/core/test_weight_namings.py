"""Both weight namings LossLab writes load everywhere a weights file is accepted: File ▸ Export ▸
state_dict (the py script's names, ``lstm.weight_ih_l0``) and ``losslab train --save-model``
(``layers.lstm.rnn.weight_ih_l0``). The try-out's trap: the window's export was refused by
``losslab export --model`` as "another network's" weights."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from core.data import load_dataset
from core.export import export
from core.project import Project
from core.training import prepare
from tests.core.cli_run import run

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


@pytest.fixture(params=["demand", "spiral"])   # demand has an LSTM (a wrapped module), spiral plain layers
def exported(request, tmp_path, monkeypatch):
    """The example in tmp_path, a network with weights no seed draws, and its File ▸ Export ▸ state_dict."""
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path / "home"))
    path = tmp_path / f"{request.param}.losslab.json"
    shutil.copy(EXAMPLES / path.name, path)
    project = Project.load(path)
    dataset = load_dataset(project.data, project.base_dir)
    model = prepare(project, dataset, device="cpu").model
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.linspace(-1, 1, p.numel()).reshape(p.shape) * (i + 2))
    export(project, "state_dict", tmp_path / "window.pt", model=model, dataset=dataset)  # the dialog's call
    assert not any(k.startswith("layers.") for k in torch.load(tmp_path / "window.pt", weights_only=True))
    return path, project, dataset, model


def _same(a: torch.nn.Module, b: torch.nn.Module) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert set(sa) == set(sb) and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_the_cli_exports_with_weights_from_the_window(exported, tmp_path):
    path, project, dataset, model = exported
    code, lines = run("export", path, "--format", "state_dict", "--model", tmp_path / "window.pt",
                      "--out", tmp_path / "again.pt")
    assert code == 0, lines
    assert not any("another network" in line for line in lines)
    again = torch.load(tmp_path / "again.pt", weights_only=True)
    first = torch.load(tmp_path / "window.pt", weights_only=True)
    assert set(again) == set(first) and all(torch.equal(again[k], first[k]) for k in first)


def test_the_deployment_and_monitor_loader_takes_both_namings(exported, tmp_path):
    from core.drift.scoring import Scorer
    from core.export import load_weights
    path, project, dataset, model = exported
    _same(Scorer(project, dataset, model_path=tmp_path / "window.pt").model, model)   # the Weights… button
    _same(load_weights(project, dataset, tmp_path / "window.pt"), model)
    torch.save(model.state_dict(), tmp_path / "saved.pt")                               # --save-model's naming
    _same(Scorer(project, dataset, model_path=tmp_path / "saved.pt").model, model)


def test_a_transfer_init_file_takes_the_windows_export(exported, tmp_path):
    path, project, dataset, model = exported
    doc = json.loads(path.read_text())
    with_weights = [n for n in doc["model"]["nodes"] if n["type"] not in ("Input",)
                    and any(True for _ in model.layers[n["id"]].parameters())]
    for node in with_weights:
        node["init"] = {"file": "window.pt"}
    target = tmp_path / "target.losslab.json"
    target.write_text(json.dumps(doc))
    code, lines = run("check", target)
    assert code == 0, lines
    _same(prepare(Project.load(target), dataset, device="cpu").model, model)


def test_weights_of_another_network_are_still_refused(exported, tmp_path, capsys):
    path, project, dataset, model = exported
    state = torch.load(tmp_path / "window.pt", weights_only=True)
    key = next(iter(state))
    state[key] = torch.zeros(3, 3, 3)
    torch.save(state, tmp_path / "other.pt")
    code, lines = run("export", path, "--format", "state_dict", "--model", tmp_path / "other.pt",
                      "--out", tmp_path / "x.pt")
    err = capsys.readouterr().err
    assert code == 2 and "another network" in err and "other shapes" in err, err
