"""The generic parameter editors (reused by the settings panels) and the editor's pure graph rules."""
from __future__ import annotations

import pytest
import torch  # noqa: F401 - torch before Qt (development.md, Platform pitfalls)

from core.catalog import LAYERS, LOSSES, OPTIMIZERS
from core.catalog.params import Param
from core.project import Project
from guiapp.document import ProjectDocument
from core import graph_edits as G
from guiapp.editor import commands
from guiapp.widgets import make_editor


@pytest.fixture
def commits():
    got: list = []

    def commit(value):
        got.append(value)
        return None

    return got, commit


def test_every_catalog_param_gets_an_editor_showing_its_default(qtbot, commits):
    _, commit = commits
    for registry in (LAYERS, LOSSES, OPTIMIZERS):
        for entry in registry:
            for p in entry.params:
                editor = make_editor(p, p.default, commit)
                qtbot.addWidget(editor)
                assert editor.value() == p.default
                assert editor.toolTip() == p.help


def test_int_spin_commits_validated_values(qtbot, commits):
    got, commit = commits
    editor = make_editor(LAYERS.get("Linear").param("out_features"), 16, commit)
    qtbot.addWidget(editor)
    assert (editor.spin.minimum(), editor.spin.maximum()) == (1, 65536)
    editor.spin.setValue(32)
    assert got == [32] and editor.value() == 32
    editor.set_value(8)                           # from the document: no commit
    assert got == [32] and editor.spin.value() == 8


def test_log_float_has_a_log_slider_and_125_steps(qtbot, commits):
    got, commit = commits
    editor = make_editor(OPTIMIZERS.get("Adam").param("lr"), 0.001, commit)
    qtbot.addWidget(editor)
    assert editor.slider is not None and editor.spin.text() == "0.001"
    editor.spin.stepBy(1)
    assert got[-1] == pytest.approx(0.002)
    editor.spin.stepBy(1)
    assert got[-1] == pytest.approx(0.005)
    editor.slider.setValue(editor.slider.maximum())
    assert got[-1] == pytest.approx(100.0)
    editor.slider.setValue(500)                   # the middle of 1e-8..100 on a log scale is 1e-3
    assert got[-1] == pytest.approx(1e-3)


def test_choice_keeps_the_choice_type_and_optional_offers_empty(qtbot, commits):
    got, commit = commits
    editor = make_editor(LOSSES.get("MultiMarginLoss").param("p"), 1, commit)
    qtbot.addWidget(editor)
    editor.combo.setCurrentIndex(1)
    editor.combo.activated.emit(1)
    assert got == [2] and isinstance(got[0], int)
    optional = make_editor(LOSSES.get("BCEWithLogitsLoss").param("pos_weight"), None, commit)
    qtbot.addWidget(optional)
    assert optional.spin.text() == "(empty)"
    optional.spin.setValue(3.0)
    assert got[-1] == 3.0
    optional.spin.setValue(optional.spin.minimum())
    assert got[-1] is None


def test_lists_parse_and_refusals_revert(qtbot, commits):
    got, commit = commits
    editor = make_editor(LOSSES.get("CrossEntropyLoss").param("weight"), None, commit)
    qtbot.addWidget(editor)
    editor.edit.setText("1, 20")
    editor.edit.editingFinished.emit()
    assert got == [[1.0, 20.0]]
    editor.edit.setText("1, a")
    editor.edit.editingFinished.emit()
    assert "numbers separated by commas" in editor.error_text() and editor.edit.text() == "1, 20"
    editor.edit.setText("")
    editor.edit.editingFinished.emit()
    assert got[-1] is None and not editor.error_text()
    refusing = make_editor(Param("n", "int", 1, min=0, max=10), 1, lambda v: "the document said no")
    qtbot.addWidget(refusing)
    refusing.spin.setValue(5)
    assert refusing.error_text() == "the document said no" and refusing.spin.value() == 1


def test_output_head_loss_follows_the_task():
    doc = ProjectDocument()
    assert G.default_loss(doc.dataset.targets, "auto") == ("CrossEntropyLoss", None)
    assert G.default_loss(None, "regression") == ("MSELoss", None)
    reg = ProjectDocument(Project.from_dict({
        "format": "losslab-project", "version": 1, "data": {"source": "sine", "params": {"samples": 100}},
        "model": {"nodes": [{"id": "input", "type": "Input"}, {"id": "fc", "type": "Linear"}],
                  "edges": [["input", "fc"]]}, "outputs": []}))
    assert commands.toggle_output(reg, "fc")
    assert reg.project.outputs[0].loss.type == "MSELoss"
    assert reg.undo_stack.undoText() == "Make fc an output (MSELoss)"
    assert commands.toggle_output(reg, "fc") and reg.project.outputs == []
    assert reg.undo_stack.undoText() == "Remove output head from fc"


# -- ranges and typed values the spin box cannot take ---------------------------------------------------
def _type(spin, text: str) -> None:
    """Select the field's text, type ``text`` and press Enter, as a person does."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    spin.setFocus()
    spin.lineEdit().selectAll()
    QTest.keyClicks(spin, text)
    QTest.keyClick(spin, Qt.Key.Key_Return)


@pytest.mark.parametrize("param, shown", [
    (LAYERS.get("Linear").param("out_features"), "1 – 65,536"),
    (LAYERS.get("Dropout").param("p"), "0 – 0.95"),
    (OPTIMIZERS.get("Adam").param("lr"), "1e-08 – 100"),
    (Param("seed", "int", 0, min=0, max=2**31 - 1), "≥ 0"),
    (Param("shift", "float", 0.0), ""),
])
def test_number_fields_show_their_range(qtbot, commits, param, shown):
    editor = make_editor(param, param.default, commits[1])
    qtbot.addWidget(editor)
    assert editor.range.text() == shown and editor.range.isHidden() == (not shown)


@pytest.mark.parametrize("param, value, typed, reason, good", [
    (LAYERS.get("Linear").param("out_features"), 16, "-3",
     "out_features must be between 1 and 65,536 (received -3); kept 16", 3),
    (LAYERS.get("Linear").param("out_features"), 16, "2.5",
     "out_features must be a whole number (received 2.5); kept 16", 3),
    (LAYERS.get("Dropout").param("p"), 0.5, "1.5", "p must be between 0 and 0.95 (received 1.5); kept 0.5", 0.3),
    (Param("seed", "int", 0, min=0), 7, "-1", "seed must be at least 0 (received -1); kept 7", 3),
])
def test_a_typed_value_out_of_range_is_refused_with_the_reason(qtbot, commits, param, value, typed, reason, good):
    got, commit = commits
    editor = make_editor(param, value, commit)
    qtbot.addWidget(editor)
    editor.show()
    _type(editor.spin, typed)
    assert editor.error_text() == reason
    assert got == [] and editor.value() == value and editor.spin.value() == value
    _type(editor.spin, str(good))                 # a value it takes: committed, the refusal goes
    assert got == [good] and editor.error_text() == ""
