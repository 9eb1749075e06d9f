"""Graph edits and the tidy layout: plain functions on a Project (no Qt), the rules each editor
command applies."""
from __future__ import annotations

import pytest

from core import graph_edits as G
from core.layout import tidy_positions
from core.project import Project


def default_project() -> Project:
    return Project.from_dict({
        "format": "losslab-project", "version": 1, "name": "untitled", "data": {"source": "spiral", "params": {}},
        "model": {"nodes": [{"id": "input", "type": "Input"},
                            {"id": "linear1", "type": "Linear", "params": {"out_features": 16}},
                            {"id": "relu1", "type": "ReLU"},
                            {"id": "linear2", "type": "Linear", "params": {"out_features": 2}}],
                  "edges": [["input", "linear1"], ["linear1", "relu1"], ["relu1", "linear2"]]},
        "outputs": [{"node": "linear2", "loss": {"type": "CrossEntropyLoss", "params": {}}}]})


def test_graph_rules():
    base = default_project()
    p = base.copy()
    assert G.connect_problem(p, "linear2", "input").startswith("input is the Input")
    assert "cycle" in G.connect_problem(p, "linear2", "linear1")
    assert G.connect_problem(p, "relu1", "relu1").endswith("connect it to another layer")
    assert G.id_problem(p, "relu1", "my layer") is not None and G.id_problem(p, "relu1", "act_1") is None
    G.remove_nodes(p, ["linear1", "relu1"])       # a chain taken out: Input is bridged to linear2
    assert p.model.edges == [("input", "linear2")]
    payload = G.copy_payload(base, ["linear1", "relu1"], {"linear1": (100, 50), "relu1": (100, 190)})
    assert [n["pos"] for n in payload["nodes"]] == [[0, 0], [0, 140]]
    mapping = G.paste_payload(base.copy(), payload, (0, 0))
    assert mapping == {"linear1": "linear3", "relu1": "relu2"}
    with pytest.raises(ValueError):
        G.paste_payload(base.copy(), {"format": "something else"}, (0, 0))
    pos = tidy_positions(base)
    assert len({x for x, _ in pos.values()}) == 1     # a plain stack is one column
    assert sorted(y for _, y in pos.values()) == [y for _, y in pos.values()]


def test_tidy_layout_fans_out_branches():
    p = Project.from_dict({
        "format": "losslab-project", "version": 1, "data": {"source": "spiral"},
        "model": {"nodes": [{"id": "input", "type": "Input"}, {"id": "a", "type": "Linear"},
                            {"id": "b", "type": "Linear"}, {"id": "add", "type": "Add"}],
                  "edges": [["input", "a"], ["input", "b"], ["a", "add"], ["b", "add"]]}, "outputs": []})
    pos = tidy_positions(p)
    assert pos["a"][1] == pos["b"][1] > pos["input"][1] and pos["a"][0] != pos["b"][0]
    assert pos["add"][0] == pos["input"][0]           # the merge sits under the middle of its inputs


def test_insert_after_moves_the_head_at_the_end_of_a_chain_and_rename_follows_everywhere():
    p = default_project()
    assert G.head_moves_on_insert(p, "linear2") and not G.head_moves_on_insert(p, "relu1")
    G.add_node(p, "drop", "Dropout", after="relu1")
    assert p.model.edges == [("input", "linear1"), ("linear1", "relu1"), ("relu1", "drop"), ("drop", "linear2")]
    G.add_node(p, "out", "Linear", {"out_features": 2}, after="linear2")
    assert p.output_nodes() == ["out"]
    G.set_positions(p, {"out": (10.4, 20.6)})
    G.rename_node(p, "out", "head")
    assert p.output_nodes() == ["head"] and ("linear2", "head") in p.model.edges
    assert p.view["nodes"]["head"] == [10, 21] and "out" not in p.view["nodes"]
    with pytest.raises(ValueError, match="already a node"):
        G.rename_node(p, "head", "linear1")
