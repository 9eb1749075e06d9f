"""Views follow exactly the part of the project they show: an edit of a layer leaves the data panel
alone, a data edit leaves the canvas alone, and undo/redo put every kind of edit back exactly."""
from __future__ import annotations

import pytest

from core.project import Project
from guiapp.document import ProjectDocument
from guiapp.editor import GraphCanvas, commands
from guiapp.panels.data_panel import DataPanel
from guiapp.panels.training_settings import TrainingSettingsPanel
from tests.conftest import EXAMPLES

SIGNALS = ("nodeAdded", "nodeRemoved", "nodeRenamed", "nodeParamsChanged", "edgeAdded", "edgeRemoved",
           "nodesMoved", "graphChanged", "outputsChanged", "dataChanged", "trainingChanged", "nameChanged")


@pytest.fixture
def doc():
    p = EXAMPLES / "spiral.losslab.json"
    d = ProjectDocument(Project.load(p))
    d.replace(Project.load(p), p)
    return d


def record(d: ProjectDocument) -> list:
    seen: list = []
    for name in SIGNALS:
        getattr(d, name).connect(lambda *args, _n=name: seen.append((_n, *args)))
    return seen


def count_calls(monkeypatch, obj, name: str) -> list:
    calls: list = []
    real = getattr(obj, name)

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)
    monkeypatch.setattr(obj, name, spy)
    return calls


def test_a_layer_edit_does_not_redraw_the_data_panel(qtbot, doc, monkeypatch):
    panel = DataPanel(doc)
    qtbot.addWidget(panel)
    refreshes = count_calls(monkeypatch, panel, "refresh")
    layer = next(n.id for n in doc.project.model.nodes if n.type == "Linear")
    assert commands.set_param(doc, layer, "out_features", 40)
    assert commands.move_nodes(doc, {layer: (500, 60)})
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert refreshes == []
    panel.fields["val_fraction"].spin.setValue(0.3)          # the panel's own part: one redraw per edit
    assert doc.project.data.val_fraction == pytest.approx(0.3) and len(refreshes) == 1
    source = panel.source
    source.activated.emit(source.findData("moons"))         # source, params, path, task, target...: still one
    assert doc.project.data.source == "moons" and len(refreshes) == 2


def test_a_data_edit_does_not_rebuild_the_canvas(qtbot, doc, monkeypatch):
    canvas = GraphCanvas(doc)
    qtbot.addWidget(canvas)
    items = dict(canvas.graph_scene.nodes)
    rebuilds = count_calls(monkeypatch, canvas.graph_scene, "rebuild")
    seen = record(doc)
    assert doc.edit("More noise", lambda p: p.data.params.__setitem__("noise", 0.4), "data")
    assert seen == [("dataChanged", ["params"])]
    doc.undo_stack.undo()
    assert seen[-1] == ("dataChanged", ["params"])
    assert rebuilds == [] and canvas.graph_scene.nodes == items
    assert all(canvas.graph_scene.nodes[k] is v for k, v in items.items())


def test_a_training_edit_redraws_the_training_settings_only(qtbot, doc, monkeypatch):
    settings_panel = TrainingSettingsPanel(doc)
    data_panel = DataPanel(doc)
    qtbot.addWidget(settings_panel)
    qtbot.addWidget(data_panel)
    data_refreshes = count_calls(monkeypatch, data_panel, "refresh")
    seen = record(doc)
    assert doc.edit("Epochs", lambda p: setattr(p.training, "epochs", 3), "training")
    assert seen == [("trainingChanged", ["epochs"])] and data_refreshes == []


def test_undo_and_redo_restore_every_kind_of_edit_exactly(qtbot, doc):
    canvas = GraphCanvas(doc)
    qtbot.addWidget(canvas)
    states = [doc.project.to_dict()]
    first = doc.project.model.ids()[1]
    last = doc.project.output_nodes()[0]
    edits = [
        lambda: commands.add_node(doc, "Dropout", after=first),
        lambda: commands.add_node(doc, "Dropout", after=last),          # the head follows the new end
        lambda: commands.remove_nodes(doc, [first]),                    # bridged
        lambda: commands.rename_node(doc, doc.project.output_nodes()[0], "head"),
        lambda: commands.set_param(doc, "head", "p", 0.25),
        lambda: commands.move_nodes(doc, {"head": (420, 640)}),
        lambda: commands.disconnect(doc, *doc.project.model.edges[0]),
        lambda: commands.toggle_output(doc, doc.project.model.ids()[-1]),
        lambda: doc.edit("Seed", lambda p: setattr(p.data, "seed", 7), "data"),
        lambda: doc.edit("Epochs", lambda p: setattr(p.training, "epochs", 9), "training"),
        lambda: doc.edit("Name", lambda p: setattr(p, "name", "renamed"), "name"),
    ]
    for edit in edits:
        assert edit()
        states.append(doc.project.to_dict())
    assert len({repr(s) for s in states}) == len(states)            # each edit changed something
    for state in reversed(states[:-1]):
        doc.undo_stack.undo()
        assert doc.project.to_dict() == state
        assert set(canvas.graph_scene.nodes) == set(doc.project.model.ids())
        assert set(canvas.graph_scene.edges) == set(doc.project.model.edges)
    assert not doc.dirty
    for state in states[1:]:
        doc.undo_stack.redo()
        assert doc.project.to_dict() == state
        assert set(canvas.graph_scene.edges) == set(doc.project.model.edges)
    assert doc.dirty


def test_undo_emits_the_inverse_of_the_edit(doc):
    seen = record(doc)
    first = doc.project.model.ids()[1]
    nid = commands.add_node(doc, "Dropout", after=first)
    forward = list(seen)
    seen.clear()
    doc.undo_stack.undo()
    succ = [b for a, b in doc.project.model.edges if a == first]
    assert forward == [*(("edgeRemoved", first, b) for b in succ), ("nodeAdded", nid), ("edgeAdded", first, nid),
                       *(("edgeAdded", nid, b) for b in succ), ("graphChanged",)]
    assert seen == [("edgeRemoved", first, nid), *(("edgeRemoved", nid, b) for b in succ), ("nodeRemoved", nid),
                    *(("edgeAdded", first, b) for b in succ), ("graphChanged",)]
    seen.clear()
    doc.undo_stack.redo()
    assert seen == forward


def test_a_slider_drag_is_one_undo_step_that_restores_the_start(doc):
    layer = next(n.id for n in doc.project.model.nodes if n.type == "Linear")
    start = doc.project.model.node(layer).params.get("out_features")
    seen = record(doc)
    for width in (20, 21, 22):
        assert commands.set_param(doc, layer, "out_features", width)
    assert doc.undo_stack.count() == 1
    seen.clear()
    doc.undo_stack.undo()
    assert doc.project.model.node(layer).params.get("out_features") == start
    assert seen == [("nodeParamsChanged", layer), ("graphChanged",)]
