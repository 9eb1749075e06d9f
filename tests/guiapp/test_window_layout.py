"""No dock overlaps another and nothing is squeezed, at 1280x800, 1400x900 and 1920x1200, with and
without the overfitting banner (the window rendered offscreen, asserted from widget geometry)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch  # noqa: F401 - torch before Qt (development.md, Platform pitfalls)
from PySide6.QtWidgets import QDockWidget

from core.project import Project
from guiapp.document import ProjectDocument
from guiapp.main_window import MainWindow
from tests.conftest import EXAMPLES

OVERFITTING = SimpleNamespace(kind="overfitting", start_epoch=37, end_epoch=150, suggestion=(
    "add dropout (0.2 to 0.5) after the wide layers, or early stopping with patience 10"), message=(
    "Overfitting since epoch 37: validation loss rose 41% above its best while training loss kept falling "
    "to 0.0004 (-99.9%), over 113 epochs"))


@pytest.fixture
def window(qtbot, isolated):
    w = MainWindow(ProjectDocument(Project(), load_data=False))
    qtbot.addWidget(w)
    assert w.files.open(EXAMPLES / "spiral.losslab.json", confirm=False)
    yield w
    w.document.undo_stack.setClean()
    w.close()


def _visible_docks(w: MainWindow) -> list[QDockWidget]:
    """Docks on screen: shown, and the raised tab of a tab group."""
    return [d for d in w.findChildren(QDockWidget) if d.isVisible() and not d.visibleRegion().isEmpty()]


@pytest.mark.parametrize("banner", [False, True], ids=["plain", "banner"])
def test_docks_never_overlap_and_keep_their_room(qtbot, window, banner):
    """At each size in turn (the window resized as a person would, the default layout reset there)."""
    window.show()
    qtbot.waitExposed(window)
    panel = window.training_panel
    if banner:
        panel.banner.show_finding(OVERFITTING, 30)
    for size in [(1280, 800), (1400, 900), (1920, 1200)]:
        window.resize(*size)
        window.reset_layout()
        window.resize(*size)
        qtbot.waitUntil(lambda: (window.width(), window.height()) == size)
        window.fit_docks()
        qtbot.waitUntil(lambda: panel.banner_visible() == banner)
        qtbot.waitUntil(lambda: window.plots_dock.widget().height() >= panel.layout().minimumSize().height())
        _assert_docks_keep_their_room(window, panel, size, banner)


def _assert_docks_keep_their_room(window, panel, size, banner) -> None:
    docks = _visible_docks(window)
    names = sorted(d.objectName() for d in docks)
    assert {"dock.training", "dock.findings", "dock.inspector", "dock.layers"} <= set(names), (size, names)
    for i, a in enumerate(docks):
        assert a.width() >= 200 and a.height() >= 150, f"{a.objectName()} is {a.width()}x{a.height()} at {size}"
        content = a.widget()
        assert content.height() >= content.minimumSizeHint().height() - 1, f"{a.objectName()} content squeezed at {size}"
        for b in docks[i + 1:]:
            assert not a.geometry().intersects(b.geometry()), f"{a.objectName()} overlaps {b.objectName()} at {size}"
    central = window.centralWidget().geometry()
    for d in docks:
        assert not d.geometry().intersects(central), f"{d.objectName()} covers the canvas at {size}"
    for name, plot in panel.plots.items():
        assert plot.isVisible() and plot.height() >= 120, f"the {name} plot is {plot.height()} px high at {size}"
    # the plots sit below the controls and the banner, never under them
    top = panel.banner.geometry().bottom() if banner else panel.progress.geometry().bottom()
    for plot in panel.plots.values():
        assert plot.mapTo(panel, plot.rect().topLeft()).y() > top, f"a plot sits under the controls at {size}"


def _assert_no_overlap(window, size) -> None:
    docks = _visible_docks(window)
    for i, a in enumerate(docks):
        assert a.widget().width() <= a.width(), f"{a.objectName()}'s content is wider than its dock"
        for b in docks[i + 1:]:
            assert not a.geometry().intersects(b.geometry()), f"{a.objectName()} overlaps {b.objectName()} at {size}"


def test_docks_still_fit_after_a_run_fills_the_confusion_matrix(qtbot, window):
    """A filled confusion matrix (tabbed under Findings) once asked for 300 px: the bottom row's
    minimum passed the window's width and the Training dock painted over Findings."""
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    window.reset_layout()
    c = window.controller
    with qtbot.waitSignal(c.runFinished, timeout=60_000):
        assert c.run(epochs=2)
    qtbot.waitUntil(lambda: window.boundary_view.confusion.matrix is not None)
    window.resize(1281, 800)        # any relayout
    qtbot.waitUntil(lambda: window.width() == 1281)
    _assert_no_overlap(window, (1281, 800))
    assert window.findings_dock.width() >= 200


def test_the_banner_takes_one_line_and_unfolds_on_more(qtbot, window):
    window.resize(1280, 800)
    window.show()
    banner = window.training_panel.banner
    banner.show_finding(OVERFITTING, 30)
    qtbot.waitUntil(banner.isVisible)
    line = banner.fontMetrics().height()
    assert banner.sizeHint().height() <= 2.2 * line, "collapsed, the banner is one line"
    assert banner.line.text().startswith("Overfitting since epoch 37")
    assert not banner.text.isVisibleTo(banner)
    banner.more.click()
    assert banner.expanded and banner.text.isVisibleTo(banner) and banner.more.text() == "less"
    assert "Try:" in banner.text.text() and "best val epoch 30" in banner.text.text()
    assert banner.sizeHint().height() > 2.2 * line
    banner.more.click()
    assert not banner.text.isVisibleTo(banner)
