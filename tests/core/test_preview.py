"""Node previews (core.preview) and ``losslab preview``: real outputs on a sample batch, a cache that
recomputes only what an edit touched."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from core.cli import main
from core.data import load_dataset
from core.preview import PreviewCache, preview_project, sample_batch
from core.project import Project

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


def run_cli(*argv):
    lines: list[str] = []
    code = main(list(map(str, argv)), out=lines.append)
    return code, lines


def _spiral():
    project = Project.load(EXAMPLES / "spiral.losslab.json")
    return project, load_dataset(project.data, project.base_dir)


def test_an_edit_recomputes_only_the_edited_node_and_what_follows():
    project, data = _spiral()
    cache = PreviewCache(sample_batch(data))
    first = cache.run(project, data.targets)
    assert cache.computed == ["input", "fc1", "relu1", "fc2", "relu2", "out"]
    again = cache.run(project, data.targets)
    assert cache.computed == [] and again["out"].mean == first["out"].mean
    doc = project.to_dict()
    next(n for n in doc["model"]["nodes"] if n["id"] == "fc2")["params"]["out_features"] = 32
    edited = Project.from_dict(doc)
    after = cache.run(edited, data.targets)
    assert cache.computed == ["fc2", "relu2", "out"]
    assert after["fc2"].shape == (32,) and after["fc1"].mean == first["fc1"].mean
    assert after["relu2"].zero_share is not None


def test_asking_for_one_node_computes_only_what_it_needs():
    project, data = _spiral()
    cache = PreviewCache(sample_batch(data))
    out = cache.run(project, data.targets, nodes=["relu1"])
    assert list(out) == ["relu1"] and cache.computed == ["input", "fc1", "relu1"]
    assert out["relu1"].shape == (64,) and out["relu1"].min == 0.0


def test_trained_weights_replace_the_initial_ones():
    from core.training import train, trained_model
    project, data = _spiral()
    result = train(project, dataset=data, epochs=3, health=False)
    state = result.state_dict()
    trained = {v.id: v for v in preview_project(project, data, state_dict=state)}
    initial = {v.id: v for v in preview_project(project, data)}
    assert initial["out"].initial and not trained["out"].initial
    with torch.no_grad():
        expected = trained_model(project, result, data).eval().forward_all(sample_batch(data))["out"]
    assert trained["out"].mean == pytest.approx(float(expected.mean()), rel=1e-5)
    assert trained["out"].mean != initial["out"].mean


def test_a_node_with_an_error_shows_it_and_what_follows_says_which_input():
    project, data = _spiral()
    doc = project.to_dict()
    doc["model"]["nodes"] += [{"id": "bad", "type": "Add"}, {"id": "after", "type": "ReLU"}]
    doc["model"]["edges"] += [["fc1", "bad"], ["input", "bad"], ["bad", "after"]]  # (64,) + (2,): no sum
    out = {v.id: v for v in preview_project(Project.from_dict(doc), data)}
    assert out["bad"].error and "bad" in out["after"].error
    assert out["fc1"].error is None and out["fc1"].shape == (64,) and out["out"].error is None


def test_preview_json_lists_every_node_with_shape_and_statistics():
    code, lines = run_cli("preview", EXAMPLES / "digits.losslab.json", "--json")
    assert code == 0 and "initial weights" in lines[0]
    doc = json.loads(lines[-1])
    project = Project.load(EXAMPLES / "digits.losslab.json")
    assert [n["id"] for n in doc["nodes"]] == [n.id for n in project.model.nodes]
    conv = next(n for n in doc["nodes"] if n["id"] == "conv1")
    assert conv["type"] == "Conv2d" and conv["shape"] == [16, 8, 8] and conv["std"] > 0
    assert {"id", "type", "shape", "mean", "std"} <= set(conv)


def test_preview_one_node_and_an_unknown_node(capsys):
    code, lines = run_cli("preview", EXAMPLES / "spiral.losslab.json", "--node", "relu2", "--json")
    assert code == 0 and [n["id"] for n in json.loads(lines[-1])["nodes"]] == ["relu2"]
    code, _ = run_cli("preview", EXAMPLES / "spiral.losslab.json", "--node", "nope")
    err = capsys.readouterr().err
    assert code == 2 and "nope" in err and "fc1" in err


def test_preview_leaves_the_random_state_alone():
    project, data = _spiral()
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    preview_project(project, data)
    assert torch.equal(torch.rand(3), expected)
