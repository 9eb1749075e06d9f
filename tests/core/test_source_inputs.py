"""A weights file from ``losslab train --save-model`` carries the source's input normalization and columns
in its state dict's ``_metadata``: its keys are exactly the network's, so a plain ``torch.load(weights_only=
True)`` + ``load_state_dict`` loads it strictly; files of the older form (the same facts as reserved
``_losslab.input.*`` tensors) still load everywhere; and ``check`` warns, naming the nodes, when a target
project's inputs differ from the source's, whichever form the file has."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from core.data import load_dataset
from core.project import Project
from core.training import prepare
from core.training.source_inputs import INPUT, METADATA_KEY, PREFIX, layer_weights, read_inputs
from tests.core.cli_run import run
from tests.core.old_weight_files import old_form


def _csv(path: Path, scale: float = 1.0, shift: float = 0.0, cols=("a", "b"), n: int = 240, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.normal(0, 1, (n, 2)) + np.where(y[:, None] == 1, 1.5, -1.5)
    x = x * scale + shift
    path.write_text(f"{cols[0]},{cols[1]},cls\n" + "".join(f"{x[i, 0]:.4f},{x[i, 1]:.4f},{'yes' if y[i] else 'no'}\n"
                                                          for i in range(n)))


def _project(folder: Path, csv: str, cols=("a", "b"), init: str | None = None) -> Path:
    nodes = [{"id": "input", "type": "Input"}, {"id": "fc1", "type": "Linear", "params": {"out_features": 8}},
             {"id": "act", "type": "ReLU"}, {"id": "out", "type": "Linear", "params": {"out_features": 2}}]
    if init:
        nodes[1]["init"] = {"file": init}
        nodes[3]["init"] = {"file": init}
    doc = {"format": "losslab-project", "version": 1, "name": csv,
           "data": {"source": "csv", "path": csv, "target": "cls", "features": list(cols)},
           "model": {"nodes": nodes, "edges": [["input", "fc1"], ["fc1", "act"], ["act", "out"]]},
           "outputs": [{"node": "out", "loss": {"type": "CrossEntropyLoss"}}],
           "training": {"epochs": 3, "batch_size": 32}}
    path = folder / f"{Path(csv).stem}.losslab.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.fixture
def source(tmp_path, monkeypatch):
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path / "home"))
    _csv(tmp_path / "src.csv")
    code, lines = run("train", _project(tmp_path, "src.csv"), "--quiet", "--no-store", "--save-model",
                      tmp_path / "src.pt")
    assert code == 0, lines
    return tmp_path / "src.pt"


def _old_source(source: Path, tmp_path: Path) -> Path:
    """``source`` rewritten in the older form: the inputs as ``_losslab.input.*`` tensors, no record."""
    project = Project.load(tmp_path / "src.losslab.json")
    old = old_form(torch.load(source, weights_only=True), load_dataset(project.data, tmp_path))
    torch.save(old, tmp_path / "old.pt")
    return tmp_path / "old.pt"


def test_the_file_is_a_plain_state_dict_with_the_sources_inputs_in_its_metadata(source, tmp_path):
    state = torch.load(source, weights_only=True)
    model = prepare(Project.load(tmp_path / "src.losslab.json")).model
    assert list(state) == list(model.state_dict())   # no key beyond the network's own
    assert not [k for k in state if k.startswith(PREFIX)]
    record = state._metadata[METADATA_KEY]   # plain Python values, read back by weights_only
    assert record["columns"] == ["a", "b"] and record["shape"] == [2]
    assert all(isinstance(v, float) for v in record["mean"] + record["std"])
    ds = load_dataset(Project.load(tmp_path / "src.losslab.json").data, tmp_path)
    inputs = read_inputs(state)
    assert inputs["columns"] == ["a", "b"] and inputs["shape"] == (2,)
    assert np.allclose(inputs["mean"], ds.mean) and np.allclose(inputs["std"], ds.std)


def test_a_saved_model_loads_strictly_into_the_projects_network_with_plain_torch(source, tmp_path):
    """What a user's own code does with the file: no LossLab helper, strict loading, the trained weights."""
    model = prepare(Project.load(tmp_path / "src.losslab.json")).model   # a fresh, untrained network
    state = torch.load(source, weights_only=True)
    assert not all(torch.equal(v, state[k]) for k, v in model.state_dict().items())
    assert str(model.load_state_dict(torch.load(source, weights_only=True))) == "<All keys matched successfully>"
    assert all(torch.equal(v, state[k]) for k, v in model.state_dict().items())


def test_an_older_file_with_input_tensors_reads_the_same(source, tmp_path):
    new, old = (read_inputs(torch.load(p, weights_only=True)) for p in (source, _old_source(source, tmp_path)))
    assert new["shape"] == old["shape"] and new["columns"] == old["columns"] == ["a", "b"]
    assert np.array_equal(new["mean"], old["mean"]) and np.array_equal(new["std"], old["std"])
    state = torch.load(tmp_path / "old.pt", weights_only=True)
    assert INPUT + "mean" in state and list(layer_weights(state)) == list(torch.load(source, weights_only=True))


def test_a_damaged_input_record_is_no_crash_and_no_warning(source, tmp_path):
    state = torch.load(source, weights_only=True)
    for bad in ({"shape": "2"}, {"shape": [2], "mean": [0.0, 1.0], "std": None, "columns": None},
                {"shape": [2], "mean": ["a"], "std": ["b"], "columns": None}, "not a record"):
        state._metadata[METADATA_KEY] = bad
        assert read_inputs(state) is None, bad
    torch.save(state, tmp_path / "bad.pt")
    _csv(tmp_path / "big.csv", scale=10.0, seed=1)
    code, lines = run("check", _project(tmp_path, "big.csv", init="bad.pt"))
    assert code == 0 and not [line for line in lines if "take weights from" in line], lines


@pytest.mark.parametrize("form", ["metadata", "older tensor keys"])
def test_every_consumer_of_the_file_loads_its_layers(source, tmp_path, form):
    from core.drift.scoring import load_weights as scoring_load
    from core.export import load_weights as export_load
    source = source if form == "metadata" else _old_source(source, tmp_path)
    project = Project.load(tmp_path / "src.losslab.json")
    ds = load_dataset(project.data, tmp_path)
    state = layer_weights(torch.load(source, weights_only=True))
    model = export_load(project, ds, source)
    assert torch.equal(model.state_dict()["layers.fc1.weight"], state["layers.fc1.weight"])
    fresh = prepare(project, ds).model
    scoring_load(fresh, source)
    assert torch.equal(fresh.state_dict()["layers.out.weight"], state["layers.out.weight"])
    code, lines = run("export", tmp_path / "src.losslab.json", "--format", "onnx", "--model", source,
                      "--out", tmp_path / "m.onnx")
    assert code == 0, lines
    # as a transfer source: the tensors arrive, and check lists only real nodes as sources
    _csv(tmp_path / "same.csv", seed=1)
    target = Project.load(_project(tmp_path, "same.csv", init=source.name))
    assert torch.equal(prepare(target).model.layers["fc1"].weight, state["layers.fc1.weight"])


def test_check_is_quiet_when_the_target_is_scaled_like_the_source(source, tmp_path):
    _csv(tmp_path / "same.csv", seed=1)
    code, lines = run("check", _project(tmp_path, "same.csv", init="src.pt"))
    assert code == 0 and not [line for line in lines if "take weights from" in line], lines


@pytest.mark.parametrize("form", ["metadata", "older tensor keys"])
def test_check_warns_naming_the_nodes_when_the_targets_scale_differs(source, tmp_path, form):
    source = source if form == "metadata" else _old_source(source, tmp_path)
    _csv(tmp_path / "big.csv", scale=10.0, shift=30.0, seed=1)
    code, lines = run("check", _project(tmp_path, "big.csv", init=source.name))
    assert code == 0
    warned = [line for line in lines if line.startswith(f"warning: nodes fc1, out take weights from {source.name}")]
    assert len(warned) == 1 and "another scale" in warned[0] and "a: mean" in warned[0]
    assert warned[0].endswith("[model.nodes[1].init]")


def test_check_warns_when_the_targets_input_columns_differ(source, tmp_path):
    _csv(tmp_path / "other.csv", cols=("a", "c"), seed=1)
    code, lines = run("check", _project(tmp_path, "other.csv", cols=("a", "c"), init="src.pt"))
    assert code == 0
    warned = [line for line in lines if "take weights from src.pt" in line]
    assert len(warned) == 1 and "it was trained on other input columns" in warned[0]
    assert "it had b, which this project lacks" in warned[0] and "this project has c" in warned[0]


def test_a_file_without_an_input_record_is_no_warning(tmp_path):
    _csv(tmp_path / "src.csv")
    src = Project.load(_project(tmp_path, "src.csv"))
    torch.save(prepare(src).model.state_dict(), tmp_path / "plain.pt")   # another tool's state dict
    _csv(tmp_path / "big.csv", scale=10.0, seed=1)
    code, lines = run("check", _project(tmp_path, "big.csv", init="plain.pt"))
    assert code == 0 and not [line for line in lines if "take weights from" in line]


def test_the_bundled_source_carries_its_inputs_and_the_pair_checks_without_a_warning():
    examples = Path(__file__).resolve().parents[2] / "resources" / "examples"
    state = torch.load(examples / "digits-source.pt", weights_only=True)
    assert not [k for k in state if k.startswith(PREFIX)]   # the record is in _metadata, not in the keys
    inputs = read_inputs(state)
    assert inputs is not None and inputs["shape"] == (1, 8, 8) and inputs["columns"] is None
    assert inputs["mean"] is not None
    code, lines = run("check", examples / "digits-few.losslab.json")
    assert code == 0 and not [line for line in lines if "take weights from" in line]
