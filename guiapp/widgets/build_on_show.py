"""A placeholder that builds the real panel the first time it is on screen.

A dock tab that most sessions never open (the Deployment tab) need not cost the window's start-up:
it holds a :class:`BuildOnShow` until the tab is first on screen, and ``build`` then puts the real
widget in its place. The trigger is the placeholder's first *paint*, not its show event: a dock
being tabbed in is shown for a moment before the tab that stays in front is raised, and only what is
really on screen gets painted, however it got there (a click on the tab, the View menu, a restored
layout). The build runs from the event loop right after, not inside the paint event, because it
replaces the widget being painted.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QWidget


class BuildOnShow(QLabel):
    """"Loading…" until first painted; then ``build()`` (which must replace this widget) runs once."""

    def __init__(self, build: Callable[[], object], text: str = "Loading…", parent: QWidget | None = None):
        super().__init__(text, parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setEnabled(False)
        self._build: Callable[[], object] | None = build

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        if self._build is not None:
            QTimer.singleShot(0, self._run_build)

    def _run_build(self) -> None:
        build, self._build = self._build, None
        if build is not None:
            build()
