"""A new Linear gets a width for its place, and the last layer becomes the output head by itself
when it fits the target (one undo step of its own); otherwise the Inspector says how."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication

from core.project import Project
from guiapp import files
from guiapp.document import ProjectDocument
from guiapp.main_window import MainWindow
from tests.conftest import EXAMPLES


@pytest.fixture
def window(qtbot, isolated, monkeypatch):
    monkeypatch.setattr(files.prompts, "ask_save_changes", lambda *a, **k: "discard")
    w = MainWindow(ProjectDocument(Project(), load_data=False), defer_training=True)
    qtbot.addWidget(w)
    assert w.files.open(EXAMPLES / "spiral.losslab.json", confirm=False)
    assert w.files.new()
    w.show()
    yield w
    w.document.undo_stack.setClean()
    w.close()


def _run_posted_events() -> None:
    """Run what is queued now (the head check is posted with a zero-delay timer): no waiting."""
    QCoreApplication.sendPostedEvents()
    QCoreApplication.processEvents()


def _width(doc, node_id):
    return doc.project.model.node(node_id).params.get("out_features")


def test_linear_widths_by_place_and_the_automatic_head(qtbot, window):
    doc, canvas = window.document, window.canvas
    assert [n.id for n in doc.project.model.nodes] == ["input"] and not doc.project.outputs
    hidden = canvas.add_layer("Linear", after="input")
    assert _width(doc, hidden) == 32                       # right after the Input: a hidden layer
    _run_posted_events()                                   # the deferred check: nothing may be added
    assert not doc.project.outputs                         # 32 values do not fit 2 classes
    act = canvas.add_layer("ReLU", after=hidden)
    last = canvas.add_layer("Linear", after=act)
    assert _width(doc, last) == 2                          # ends a chain after a Linear: the classes
    qtbot.waitUntil(lambda: bool(doc.project.outputs))
    head, = doc.project.outputs
    assert head.node == last and head.loss.type == "CrossEntropyLoss"
    assert doc.can_train()[0]
    steps = doc.undo_stack.count()
    assert doc.undo_stack.text(steps - 1) == f"Make {last} the output head"
    doc.undo_stack.undo()                                  # the head is its own step
    assert not doc.project.outputs
    doc.undo_stack.undo()                                  # ... then the layer
    _run_posted_events()                                   # after an undo it must add nothing
    assert last not in doc.project.model.ids() and doc.undo_stack.count() == steps
    doc.undo_stack.redo()
    doc.undo_stack.redo()
    assert doc.project.outputs and doc.project.outputs[0].node == last


def test_the_inspector_says_how_to_get_a_head(qtbot, window):
    doc, canvas = window.document, window.canvas
    window.inspector.show_node(None)
    hidden = canvas.add_layer("Linear", after="input")
    window.inspector.show_node(None)
    text = window.inspector.summary.text()
    assert "No output head yet" in text and hidden in text and "out_features 2" in text


def test_opening_a_project_without_a_head_leaves_it_as_it_is(qtbot, window, tmp_path):
    doc = Project.load(EXAMPLES / "spiral.losslab.json").to_dict()
    doc["outputs"] = []
    path = tmp_path / "headless.losslab.json"
    Project.from_dict(doc).save(path)
    assert window.files.open(path, confirm=False)
    _run_posted_events()
    assert not window.document.project.outputs and not window.document.dirty
    assert window.document.undo_stack.count() == 0
