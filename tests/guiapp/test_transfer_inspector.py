"""The inspector's Transfer section and the canvas marks of frozen and transferred nodes."""
from __future__ import annotations

import pytest
import torch  # noqa: F401 - torch before Qt (development.md, Platform pitfalls)

from core.project import Project
from guiapp.document import ProjectDocument
from guiapp.editor import GraphCanvas, Inspector


def _project() -> Project:
    return Project.from_dict({
        "format": "losslab-project", "version": 1, "data": {"source": "spiral", "params": {"samples": 100}},
        "model": {"nodes": [{"id": "input", "type": "Input"},
                            {"id": "fc1", "type": "Linear", "params": {"out_features": 8}},
                            {"id": "relu1", "type": "ReLU"},
                            {"id": "out", "type": "Linear", "params": {"out_features": 2}}],
                  "edges": [["input", "fc1"], ["fc1", "relu1"], ["relu1", "out"]]},
        "outputs": [{"node": "out", "loss": {"type": "CrossEntropyLoss"}}]})


@pytest.fixture
def editor(qtbot):
    doc = ProjectDocument(_project())
    canvas = GraphCanvas(doc)
    inspector = Inspector(doc)
    canvas.selectionChangedTo.connect(inspector.show_nodes)
    qtbot.addWidget(canvas)
    qtbot.addWidget(inspector)
    return doc, canvas, inspector


def test_the_transfer_section_sets_weights_freezing_and_lr_and_undoes(editor):
    doc, canvas, inspector = editor
    inspector.show_nodes(["fc1"])
    section = inspector.transfer
    assert section is not None and section.source.currentIndex() == 0 and not section.where.isEnabled()
    section.source.setCurrentIndex(1)
    section.where.setText("source.pt")
    section.where.editingFinished.emit()
    assert doc.project.model.node("fc1").init == {"file": "source.pt"}
    section.frozen.setChecked(True)
    assert doc.project.model.node("fc1").frozen
    section.lr.setValue(10)
    section.lr.editingFinished.emit()
    assert doc.project.model.node("fc1").lr_multiplier == 10.0
    mark = canvas.scene().nodes["fc1"].smalldata
    assert mark.isVisible() and mark.frozen and mark.transfer == "file source.pt, node fc1"
    assert "Frozen" in mark.toolTip() and "× 10" in mark.toolTip()
    assert not canvas.scene().nodes["out"].smalldata.isVisible()
    doc.undo_stack.undo()                          # the multiplier
    doc.undo_stack.undo()                          # the freezing
    assert not doc.project.model.node("fc1").frozen and not mark.frozen
    assert not section.frozen.isChecked()         # the section follows the document


def test_a_layer_without_weights_has_no_transfer_section_and_a_selection_edits_all(editor):
    doc, canvas, inspector = editor
    inspector.show_nodes(["relu1"])
    assert inspector.transfer is None
    inspector.show_nodes(["fc1", "relu1", "out"])
    assert inspector.transfer is not None and inspector.transfer.ids == ["fc1", "out"]
    inspector.transfer.frozen.setChecked(True)
    assert doc.project.model.node("fc1").frozen and doc.project.model.node("out").frozen
    assert not doc.project.model.node("relu1").frozen
    doc.undo_stack.undo()
    assert not doc.project.model.node("fc1").frozen and not doc.project.model.node("out").frozen
