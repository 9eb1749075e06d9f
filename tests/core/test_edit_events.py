"""``core.edit_events``: the events between two project documents, renames declared."""
from __future__ import annotations

from core.edit_events import EditEvent, edit_events, kind_of


def doc(nodes, edges, outputs=(), view=None, **rest):
    d = {"model": {"nodes": [{"id": n, "type": t, "params": p} for n, t, p in nodes], "edges": [list(e) for e in edges]},
         "outputs": [{"node": n, "loss": {"type": "MSELoss", "params": {}}} for n in outputs],
         "view": view or {}, "data": {"source": "spiral"}, "training": {"epochs": 5}, "name": "x"}
    d.update(rest)
    return d


A = doc([("in", "Input", {}), ("fc", "Linear", {"out_features": 4})], [("in", "fc")], ["fc"], {"nodes": {"fc": [0, 0]}})


def test_a_rename_is_one_event_and_nothing_else_about_the_model():
    B = doc([("in", "Input", {}), ("out", "Linear", {"out_features": 4})], [("in", "out")], ["out"],
            {"nodes": {"out": [0, 0]}})
    events = edit_events(A, B, {"fc": "out"})
    assert events == [EditEvent("node_renamed", ("fc", "out")), EditEvent("outputs_changed", (["out"],))]
    guessed = edit_events(A, B)              # undeclared: a removal and an addition, never a guess
    assert EditEvent("node_removed", ("fc",)) in guessed and EditEvent("node_added", ("out",)) in guessed


def test_a_type_change_under_the_same_id_replaces_the_node_and_its_edges():
    B = doc([("in", "Input", {}), ("fc", "ReLU", {})], [("in", "fc")], ["fc"], {"nodes": {"fc": [0, 0]}})
    kinds = [e.kind for e in edit_events(A, B)]
    assert kinds == ["node_removed", "node_added", "edge_added"]


def test_sections_and_kinds():
    B = dict(A, data={"source": "moons"}, training={"epochs": 9})
    events = edit_events(A, B)
    assert [e.kind for e in events] == ["data_changed", "training_changed"] and kind_of(events) == "all"
    assert kind_of([]) == "view" and kind_of([EditEvent("nodes_moved", (["fc"],))]) == "view"
