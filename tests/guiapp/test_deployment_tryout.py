"""The Deployment tab as a new user first meets it: before any training, and docked in the window."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDockWidget

from core.project import Project
from guiapp.deployment import DeploymentView
from guiapp.document import ProjectDocument
from tests.conftest import EXAMPLES


def _check(qtbot, view):
    with qtbot.waitSignal(view.checkFinished, timeout=60_000) as blocker:
        view.check_button.click()
    return blocker.args[0]


def test_without_a_model_the_plots_say_so_and_show_every_window(qtbot):
    path = EXAMPLES / "diagnosis.losslab.json"
    d = ProjectDocument(Project(), load_data=False)
    d.replace(Project.load(path), path)
    view = DeploymentView(d, lambda: None)
    qtbot.addWidget(view)
    view.resize(1000, 500)
    view.show()
    view.select_source("stream")
    check = _check(qtbot, view)
    assert check is not None, view.error
    ot = view.over_time
    title = ot.loss.plotItem.titleLabel.text
    assert "no trained model" in title and "no target" not in title  # the stream has its target column
    assert "input_drift" in ot.markers
    last = len(check.monitor.windows) - 1
    view.resize(700, 400)  # a relayout must not shrink the axis onto the drift marker

    def every_window_in_view():
        return all(p.viewRange()[0][0] <= 0 and p.viewRange()[0][1] >= last for p in (ot.loss, ot.drift))
    qtbot.waitUntil(every_window_in_view, timeout=5000)


@pytest.fixture
def window(qtbot, isolated):
    import torch  # noqa: F401 - torch before Qt's window (development.md, Platform pitfalls)

    from guiapp.main_window import MainWindow
    w = MainWindow(ProjectDocument(Project(), load_data=False))
    qtbot.addWidget(w)
    assert w.files.open(EXAMPLES / "diagnosis.losslab.json", confirm=False)
    yield w
    w.document.undo_stack.setClean()
    w.close()


def test_every_dock_is_in_the_view_menu_and_comes_back_with_reset_layout(qtbot, window):
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    docks = window.findChildren(QDockWidget)
    names = {d.objectName() for d in docks}
    assert {"dock.deployment", "dock.runs"} <= names
    menu = window.view_menu.actions()
    missing = [d.objectName() for d in docks if d.toggleViewAction() not in menu]
    assert not missing, f"not in View: {missing}"
    for dock in (window.deployment_dock, window.runs_dock):
        dock.close()
        assert not dock.isVisible()
    window.deployment_dock.toggleViewAction().trigger()  # View ▸ Deployment brings it back
    qtbot.waitUntil(window.deployment_dock.isVisible)
    window.deployment_dock.close()
    window.runs_dock.setFloating(True)
    window.reset_layout()
    for dock, beside in ((window.deployment_dock, window.plots_dock), (window.runs_dock, window.findings_dock)):
        assert not dock.isHidden() and not dock.isFloating(), dock.objectName()
        assert dock in window.tabifiedDockWidgets(beside), dock.objectName()


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1200)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_docked_tab_fits_its_dock(qtbot, window, size):
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.reset_layout()
    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size)
    window.fit_docks()
    window.deployment_dock.raise_()
    view = window.deployment_view
    view.select_source("shift")  # the widest row of controls: features and k shown
    view.picker.file_path = "/data/" + "deployment-rows-of-the-clinic-in-the-north-wing-2026" * 2 + ".csv"
    view.picker.show_file_item()  # a long file name is shortened in the box, not widening it
    qtbot.waitUntil(lambda: view.features.isVisible() and view.width() > 0)
    assert view.width() <= window.deployment_dock.width()
    assert view.minimumSizeHint().width() <= view.width()
    for w in (view.source, view.features, view.k, view.window_rows, view.weights_button, view.check_button):
        right = w.mapTo(view, w.rect().topRight()).x()
        assert 0 <= right < view.width(), f"{w.objectName() or type(w).__name__} ends at {right} of {view.width()}"
    assert not view.check_button.visibleRegion().isEmpty()
    for i in range(view.source.count()):  # every choice reads in full ("Example stream (dri…" did not)
        text = view.source.itemText(i)
        assert view.source.fontMetrics().horizontalAdvance(text) + 24 <= view.source.width(), text
    header = view.table.horizontalHeader()
    assert all(header.sectionSize(j) >= header.sectionSizeHint(j) for j in range(header.count())), "a header is cut"
    assert header.length() <= view.table.viewport().width() + 1 and not view.table.horizontalScrollBar().isVisible()
