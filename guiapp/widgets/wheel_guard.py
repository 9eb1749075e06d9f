"""Scrolling a panel never changes the values it passes over.

Qt gives a combo box, spin box or slider every wheel event over it, focused or not: one notch while
scrolling the Data panel switched the data set. :func:`install` puts one event filter on the
application: a wheel event over such an input that does not have the keyboard focus scrolls the
nearest scroll area instead (the panel), and the inputs take focus only by click or Tab, never by the
wheel. Once clicked (focused), the wheel changes the value as usual. Inputs outside any scroll area
keep Qt's behaviour.
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSpinBox, QComboBox, QSlider, QWidget

GUARDED = (QComboBox, QAbstractSpinBox, QSlider)


def scroll_area_of(widget: QWidget) -> QAbstractScrollArea | None:
    """The nearest scroll area that ``widget`` sits in (its viewport's owner), or None."""
    w = widget.parentWidget()
    while w is not None:
        if isinstance(w, QAbstractScrollArea) and not isinstance(w, GUARDED):
            return w
        w = w.parentWidget()
    return None


class WheelGuard(QObject):
    """The application-wide filter (see the module docstring)."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        # every event of the application passes here: the type test comes first because it is cheap,
        # and event.type() (a Python enum made per call) only for the few inputs it concerns
        if not isinstance(obj, GUARDED):
            return False
        kind = event.type()
        if kind == QEvent.Type.Polish:
            if obj.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                obj.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel must not give focus
            return False
        if kind != QEvent.Type.Wheel or obj.hasFocus():
            return False
        area = scroll_area_of(obj)
        if area is None:
            return False
        QCoreApplication.sendEvent(area.viewport(), event)  # the panel scrolls
        event.accept()   # ... and the event goes no further (it would scroll twice)
        return True


_guard: WheelGuard | None = None


def install(app: QCoreApplication | None = None) -> WheelGuard:
    """Install the guard on the application once (later calls return the same guard)."""
    global _guard
    app = app or QCoreApplication.instance()
    if _guard is None:
        _guard = WheelGuard()
        app.installEventFilter(_guard)
    return _guard
