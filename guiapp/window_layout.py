"""The main window's dock layout: the default one, the one saved at the last close, and fitting both
to the screen. :class:`DockLayout` does the work; ``MainWindow`` only asks it (at build, on show,
at close and from View ▸ Reset Layout)."""
from __future__ import annotations

from PySide6.QtCore import QByteArray, QSize, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow, QTabBar

from . import settings
from .widgets import screen_fit

STATE_VERSION = 3  # bump when the default dock layout changes: older saved layouts are ignored
PLOTS_HEIGHT = 330  # the training dock under the canvas (the canvas keeps the larger share)
PLOTS_SHARE = 0.37  # ... and in a taller window it grows with it, so the plots get room too


class DockLayout:
    """Keeps ``window``'s layout; made once the window has built its docks (their default state)."""

    def __init__(self, window: QMainWindow):
        self.w = window
        self.default_state = window.saveState(STATE_VERSION)
        self.apply_state(self.default_state)
        self.fit_docks_on_show = False
        self.fitted_size: QSize | None = None

    def restore(self) -> None:
        """Restore the window geometry and dock layout saved at the last close; without a saved
        layout the docks are sized to the window when it is first shown. Either way the window fits
        the screen (a layout saved on a larger monitor may come back on a laptop)."""
        w = self.w
        geometry = settings.value("window/geometry")
        state = settings.value("window/state")
        if isinstance(geometry, QByteArray) and w.restoreGeometry(geometry):
            screen_fit.fit_to_screen(w)
        else:
            self._size_to_screen()
        restored = isinstance(state, QByteArray) and self.apply_state(state)
        self.fit_docks_on_show = not restored
        self.fitted_size = w.size()      # refitted once framed, unless someone sizes it otherwise first

    def _size_to_screen(self) -> None:
        """First start: 90% of a large screen (up to 1800x1150, at least the 1400x900 the plots like),
        but never larger than the screen's free area: on a 1280x800 laptop the whole of it."""
        free = screen_fit.available_geometry(self.w)
        if free is None:
            return
        want = QSize(min(1800, max(1400, int(free.width() * 0.9))), min(1150, max(900, int(free.height() * 0.9))))
        screen_fit.fit_to_screen(self.w, want)

    def fit_docks(self) -> None:
        """Default dock sizes for the window's current size."""
        w = self.w
        h = w.height()
        w.resizeDocks([w.plots_dock], [max(PLOTS_HEIGHT, int(PLOTS_SHARE * h))], Qt.Orientation.Vertical)
        bottom = max(600, w.width() - w.inspector_dock.width())  # the plots keep 70% of the width
        w.resizeDocks([w.plots_dock, w.findings_dock], [int(0.7 * bottom), int(0.3 * bottom)],
                      Qt.Orientation.Horizontal)
        column = max(400, h - 120)
        w.resizeDocks([w.inspector_dock, w.data_dock], [int(0.45 * column), int(0.55 * column)],
                      Qt.Orientation.Vertical)

    def on_show(self) -> None:
        # the window manager frames the window after it is shown: fit again once the real frame is
        # known (offscreen and without a window manager there is none, and nothing to correct)
        for ms in (0, 400):
            QTimer.singleShot(ms, self.w, self._fit_framed)
        if self.fit_docks_on_show:
            self.fit_docks_on_show = False
            self.fit_docks()

    def _fit_framed(self) -> None:
        w = self.w
        handle = w.windowHandle()
        if (w.isVisible() and handle is not None and not handle.frameMargins().isNull()
                and w.size() == self.fitted_size):   # a size asked for (a screenshot) stays
            screen_fit.fit_to_screen(w)
            self.fitted_size = w.size()

    def save(self) -> None:
        settings.set_value("window/geometry", self.w.saveGeometry())
        settings.set_value("window/state", self.w.saveState(STATE_VERSION))

    def reset(self) -> None:
        """Every dock and toolbar back to where it was when the window was built."""
        w = self.w
        for dock in w.findChildren(QDockWidget):
            dock.setFloating(False)
        # the docks made after the default state was taken are not in it: restoreState would leave them
        # side by side in the bottom area for a moment, and the window would grow to hold them all
        # (2,500 px wide at 1280x800) and not shrink back; hidden, they take no room until tabbed
        for dock, _beside in w._late_docks:
            dock.hide()
        self.apply_state(self.default_state)
        for dock, beside in w._late_docks:  # made with the training UI, after the default state was taken
            w.tabifyDockWidget(beside, dock)
            dock.show()
            beside.raise_()
        self.fit_docks()

    def apply_state(self, state: QByteArray) -> bool:
        # Qt 6 leaves a stray copy of a tab bar visible when a second group of tabbed docks is built
        # in a hidden window; restoreState makes fresh bars and shows only those it uses.
        for bar in self.w.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
            bar.hide()
        return self.w.restoreState(state, STATE_VERSION)
