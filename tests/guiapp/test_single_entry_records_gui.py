"""A loss, an optimizer and a schedule registered as one catalog entry each, and nothing else, can be
picked in the window where such a thing is picked (the Outputs panel's loss list, the Training
settings' optimizer and schedule lists), with editors for the entry's params; each choice is one undo
step, is saved in the project file, Run trains with it, and the study dialog's knobs offer it."""
from __future__ import annotations

import json
import logging
import math

import pytest
import torch  # noqa: F401 - torch before Qt (development.md, Platform pitfalls)
from PySide6.QtCore import Qt

from core.project import Project
from guiapp import files, turns
from guiapp.document import ProjectDocument
from guiapp.main_window import MainWindow
from guiapp.studies import StudyDialog
from tests.core.single_entry_records import ADAMAX, MULTILABEL, POLYNOMIAL, registered


@pytest.fixture(autouse=True)
def three_new_records():
    with registered(layers=False):
        yield


def _small_digits(path) -> None:
    """A small digits project on built-in records only: the test picks the new ones in the window."""
    nodes = [{"id": "input", "type": "Input"}, {"id": "flat", "type": "Flatten"},
             {"id": "hidden", "type": "Linear", "params": {"out_features": 16}},
             {"id": "act", "type": "ReLU"}, {"id": "out", "type": "Linear", "params": {"out_features": 10}}]
    Project.from_dict({
        "format": "losslab-project", "version": 1, "name": "small-digits", "data": {"source": "digits", "params": {}},
        "model": {"nodes": nodes, "edges": [[a["id"], b["id"]] for a, b in zip(nodes, nodes[1:])]},
        "outputs": [{"node": "out", "loss": {"type": "CrossEntropyLoss", "params": {}}}],
        "training": {"epochs": 2, "batch_size": 64, "optimizer": {"type": "Adam", "params": {"lr": 0.01}},
                     "schedule": {"type": "Constant", "params": {}}}}).save(path)


@pytest.fixture
def window(qtbot, isolated, monkeypatch):
    monkeypatch.setattr(files.prompts, "ask_save_changes", lambda *a, **k: "discard")
    path = isolated / "small-digits.losslab.json"
    _small_digits(path)
    w = MainWindow(ProjectDocument(Project(), load_data=False))
    qtbot.addWidget(w)
    assert w.files.open(path, confirm=False)
    w.show()
    assert w.document.wait_for_data(60_000) and w.document.data_error == ""
    qtbot.waitUntil(turns.settled)                      # the views show an Open in turns of their own
    yield w
    if w.controller is not None:
        w.controller.stop_and_wait(2.0)
    w.document.undo_stack.setClean()
    w.close()


def _pick(combo, name: str) -> None:
    """What a click on ``name`` in the drop-down does: the combo's ``activated`` with its row."""
    row = combo.findData(name)
    assert row >= 0, f"{name} is not offered: {[combo.itemData(i) for i in range(combo.count())]}"
    combo.setCurrentIndex(row)
    combo.activated.emit(row)


def _one_undo_step(doc, pick, read, new, old) -> None:
    """``pick()`` makes ``read()`` ``new`` in exactly one undo step; undo and redo go back and forth."""
    steps = doc.undo_stack.count()
    pick()
    assert read() == new and doc.undo_stack.count() == steps + 1
    doc.undo_stack.undo()
    assert read() == old
    doc.undo_stack.redo()
    assert read() == new


def _saved_and_reopened(window) -> dict:
    """Save, read the file back as JSON, and open it again in the window."""
    assert window.files.save()
    path = window.document.path
    saved = json.loads(path.read_text())
    assert window.files.open(path, confirm=False) and window.document.wait_for_data(60_000)
    return saved


def _run(qtbot, window, caplog):
    """Run, as the Run button does; the run completes, its history is finite, and no view logged an error
    over it (the plots, the heads' accuracy and the Errors tab all read the new entry)."""
    doc = window.document
    qtbot.waitUntil(lambda: doc.check is not None and doc.can_train()[0], timeout=30_000)
    with caplog.at_level(logging.ERROR, logger="losslab"):
        with qtbot.waitSignal(window.controller.runFinished, timeout=120_000) as done:
            assert window.controller.run()
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    result = done.args[0]
    assert result.status == "completed", result.message
    losses = [(r.train_loss, r.val_loss) for r in result.history]
    assert len(losses) == 2 and all(math.isfinite(v) for pair in losses for v in pair)
    return result


def _study(window, knob: str, values: str) -> tuple[str, list[dict]]:
    """The study dialog, as New Study opens it, with ``knob`` chosen and ``values`` typed: (what the values
    field's tooltip says it takes, the settings the planned study runs)."""
    dialog = StudyDialog(window.document.project.copy(), window, dataset=window.document.dataset)
    try:
        dialog.knob1.setCurrentText(knob)
        hint = dialog.values1.toolTip()
        dialog.values1.setText(values)
        dialog.seeds.setValue(1)
        return hint, [s for _, plan in dialog.build_plans() for s in plan.spec.settings()]
    finally:
        dialog.deleteLater()


def test_a_loss_entry_is_picked_in_the_outputs_panel_and_trains(qtbot, window, caplog):
    doc = window.document
    head = window.outputs_panel.heads[0]
    row = head.loss.findData(MULTILABEL.name)
    assert head.loss.itemText(row) == MULTILABEL.name                  # it fits the digits' classes: no ✗
    assert head.loss.itemData(row, Qt.ItemDataRole.ToolTipRole) == MULTILABEL.doc
    _one_undo_step(doc, lambda: _pick(head.loss, MULTILABEL.name), lambda: doc.project.outputs[0].loss.type,
                   MULTILABEL.name, "CrossEntropyLoss")
    assert head.fit.text().startswith("✓")
    reduction = window.outputs_panel.heads[0].params.editor("reduction")
    assert reduction is not None and reduction.isEnabled()              # the entry's param, editable
    assert reduction.combo.currentText() == "mean"                     # the entry's default
    row = reduction.combo.findText("sum")
    _one_undo_step(doc, lambda: (reduction.combo.setCurrentIndex(row), reduction.combo.activated.emit(row)),
                   lambda: doc.project.outputs[0].loss.params.get("reduction"), "sum", None)
    saved = _saved_and_reopened(window)
    assert saved["outputs"][0]["loss"] == {"type": MULTILABEL.name, "params": {"reduction": "sum"}}
    head = window.outputs_panel.heads[0]
    assert head.loss.currentData() == MULTILABEL.name and head.params.editor("reduction").combo.currentText() == "sum"
    _run(qtbot, window, caplog)
    hint, settings = _study(window, "loss", f"CrossEntropyLoss, {MULTILABEL.name}")
    assert MULTILABEL.name in hint and {"loss": MULTILABEL.name} in settings    # the loss knob offers it


def test_an_optimizer_entry_is_picked_in_the_training_settings_and_trains(qtbot, window, caplog):
    doc, panel = window.document, window.training_settings
    assert panel.optimizer.itemData(panel.optimizer.findData(ADAMAX.name), Qt.ItemDataRole.ToolTipRole) == ADAMAX.doc
    _one_undo_step(doc, lambda: _pick(panel.optimizer, ADAMAX.name), lambda: doc.project.training.optimizer.type,
                   ADAMAX.name, "Adam")
    assert panel.optimizer_doc.text() == ADAMAX.doc
    lr = panel.optimizer_params.editor("lr")
    assert lr is not None and lr.isEnabled() and lr.spin.value() == pytest.approx(0.01)  # the rate was kept
    _one_undo_step(doc, lambda: lr.spin.setValue(0.02), lambda: doc.project.training.optimizer.params["lr"],
                   pytest.approx(0.02), pytest.approx(0.01))
    assert _saved_and_reopened(window)["training"]["optimizer"] == {"type": ADAMAX.name,
                                                                    "params": {"lr": pytest.approx(0.02)}}
    assert panel.optimizer.currentData() == ADAMAX.name
    assert panel.optimizer_params.editor("lr").spin.value() == pytest.approx(0.02)
    result = _run(qtbot, window, caplog)
    assert result.history[-1].lr == pytest.approx(0.02)
    hint, settings = _study(window, "optimizer", f"Adam, {ADAMAX.name}")
    assert ADAMAX.name in hint and {"optimizer": ADAMAX.name} in settings


def test_a_schedule_entry_is_picked_in_the_training_settings_and_trains(qtbot, window, caplog):
    doc, panel = window.document, window.training_settings
    # no study knob lists schedules: the dialog varies one as a JSON path (from the project's Constant,
    # which has no params to carry over), and plans the new one
    _, settings = _study(window, "training.schedule.type", f"Constant, {POLYNOMIAL.name}")
    assert {"training.schedule.type": POLYNOMIAL.name} in settings
    _one_undo_step(doc, lambda: _pick(panel.schedule, POLYNOMIAL.name), lambda: doc.project.training.schedule.type,
                   POLYNOMIAL.name, "Constant")
    assert panel.schedule_doc.text() == POLYNOMIAL.doc
    iters = panel.schedule_params.editor("total_iters")
    assert iters is not None and iters.isEnabled() and iters.spin.value() == 5   # the entry's default
    assert panel.schedule_params.editor("power") is not None
    _one_undo_step(doc, lambda: iters.spin.setValue(2), lambda: doc.project.training.schedule.params.get("total_iters"),
                   2, None)
    assert _saved_and_reopened(window)["training"]["schedule"] == {"type": POLYNOMIAL.name,
                                                                   "params": {"total_iters": 2}}
    assert panel.schedule.currentData() == POLYNOMIAL.name
    assert panel.schedule_params.editor("total_iters").spin.value() == 2
    result = _run(qtbot, window, caplog)
    assert result.history[0].lr > 0 and result.history[-1].lr == pytest.approx(0.0, abs=1e-12)  # decayed to zero

