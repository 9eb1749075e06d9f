"""The wheel over an unfocused combo box, spin box or slider scrolls its panel and never changes a
value: in the Data, Outputs and Training settings panels and in the Inspector."""
from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QSlider

from core.project import Project
from guiapp.document import ProjectDocument
from guiapp.main_window import MainWindow
from guiapp.widgets.wheel_guard import scroll_area_of
from tests.conftest import EXAMPLES


def _value(w):
    return w.currentIndex() if isinstance(w, QComboBox) else w.value()


def _wheel(widget, notches: int = -1) -> None:
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0),
                        QPoint(0, 120 * notches), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


@pytest.fixture
def window(qtbot, isolated):
    w = MainWindow(ProjectDocument(Project(), load_data=False), defer_training=True)
    qtbot.addWidget(w)
    assert w.files.open(EXAMPLES / "spiral.losslab.json", confirm=False)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.document.undo_stack.setClean()
    w.close()


def _check_panel(qtbot, window, panel) -> int:
    """Wheel over every visible guarded input of ``panel``; returns how many there were."""
    doc = window.document
    inputs = [w for kind in (QComboBox, QAbstractSpinBox, QSlider) for w in panel.findChildren(kind) if w.isVisible()]
    assert inputs, f"{type(panel).__name__} shows no inputs"
    area = scroll_area_of(inputs[0])
    bar = area.verticalScrollBar()
    for w in inputs:
        before_project = json.dumps(doc.project.to_dict(), sort_keys=True)
        before, steps = _value(w), doc.undo_stack.count()
        for notches in (-1, 1):
            _wheel(w, notches)
        assert _value(w) == before, f"the wheel changed {w.objectName() or type(w).__name__}"
        assert doc.undo_stack.count() == steps
        assert json.dumps(doc.project.to_dict(), sort_keys=True) == before_project
    # ... and the panel scrolled instead
    bar.setValue(0)
    _wheel(inputs[0], -1)
    if bar.maximum() > 0:
        assert bar.value() > 0, f"{type(panel).__name__} did not scroll"
    return len(inputs)


@pytest.mark.parametrize("dock", ["data", "outputs", "settings"])
def test_the_wheel_scrolls_the_settings_panels_and_changes_nothing(qtbot, window, dock):
    getattr(window, f"{dock}_dock").raise_()
    panel = {"data": window.data_panel, "outputs": window.outputs_panel, "settings": window.training_settings}[dock]
    qtbot.waitUntil(panel.isVisible)
    panel.resize(panel.width(), 160)  # short: the panel must scroll
    assert _check_panel(qtbot, window, panel) >= 1


def test_the_wheel_scrolls_the_inspector_and_changes_nothing(qtbot, window):
    node = next(n.id for n in window.document.project.model.nodes if n.type == "Linear")
    window.inspector.show_node(node)
    qtbot.waitUntil(lambda: bool(window.inspector.editors))
    window.inspector.resize(window.inspector.width(), 160)
    assert _check_panel(qtbot, window, window.inspector) >= 1


def test_a_focused_input_still_takes_the_wheel(qtbot, window):
    window.training_settings.raise_()
    window.settings_dock.raise_()
    combo = window.training_settings.findChild(QComboBox, "training.optimizer")
    qtbot.waitUntil(combo.isVisible)
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus)
    before = combo.currentIndex()
    _wheel(combo, -1)
    assert combo.currentIndex() != before
    window.document.undo_stack.setClean()
