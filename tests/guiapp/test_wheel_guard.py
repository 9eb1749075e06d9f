"""The wheel over an unfocused combo box, spin box or slider scrolls its panel and never changes a
value: in the Data, Outputs and Training settings panels and in the Inspector."""
from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (QAbstractSpinBox, QApplication, QComboBox, QDoubleSpinBox, QLabel, QScrollArea, QSlider,
                               QSpinBox, QVBoxLayout, QWidget)

from core.project import Project
from guiapp import turns
from guiapp.document import ProjectDocument
from guiapp.main_window import MainWindow
from guiapp.widgets import wheel_guard
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
    qtbot.waitUntil(turns.settled)                      # the views show an Open in turns of their own
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


def _guarded_against_the_wheel(w) -> bool:
    """The wheel over ``w`` (unfocused) leaves its value alone and it does not take wheel focus."""
    before = _value(w)
    for notches in (-1, 1, 1):
        _wheel(w, notches)
        if _value(w) != before:
            return False
    return w.focusPolicy() == Qt.FocusPolicy.StrongFocus


def test_an_inspector_form_rebuilt_under_the_mouse_is_guarded_at_once(qtbot, window):
    """A selection change rebuilds the inspector's form; its new inputs are guarded before any event
    is processed (Qt polishes a widget, and tells its parent, before showing it)."""
    nodes = {n.type: n.id for n in window.document.project.model.nodes}
    window.inspector.show_node(nodes["Linear"])
    qtbot.waitUntil(lambda: bool(window.inspector.editors))
    old = set(window.inspector.findChildren(QAbstractSpinBox))
    window.inspector.show_node(nodes["Linear"])  # every show builds a new form; the mouse never moved
    inputs = [w for kind in (QComboBox, QAbstractSpinBox, QSlider) for w in window.inspector.findChildren(kind)
              if w.isVisible() and w not in old]
    assert inputs
    assert all(_guarded_against_the_wheel(w) for w in inputs)
    window.document.undo_stack.setClean()


def test_a_data_form_rebuilt_by_a_click_is_guarded(qtbot, window):
    """Picking another data set rebuilds the Data panel's param form (new spin boxes, a slider)."""
    window.data_dock.raise_()
    panel = window.data_panel
    qtbot.waitUntil(lambda: panel.isVisible() and getattr(panel, "_built", False))
    old = panel.params.editor("samples").findChild(QAbstractSpinBox)
    index = panel.source.findData("fraud")
    panel.source.setCurrentIndex(index)
    panel.source.activated.emit(index)         # as a click on "fraud" does
    qtbot.waitUntil(lambda: panel.params.editor("fraud_rate") is not None
                    and panel.params.editor("fraud_rate").isVisible())
    inputs = [w for kind in (QComboBox, QAbstractSpinBox, QSlider) for w in panel.params.findChildren(kind)
              if w.isVisible()]
    assert inputs and old not in inputs
    steps = window.document.undo_stack.count()
    assert all(_guarded_against_the_wheel(w) for w in inputs)
    assert window.document.undo_stack.count() == steps
    window.document.undo_stack.setClean()


def test_inputs_added_to_a_watched_panel_in_any_way_are_guarded_before_they_can_take_a_wheel(qtbot):
    """Shown straight away, built and polished elsewhere then moved in, nested in a new container,
    hidden then shown: each is guarded once it is visible (the only way a wheel can reach it)."""
    area = QScrollArea()
    qtbot.addWidget(area)
    area.setWidgetResizable(True)
    content = QWidget()
    column = QVBoxLayout(content)
    for _ in range(30):
        column.addWidget(QLabel("a row"))
    area.setWidget(content)
    wheel_guard.watch(area)
    area.resize(300, 200)
    area.show()
    qtbot.waitExposed(area)
    QTest.mouseMove(area.viewport(), area.viewport().rect().center())  # the mouse is over the panel

    straight = QSpinBox(content)               # a new child of a shown container ...
    straight.show()                             # ... shown: guarded now, no event processed in between
    assert _guarded_against_the_wheel(straight)

    elsewhere = QWidget()                       # built and polished outside, then moved in
    inner = QComboBox(elsewhere)
    inner.addItems(["a", "b", "c"])
    elsewhere.ensurePolished()
    column.insertWidget(0, elsewhere)
    elsewhere.show()
    assert _guarded_against_the_wheel(inner)

    nest = QWidget(content)                     # a new container holding a new container holding the input
    deep = QSlider(Qt.Orientation.Horizontal, QWidget(nest))
    nest.show()
    assert _guarded_against_the_wheel(deep)

    hidden = QDoubleSpinBox(content)            # made hidden, shown later
    hidden.hide()
    column.addWidget(hidden)
    hidden.show()
    assert _guarded_against_the_wheel(hidden)

    bar = area.verticalScrollBar()
    bar.setValue(0)
    _wheel(hidden, -1)
    assert bar.value() > 0                      # ... and the wheel scrolled the panel


def test_the_guard_filters_only_inputs(qtbot, isolated, monkeypatch):
    """The guard is not an application-wide filter: no event of the window, the canvas or a plot ever
    reaches it, only those of the inputs (a style's polish hands it each input once)."""
    seen: list = []

    class Spy(wheel_guard.WheelGuard):
        def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
            seen.append(obj)
            return super().eventFilter(obj, event)
    spy = Spy()
    monkeypatch.setattr(wheel_guard, "_guard", spy)
    monkeypatch.setattr(QApplication.instance().style(), "_guard", spy, raising=False)
    w = MainWindow(ProjectDocument(Project(), load_data=False), defer_training=True)
    qtbot.addWidget(w)
    assert w.files.open(EXAMPLES / "spiral.losslab.json", confirm=False)
    w.show()
    qtbot.waitExposed(w)

    combo = w.training_settings.findChild(QComboBox, "training.optimizer")
    before = len(seen)
    _wheel(combo, -1)
    assert any(o is combo for o in seen[before:])      # the spy is the live guard

    other = QComboBox()                                  # an input in no panel, made after the window: guarded too
    qtbot.addWidget(other)
    other.addItems(["a", "b", "c"])
    other.show()
    qtbot.waitExposed(other)
    before = len(seen)
    _wheel(other, -1)
    QApplication.sendEvent(w.canvas, QEvent(QEvent.Type.UpdateRequest))
    QApplication.sendEvent(w, QEvent(QEvent.Type.StatusTip))
    assert any(o is other for o in seen[before:])
    assert other.currentIndex() == 0 and other.focusPolicy() == Qt.FocusPolicy.StrongFocus
    assert all(isinstance(o, wheel_guard.GUARDED) for o in seen)
    w.document.undo_stack.setClean()
    w.close()
