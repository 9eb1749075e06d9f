"""Every input of every dock, tab and dialog of the main window ignores the wheel until it is focused,
including those built after start: the Deployment tab (built on its first paint), the Runs dock, the
study, export, LR finder and log dialogs (made on demand). One wheel notch over the unfocused
Deployment tab used to switch its source combo and its window spin box."""
from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (QAbstractSpinBox, QApplication, QComboBox, QDial, QDockWidget, QSlider, QTabWidget,
                               QWidget)

from core.project import Project
from guiapp import turns
from guiapp.document import ProjectDocument
from guiapp.main_window import MainWindow
from guiapp.widgets.build_on_show import BuildOnShow
from guiapp.widgets.wheel_guard import scroll_area_of
from tests.conftest import EXAMPLES

INPUTS = (QComboBox, QAbstractSpinBox, QSlider, QDial)


def _value(w):
    return w.currentIndex() if isinstance(w, QComboBox) else w.value()


def _wheel(widget: QWidget, notches: int) -> None:
    """One wheel notch over the middle of ``widget``. Sent to the input itself: the mouse delivers it
    to the deepest child under the pointer (a spin box's line edit), which passes it up to the input,
    but Qt passes up only real (spontaneous) wheel events, never sent ones."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, 120 * notches),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def _name(w: QWidget) -> str:
    owner = w
    while owner is not None and not owner.objectName():
        owner = owner.parentWidget()
    return f"{type(w).__name__} {w.objectName() or ''} in {type(w.window()).__name__} " \
           f"{w.window().windowTitle()!r} (under {owner.objectName() if owner else '?'})"


def _wheel_all_visible(root: QWidget, doc) -> list[str]:
    """Wheel (both ways, unfocused) over every visible input under ``root``; returns what changed."""
    changed = []
    for w in root.findChildren(QWidget):
        if not isinstance(w, INPUTS) or not w.isVisible():
            continue
        if w.hasFocus():
            w.clearFocus()
        project = json.dumps(doc.project.to_dict(), sort_keys=True)
        before = _value(w)
        for notches in (-1, 1, 1):     # each checked: a value at its maximum hides one notch up
            _wheel(w, notches)
            if _value(w) != before or json.dumps(doc.project.to_dict(), sort_keys=True) != project:
                changed.append(_name(w))
                break
    return changed


@pytest.fixture
def window(qtbot, isolated):
    w = MainWindow(ProjectDocument(Project(), load_data=False))
    qtbot.addWidget(w)
    assert w.files.open(EXAMPLES / "spiral.losslab.json", confirm=False)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.document.data_loaded)
    qtbot.waitUntil(turns.settled)                       # the Data panel is built in a turn of its own
    yield w
    w.document.undo_stack.setClean()
    w.close()


def _each_tab(qtbot, root: QWidget):
    """Yield once per page of every tab widget under ``root`` (each page raised in turn)."""
    yield
    for tabs in root.findChildren(QTabWidget):
        if not tabs.isVisible():
            continue
        for i in range(tabs.count()):
            tabs.setCurrentIndex(i)
            qtbot.waitUntil(tabs.widget(i).isVisible)
            yield


def test_every_input_of_every_dock_and_tab_ignores_an_unfocused_wheel(qtbot, window):
    docks = window.findChildren(QDockWidget)
    names = {d.objectName() for d in docks}
    assert {"dock.data", "dock.deployment", "dock.runs", "dock.inspector"} <= names
    node = next(n.id for n in window.document.project.model.nodes if n.type == "Linear")
    window.inspector.show_node(node)
    changed, seen = [], 0
    for dock in docks:
        dock.show()
        dock.raise_()
        qtbot.waitUntil(dock.widget().isVisible)
        # a dock built on its first paint (the Deployment tab) is built now, before any wheel
        qtbot.waitUntil(lambda: not isinstance(dock.widget(), BuildOnShow))
        qtbot.waitUntil(dock.widget().isVisible)
        for _ in _each_tab(qtbot, dock.widget()):
            seen += sum(isinstance(w, INPUTS) and w.isVisible() for w in dock.findChildren(QWidget))
            changed += _wheel_all_visible(dock, window.document)
    assert window.deployment_view is not None and window.deployment_view.source.isVisible() is not None
    assert seen >= 20, seen           # the settings panels, the inspector, the Deployment tab ...
    assert not changed, "the wheel changed: " + "; ".join(changed)


def test_the_deployment_tab_built_late_ignores_the_wheel(qtbot, window):
    """The report's case: the source combo and the window spin box of the unfocused Deployment tab."""
    window.deployment_dock.raise_()
    qtbot.waitUntil(lambda: window._deployment_view is not None and window._deployment_view.isVisible())
    view = window.deployment_view
    qtbot.waitUntil(view.source.isVisible)
    source, rows = view.source.currentText(), view.window_rows.value()
    for w in (view.source, view.window_rows):
        for notches in (-1, 1):
            _wheel(w, notches)
            assert (view.source.currentText(), view.window_rows.value()) == (source, rows)
    view.window_rows.setFocus()                 # once clicked (focused) the wheel works as usual
    qtbot.waitUntil(view.window_rows.hasFocus)
    _wheel(view.window_rows, -1)
    assert view.window_rows.value() < rows


def test_every_input_of_every_dialog_ignores_an_unfocused_wheel(qtbot, window):
    from guiapp.studies import StudyDialog
    study = StudyDialog(window.document.project.copy(), window)
    qtbot.addWidget(study)
    export = window.show_export()
    window.lr_finder.show()
    window.show_log()
    window.show_help("keys")
    dialogs = [study, export, window.lr_finder, window.log_dialog]
    study.show()
    changed, seen = [], 0
    for dialog in dialogs:
        qtbot.waitExposed(dialog)
        for _ in _each_tab(qtbot, dialog):
            seen += sum(isinstance(w, INPUTS) and w.isVisible() for w in dialog.findChildren(QWidget))
            changed += _wheel_all_visible(dialog, window.document)
    study.preset.setChecked(not study.preset.isChecked())   # a form rebuilt in a shown dialog
    changed += _wheel_all_visible(study, window.document)
    assert seen >= 6, seen
    assert not changed, "the wheel changed: " + "; ".join(changed)
    for dialog in [*dialogs, *window.help_pages.values()]:
        dialog.close()


def test_the_wheel_over_the_data_preview_scrolls_the_panel_until_the_scatter_is_clicked(qtbot, window):
    window.data_dock.raise_()
    preview = window.data_panel.preview
    qtbot.waitUntil(lambda: preview.plot is not None and preview.plot.isVisible())
    plot = preview.plot
    area = scroll_area_of(plot)
    assert area is not None
    window.data_panel.resize(window.data_panel.width(), 200)     # short: the panel scrolls
    qtbot.waitUntil(lambda: area.verticalScrollBar().maximum() > 0)
    view = plot.getPlotItem().getViewBox()
    before = [list(r) for r in view.viewRange()]
    bar = area.verticalScrollBar()
    bar.setValue(0)
    _wheel(plot.viewport(), -1)
    assert [list(r) for r in view.viewRange()] == before     # the scatter did not zoom ...
    assert bar.value() > 0                                   # ... the panel scrolled
    plot.setFocus()                                          # clicked: now the wheel zooms it
    qtbot.waitUntil(plot.hasFocus)
    _wheel(plot.viewport(), 1)
    assert [list(r) for r in view.viewRange()] != before
