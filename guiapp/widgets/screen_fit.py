"""Windows that fit the screen they open on: never larger than its available geometry (the desktop less
the task bars), frame included, and placed inside it.

A window is sized before the window manager has framed it, so its frame is not known yet:
:data:`FRAME_ALLOWANCE` stands in for a typical title bar and border until then. Call
:func:`fit_to_screen` before the first show (with the size the window would like) and again once it is
shown and framed (the main window does so from its ``showEvent``); restored geometry goes through it
too, since a layout saved on a larger monitor may be restored on a laptop.
"""
from __future__ import annotations

from PySide6.QtCore import QMargins, QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

__all__ = ["FRAME_ALLOWANCE", "available_geometry", "fit_rect", "fit_to_screen"]

#: a window manager's title bar and borders, assumed until the real frame is known
FRAME_ALLOWANCE = QMargins(4, 34, 4, 4)


def available_geometry(widget: QWidget) -> QRect | None:
    """The available geometry of the screen ``widget`` is on (the primary screen before it is shown)."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else None


def fit_rect(want: QSize, at: QRect, free: QRect, frame: QMargins, minimum: QSize) -> QRect:
    """The client rectangle nearest ``at`` of size at most ``want`` whose frame lies inside ``free``
    (a window cannot be smaller than ``minimum``; then it starts at the free area's top left)."""
    room_w = free.width() - frame.left() - frame.right()
    room_h = free.height() - frame.top() - frame.bottom()
    w = max(minimum.width(), min(want.width(), room_w))
    h = max(minimum.height(), min(want.height(), room_h))
    x = min(max(at.x(), free.left() + frame.left()), free.left() + frame.left() + max(0, room_w - w))
    y = min(max(at.y(), free.top() + frame.top()), free.top() + frame.top() + max(0, room_h - h))
    return QRect(x, y, w, h)


def _frame(widget: QWidget) -> QMargins:
    handle = widget.windowHandle()
    if widget.isVisible() and handle is not None:
        margins = handle.frameMargins()
        if not margins.isNull():
            return margins
    return FRAME_ALLOWANCE


def fit_to_screen(widget: QWidget, want: QSize | None = None) -> bool:
    """Resize and move the top-level ``widget`` so that it (at most ``want``, else its current size)
    and its frame fit the available screen geometry. Maximized and full-screen windows are left alone.
    Returns whether the geometry changed."""
    free = available_geometry(widget)
    if free is None or free.isEmpty() or widget.isMaximized() or widget.isFullScreen():
        return False
    size = want if want is not None else widget.size()
    rect = fit_rect(size, widget.geometry(), free, _frame(widget), widget.minimumSizeHint().expandedTo(
        widget.minimumSize()))
    if rect == widget.geometry():
        return False
    widget.setGeometry(rect)
    return True
