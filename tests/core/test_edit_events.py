"""``core.edit_events``: the events an edit declares, their net effect, their inverse, and the
validation of only the parts they name."""
from __future__ import annotations

import pytest

from core import graph_edits as G
from core.edit_events import EditEvent, EditLog, inverse, ordered, validate
from core.project import Project, ProjectError


def chain() -> Project:
    return Project.from_dict({
        "format": "losslab-project", "version": 1, "name": "x", "data": {"source": "spiral"},
        "model": {"nodes": [{"id": "in", "type": "Input"}, {"id": "a", "type": "Linear", "params": {"out_features": 4}},
                            {"id": "b", "type": "ReLU"}, {"id": "c", "type": "Linear", "params": {"out_features": 2}}],
                  "edges": [["in", "a"], ["a", "b"], ["b", "c"]]},
        "outputs": [{"node": "c", "loss": {"type": "CrossEntropyLoss", "params": {}}}],
        "view": {"nodes": {"a": [0, 0]}}})


def test_deleting_two_nodes_in_a_row_reports_only_the_net_bridge():
    p, log = chain(), EditLog()
    G.remove_nodes(p, ["a", "b"], log)        # a's bridge in -> b is removed again with b
    events = ordered(log.events)
    assert events == [EditEvent("edge_removed", ("in", "a")), EditEvent("edge_removed", ("a", "b")),
                      EditEvent("edge_removed", ("b", "c")), EditEvent("node_removed", ("a",)),
                      EditEvent("node_removed", ("b",)), EditEvent("edge_added", ("in", "c"))]
    assert p.model.edges == [("in", "c")]


def test_inverse_undoes_an_insertion_and_a_rename():
    p, log = chain(), EditLog()
    G.add_node(p, "d", "Dropout", after="c", log=log)   # c was the end of the chain: the head moves to d
    events = log.resolve(chain(), p)
    assert events == [EditEvent("node_added", ("d",)), EditEvent("edge_added", ("c", "d")),
                      EditEvent("outputs_changed", (["c", "d"],))]
    assert inverse(events) == [EditEvent("edge_removed", ("c", "d")), EditEvent("node_removed", ("d",)),
                               EditEvent("outputs_changed", (["c", "d"],))]
    log = EditLog()
    G.rename_node(p, "d", "drop", log)
    assert inverse(ordered(log.events)) == [EditEvent("node_renamed", ("drop", "d")),
                                            EditEvent("outputs_changed", (["d"],))]


def test_a_declared_part_names_each_changed_field_and_nothing_else():
    before, after = chain(), chain()
    after.data.seed, after.data.val_fraction = 3, 0.3
    assert EditLog("data").resolve(before, after) == [EditEvent("data_changed", ("val_fraction",)),
                                                      EditEvent("data_changed", ("seed",))]
    after.training.epochs = 7
    assert EditLog("data", "training", "name").resolve(before, after)[-1] == EditEvent("training_changed", ("epochs",))
    with pytest.raises(ValueError, match="unknown project part"):
        EditLog("everything")


def test_validation_checks_what_changed_as_the_file_parser_does():
    p = chain()
    p.model.node("a").params["out_features"] = 0
    with pytest.raises(ProjectError) as e:
        validate(p, [EditEvent("node_params_changed", ("a",))])
    assert e.value.where.startswith("model.nodes[1].params")
    p = chain()
    p.model.edges.append(("c", "ghost"))
    with pytest.raises(ProjectError, match="unknown node 'ghost'"):
        validate(p, [EditEvent("edge_added", ("c", "ghost"))])
    p = chain()
    p.training.epochs = 0
    with pytest.raises(ProjectError) as e:
        validate(p, [EditEvent("training_changed", ("epochs",))])
    assert e.value.where == "training.epochs"
    p = chain()
    p.data.test_fraction = 0          # an int where a float is stored: normalised like a file's value
    validate(p, [EditEvent("data_changed", ("test_fraction",))])
    assert isinstance(p.data.test_fraction, float) and p.to_dict() == Project.from_dict(p.to_dict()).to_dict()


def test_copy_shares_nothing_with_the_original():
    p = chain()
    q = p.copy()
    assert q == p and q.to_dict() == p.to_dict()
    q.model.node("a").params["out_features"] = 9
    q.view["nodes"]["a"][0] = 5
    q.data.params["samples"] = 3
    assert p.model.node("a").params["out_features"] == 4 and p.view["nodes"]["a"] == [0, 0] and not p.data.params


def test_a_change_the_edit_did_not_declare_is_named():
    before, after = chain(), chain()
    after.outputs[0].weight = 2.0
    with pytest.raises(ValueError, match="changed the outputs without declaring it"):
        EditLog("data").resolve(before, after)
    after = chain()
    after.model.node("a").params["out_features"] = 9
    with pytest.raises(ValueError, match="changed the network"):
        EditLog("training").resolve(before, after)
    assert EditLog().resolve(before, chain()) == []


def test_a_node_replaced_under_its_id_is_replaced_again_by_undo():
    forward = ordered([EditEvent("edge_removed", ("a", "b")), EditEvent("node_removed", ("b",)),
                       EditEvent("node_added", ("b",)), EditEvent("edge_added", ("a", "b"))])
    assert [e.kind for e in forward] == ["edge_removed", "node_removed", "node_added", "edge_added"]
    assert inverse(forward) == forward
