"""The graph builder: shapes, counts, and problems that name the node and say what to change."""
from __future__ import annotations

import pytest
import torch

from core.data import TargetInfo
from core.graph import GraphError, check_graph
from core.network import build_model
from core.project import Project

CLASSES3 = {"label": TargetInfo("label", "classification", ["a", "b", "c"], 3)}
REGRESSION = {"y": TargetInfo("y", "regression", [], 1)}


def project(nodes, edges, outputs=None):
    outputs = outputs if outputs is not None else [
        {"node": nodes[-1][0], "loss": {"type": "CrossEntropyLoss", "params": {}}}]
    return Project.from_dict({
        "format": "losslab-project", "version": 1, "data": {"source": "spiral"},
        "model": {"nodes": [{"id": i, "type": t, "params": p} for i, t, p in nodes], "edges": edges},
        "outputs": outputs})


def chain(*layers, outputs=None):
    nodes = [("in", "Input", {})] + list(layers)
    return project(nodes, [[a[0], b[0]] for a, b in zip(nodes, nodes[1:])], outputs)


def test_mlp_shapes_and_parameter_counts():
    p = chain(("fc1", "Linear", {"out_features": 16}), ("act", "ReLU", {}), ("out", "Linear", {"out_features": 3}))
    check = check_graph(p, (2,), CLASSES3)
    assert check.ok, check.problems
    assert [check.nodes[i].out_shape for i in check.order] == [(2,), (16,), (16,), (3,)]
    assert check.total_params == (2 * 16 + 16) + (16 * 3 + 3)
    assert check.total_params == sum(x.numel() for x in build_model(p, (2,), CLASSES3).parameters())


def test_conv_after_linear_names_the_node_both_shapes_and_the_fix():
    p = chain(("fc1", "Linear", {"out_features": 64}), ("conv1", "Conv2d", {"out_channels": 8}),
              ("flat", "Flatten", {}), ("out", "Linear", {"out_features": 3}))
    check = check_graph(p, (2,), CLASSES3)
    assert not check.ok
    [problem] = check.problems_for("conv1")
    assert "node conv1 (Conv2d)" in problem.message
    assert "(64,) from fc1" in problem.message and "(C, H, W)" in problem.message
    assert "add a Reshape" in problem.message
    assert problem.where == "model.nodes[2]"
    with pytest.raises(GraphError, match="conv1"):
        build_model(p, (2,), CLASSES3)


def test_output_width_must_match_the_classes():
    p = chain(("fc1", "Linear", {"out_features": 16}), ("out", "Linear", {"out_features": 2}))
    [problem] = check_graph(p, (2,), CLASSES3).problems
    assert problem.node == "out" and "needs (3,)" in problem.message and "set out_features of out to 3" in problem.message


def test_a_loss_that_does_not_fit_the_target_is_reported():
    p = chain(("out", "Linear", {"out_features": 1}))
    [problem] = check_graph(p, (2,), REGRESSION).problems
    assert "CrossEntropyLoss" in problem.message and "regression" in problem.message and "MSELoss" in problem.message


def test_cycles_missing_input_dangling_nodes_and_missing_heads_are_all_reported():
    cyc = project([("in", "Input", {}), ("a", "Linear", {}), ("b", "ReLU", {}), ("out", "Linear", {"out_features": 3})],
                  [["in", "a"], ["a", "b"], ["b", "a"], ["b", "out"]])
    assert any("cycle" in p.message for p in check_graph(cyc, (2,), CLASSES3).problems)

    no_input = project([("a", "Linear", {"out_features": 3})], [])
    assert any("no Input node" in p.message for p in check_graph(no_input, (2,), CLASSES3).problems)

    dangling = project([("in", "Input", {}), ("out", "Linear", {"out_features": 3}), ("lost", "ReLU", {})],
                       [["in", "out"]])
    msgs = [p.message for p in check_graph(dangling, (2,), CLASSES3).problems_for("lost")]
    assert msgs and "no input" in msgs[0]

    no_head = chain(("out", "Linear", {"out_features": 3}), outputs=[])
    assert any("no output head" in p.message for p in check_graph(no_head, (2,), CLASSES3).problems)

    too_many = project([("in", "Input", {}), ("a", "Linear", {}), ("b", "Linear", {}),
                        ("out", "Linear", {"out_features": 3})],
                       [["in", "a"], ["in", "b"], ["a", "out"], ["b", "out"]])
    assert any("merge them first with Add or Concat" in p.message
               for p in check_graph(too_many, (2,), CLASSES3).problems_for("out"))


def test_merges_and_two_heads_build_and_run():
    nodes = [("in", "Input", {}), ("a", "Linear", {"out_features": 8}), ("b", "Linear", {"out_features": 8}),
             ("sum", "Add", {}), ("cat", "Concat", {}), ("cls", "Linear", {"out_features": 3}),
             ("reg", "Linear", {"out_features": 1})]
    edges = [["in", "a"], ["in", "b"], ["a", "sum"], ["b", "sum"], ["sum", "cat"], ["a", "cat"], ["cat", "cls"],
             ["cat", "reg"]]
    targets = {**CLASSES3, **REGRESSION}
    p = project(nodes, edges, [{"node": "cls", "target": "label", "loss": {"type": "CrossEntropyLoss"}},
                               {"node": "reg", "target": "y", "loss": {"type": "MSELoss"}}])
    check = check_graph(p, (2,), targets)
    assert check.ok, check.problems
    assert check.nodes["cat"].out_shape == (16,)
    cls, reg = build_model(p, (2,), targets)(torch.zeros(5, 2))
    assert cls.shape == (5, 3) and reg.shape == (5, 1)


def test_add_of_different_widths_suggests_a_fix():
    nodes = [("in", "Input", {}), ("a", "Linear", {"out_features": 8}), ("b", "Linear", {"out_features": 4}),
             ("sum", "Add", {}), ("out", "Linear", {"out_features": 3})]
    p = project(nodes, [["in", "a"], ["in", "b"], ["a", "sum"], ["b", "sum"], ["sum", "out"]])
    [problem] = check_graph(p, (2,), CLASSES3).problems
    assert problem.node == "sum" and "(8,) and (4,)" in problem.message and "Concat" in problem.message
