"""The evented document: each edit emits exactly what it declares it changed, undo emits the
inverse, and the canvas follows those events (a rename keeps the item, its place and its selection)."""
from __future__ import annotations

import pytest

from guiapp.document import ProjectDocument
from guiapp.editor import GraphCanvas, commands

SIGNALS = ("nodeAdded", "nodeRemoved", "nodeRenamed", "nodeParamsChanged", "edgeAdded", "edgeRemoved",
           "nodesMoved", "graphChanged", "outputsChanged", "dataChanged", "trainingChanged", "nameChanged")


@pytest.fixture
def doc():
    return ProjectDocument()       # input -> linear1 -> relu1 -> linear2 (head)


def record(d: ProjectDocument) -> list:
    seen: list = []
    for name in SIGNALS:
        getattr(d, name).connect(lambda *args, _n=name: seen.append((_n, *args)))
    return seen


def test_node_added(doc):
    seen = record(doc)
    nid = commands.add_node(doc, "Dropout", pos=(0, 0))
    assert seen == [("nodeAdded", nid), ("graphChanged",)]
    seen.clear()
    doc.undo_stack.undo()
    assert seen == [("nodeRemoved", nid), ("graphChanged",)]


def test_node_inserted_after_another_rewires_with_edge_events(doc):
    seen = record(doc)
    nid = commands.add_node(doc, "Dropout", after="relu1")
    assert seen == [("edgeRemoved", "relu1", "linear2"), ("nodeAdded", nid), ("edgeAdded", "relu1", nid),
                    ("edgeAdded", nid, "linear2"), ("graphChanged",)]


def test_node_removed_with_its_edges_and_the_bridge(doc):
    seen = record(doc)
    assert commands.remove_nodes(doc, ["relu1"])
    assert seen == [("edgeRemoved", "linear1", "relu1"), ("edgeRemoved", "relu1", "linear2"),
                    ("nodeRemoved", "relu1"), ("edgeAdded", "linear1", "linear2"), ("graphChanged",)]


def test_node_renamed_is_declared_not_guessed(doc):
    seen = record(doc)
    assert commands.rename_node(doc, "linear2", "head")
    assert seen == [("nodeRenamed", "linear2", "head"), ("graphChanged",), ("outputsChanged", ["head"])]
    seen.clear()
    doc.undo_stack.undo()
    assert seen == [("nodeRenamed", "head", "linear2"), ("graphChanged",), ("outputsChanged", ["linear2"])]


def test_node_params_changed(doc):
    seen = record(doc)
    assert commands.set_param(doc, "linear1", "out_features", 32)
    assert seen == [("nodeParamsChanged", "linear1"), ("graphChanged",)]
    seen.clear()
    assert commands.set_param(doc, "linear1", "out_features", 32)   # the value it has: no event, no undo step
    assert seen == [] and doc.undo_stack.count() == 1


def test_edge_added_and_removed(doc):
    commands.add_node(doc, "Linear", pos=(0, 0))
    seen = record(doc)
    assert commands.connect(doc, "relu1", "linear3")
    assert seen == [("edgeAdded", "relu1", "linear3"), ("graphChanged",)]
    seen.clear()
    assert commands.disconnect(doc, "relu1", "linear3")
    assert seen == [("edgeRemoved", "relu1", "linear3"), ("graphChanged",)]


def test_nodes_moved(doc):
    seen = record(doc)
    assert commands.move_nodes(doc, {"relu1": (300, 40)})
    assert seen == [("nodesMoved", ["relu1"])]


def test_outputs_changed(doc):
    seen = record(doc)
    assert commands.toggle_output(doc, "relu1")
    assert seen == [("outputsChanged", ["relu1"])]


def test_data_changed(doc):
    seen = record(doc)
    assert doc.edit("More samples", lambda p: p.data.params.__setitem__("samples", 300), "data")
    assert seen == [("dataChanged", ["params"])]
    seen.clear()
    assert doc.edit("Split", lambda p: (setattr(p.data, "val_fraction", 0.3), setattr(p.data, "seed", 4)), "data")
    assert seen == [("dataChanged", ["val_fraction", "seed"])]


def test_training_changed(doc):
    seen = record(doc)
    assert doc.edit("Epochs", lambda p: setattr(p.training, "epochs", 7), "training")
    assert seen == [("trainingChanged", ["epochs"])]
    seen.clear()
    doc.undo_stack.undo()
    assert seen == [("trainingChanged", ["epochs"])] and doc.project.training.epochs == 100


def test_name_changed(doc):
    seen = record(doc)
    assert doc.edit("Rename project", lambda p: setattr(p, "name", "spirals"), "name")
    assert seen == [("nameChanged",)]


def test_a_refused_or_empty_edit_emits_nothing(doc):
    seen = record(doc)
    assert not commands.connect(doc, "linear2", "linear1")          # a cycle: refused
    assert doc.edit("nothing", lambda p: None, "data")
    assert not doc.edit("bad epochs", lambda p: setattr(p.training, "epochs", 0), "training")   # validated
    assert doc.project.training.epochs == 100
    assert seen == [] and doc.undo_stack.count() == 0


def test_the_canvas_follows_the_events(qtbot, doc):
    canvas = GraphCanvas(doc)
    qtbot.addWidget(canvas)
    scene = canvas.graph_scene
    item = scene.nodes["relu1"]
    item.setSelected(True)
    assert commands.rename_node(doc, "relu1", "act")
    assert scene.nodes["act"] is item and item.node_id == "act" and item.isSelected()
    assert set(scene.edges) == {("input", "linear1"), ("linear1", "act"), ("act", "linear2")}
    assert all(e.key == k for k, e in scene.edges.items())
    nid = commands.add_node(doc, "Dropout", after="act")
    assert set(scene.edges) == set(doc.project.model.edges) and nid in scene.nodes
    commands.set_param(doc, "linear1", "out_features", 40)
    assert "out_features 40" in scene.nodes["linear1"].key_params()
    assert commands.remove_nodes(doc, [nid])
    assert set(scene.nodes) == set(doc.project.model.ids()) and set(scene.edges) == set(doc.project.model.edges)
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert scene.nodes["relu1"] is item and set(scene.edges) == set(doc.project.model.edges)
