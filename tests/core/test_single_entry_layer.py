"""Adding a layer is one catalog entry: a PReLU-like and a Conv1d-like layer, registered in one
``LayerEntry`` each (tests/core/single_entry_layers.py), get shape inference, parameter counts equal
to the built module's ``numel``, arity checks, lint traits, a built model and a training step."""
from __future__ import annotations

import pytest
import torch

from core.catalog import LAYERS, ParamError
from core.data import load_dataset
from core.diagnostics import lint_project
from core.graph import check_graph
from core.network import build_model
from core.project import Project
from core.training import train
from tests.core.single_entry_layers import SLOPED_RELU, STRIDED_CONV1D, registered

DIGITS = {"source": "digits", "params": {}}
MOONS = {"source": "moons", "params": {"samples": 200, "noise": 0.2}}
_DATA: dict[str, object] = {}


@pytest.fixture(autouse=True)
def two_new_layers():
    with registered():
        yield


def doc(nodes: list[dict], data: dict = DIGITS, loss: str = "CrossEntropyLoss", **training) -> dict:
    edges = [[a["id"], b["id"]] for a, b in zip(nodes, nodes[1:])]
    return {"format": "losslab-project", "version": 1, "name": "one-entry", "data": dict(data),
            "model": {"nodes": nodes, "edges": edges},
            "outputs": [{"node": nodes[-1]["id"], "loss": {"type": loss, "params": {}}}],
            "training": {"epochs": 1, **training}}


def dataset(d: dict):
    key = d["data"]["source"]
    if key not in _DATA:
        _DATA[key] = load_dataset(Project.from_dict(d).data)
    return _DATA[key]


def n(node_id: str, type_: str, **params) -> dict:
    return {"id": node_id, "type": type_, "params": params}


SEQ_MODEL = [n("input", "Input"), n("rows", "Reshape", shape=[8, 8]),
             n("conv", "StridedConv1d", out_channels=4, kernel_size=3),
             n("act", "SlopedReLU", per_channel=True), n("flat", "Flatten"), n("out", "Linear", out_features=10)]


def test_shapes_and_parameter_counts_come_from_the_one_entry():
    d = doc(SEQ_MODEL)
    data = dataset(d)
    project = Project.from_dict(d)
    check = check_graph(project, data.input_shape, data.targets)
    assert check.ok, [p.message for p in check.problems]
    # (8, 8) rows -> kernel 3, stride 2 -> (4, 3); the slope keeps the shape
    assert check.nodes["conv"].out_shape == (4, 3)
    assert check.nodes["act"].out_shape == (4, 3)
    assert check.nodes["flat"].out_shape == (12,)
    model = build_model(project, data.input_shape, data.targets, check=check)
    for node in ("conv", "act"):
        module = model.layers[node]
        assert check.nodes[node].n_params == sum(p.numel() for p in module.parameters()) > 0
    assert check.nodes["act"].n_params == 4  # one slope per channel
    assert check.total_params == sum(p.numel() for p in model.parameters())


def test_a_misfit_input_is_a_problem_on_the_new_node_not_a_crash():
    d = doc([n("input", "Input"), n("flat", "Flatten"), n("conv", "StridedConv1d"), n("f2", "Flatten"),
             n("out", "Linear", out_features=10)])
    data = dataset(d)
    check = check_graph(Project.from_dict(d), data.input_shape, data.targets)
    problems = check.problems_for("conv")
    assert not check.ok and len(problems) == 1
    assert "node conv (StridedConv1d)" in problems[0].message and "(64,)" in problems[0].message
    assert problems[0].where == "model.nodes[2]"


def test_arity_comes_from_the_entry():
    d = doc(SEQ_MODEL)
    d["model"]["edges"].append(["rows", "act"])  # a second input into a one-input layer
    data = dataset(d)
    check = check_graph(Project.from_dict(d), data.input_shape, data.targets)
    assert any("takes one input but gets 2" in p.message for p in check.problems_for("act"))


def _sigmoid_stack(middle: str) -> dict:
    nodes = [n("input", "Input")]
    for i in range(1, 5):
        nodes += [n(f"fc{i}", "Linear", out_features=8), n(f"act{i}", "Sigmoid")]
        if i == 2:
            nodes.append(n("mid", middle))
    return doc(nodes + [n("out", "Linear", out_features=2)], data=MOONS)


def test_lint_reads_the_new_activation_traits():
    # four Sigmoids split two and two by the new activation: no vanishing-gradient warning
    d = _sigmoid_stack("SlopedReLU")
    data = dataset(d)
    project = Project.from_dict(d)
    check = check_graph(project, data.input_shape, data.targets)
    assert check.ok
    assert lint_project(project, check, data) == []
    # the same place held by a layer that is not an activation (Identity) leaves four in a row
    d = _sigmoid_stack("Identity")
    project = Project.from_dict(d)
    findings = lint_project(project, check_graph(project, data.input_shape, data.targets), data)
    assert [f.node for f in findings if "saturating" in f.message] == ["act4"]


def test_builds_and_trains_one_step():
    d = doc(SEQ_MODEL, batch_size=100_000, optimizer={"type": "SGD", "params": {"lr": 0.5}})
    data = dataset(d)
    project = Project.from_dict(d)
    torch.manual_seed(0)
    result = train(project, dataset=data, diagnose=False)
    assert result.status == "completed", result.message
    assert result.steps == 1  # one batch holds the whole training split
    slopes = result.state_dict()["layers.act.weight"]
    assert slopes.shape == (4,) and not torch.allclose(slopes, torch.full((4,), 0.25))  # the slope learned


def test_registration_is_one_entry_and_can_be_undone():
    assert LAYERS.get("SlopedReLU") is SLOPED_RELU and LAYERS.get("StridedConv1d") is STRIDED_CONV1D
    with pytest.raises(ValueError, match="duplicate layer"):
        LAYERS.add(SLOPED_RELU)
    LAYERS.remove("SlopedReLU")
    try:
        with pytest.raises(ParamError, match="unknown layer 'SlopedReLU'"):
            Project.from_dict(doc(SEQ_MODEL))
    finally:
        LAYERS.add(SLOPED_RELU)


def test_a_buggy_entry_is_a_problem_on_its_node_and_logged(caplog):
    from core.catalog import LayerEntry

    def broken_rule(params, shapes):
        return params["missing"]

    buggy = LayerEntry("BuggyLayer", "Activation", (), "A layer whose shape rule has a bug (test only).",
                       lambda p, s: None, infer=broken_rule)
    with LAYERS.temporarily(buggy):
        d = doc([n("input", "Input"), n("bug", "BuggyLayer"), n("flat", "Flatten"), n("out", "Linear", out_features=10)])
        data = dataset(d)
        check = check_graph(Project.from_dict(d), data.input_shape, data.targets)
    [problem] = check.problems_for("bug")
    assert "node bug (BuggyLayer)" in problem.message and "KeyError" in problem.message
    assert "bug in that layer's entry" in problem.message
    assert any(r.name == "losslab.core.graph" and r.exc_info for r in caplog.records)
