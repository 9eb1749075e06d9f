"""Scrolling never changes the values it passes over, anywhere in the application.

Qt gives a combo box, spin box, slider or dial every wheel event over it, focused or not: one notch
while scrolling the Data panel switched the data set, and one notch over the (unfocused) Deployment
tab switched its source and its window size. The guard makes every such input take the wheel only
once it has the keyboard focus (a click or Tab gives it; the wheel never does): an unfocused wheel
over it scrolls the nearest scroll area instead (the panel it sits in), or does nothing where there
is none. Once clicked (focused), the wheel changes the value as usual.

Every input of the application is guarded, whenever it is built: docks and tabs built on first
paint, dialogs made on demand, forms rebuilt under the mouse. The hook is the style's ``polish``,
which Qt calls once for every widget before it is first shown (a wheel event cannot reach a widget
that was never shown): :func:`install` wraps the application's style in :class:`_GuardingStyle`, a
proxy that only adds that call. Nothing filters the application's events: the guard's event filter
sits on the inputs alone, so paints and hovers of the plots and the canvas never reach Python here.
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (QAbstractScrollArea, QAbstractSpinBox, QApplication, QComboBox, QDial, QProxyStyle,
                               QSlider, QStyleFactory, QWidget)

GUARDED = (QComboBox, QAbstractSpinBox, QSlider, QDial)


def scroll_area_of(widget: QWidget) -> QAbstractScrollArea | None:
    """The nearest scroll area that ``widget`` sits in (its viewport's owner), or None."""
    w = widget.parentWidget()
    while w is not None:
        if isinstance(w, QAbstractScrollArea) and not isinstance(w, GUARDED):
            return w
        w = w.parentWidget()
    return None


class WheelGuard(QObject):
    """The event filter on every input (see the module docstring): an unfocused wheel scrolls the
    panel the input sits in, never the input."""

    def eventFilter(self, obj: QObject, event) -> bool:  # noqa: N802 - Qt's name
        # isinstance on the event (PySide wraps it as its own class) is cheaper than event.type(),
        # which builds a Python enum per call; most events here are paints and hovers
        if not isinstance(event, QWheelEvent) or obj.hasFocus():
            return False
        area = scroll_area_of(obj)
        if area is not None:
            QCoreApplication.sendEvent(area.viewport(), event)  # the panel scrolls
        event.accept()   # ... and the event goes no further (the input would change, or it would scroll twice)
        return True

    def take(self, widget: QWidget) -> None:
        """Guard ``widget`` if it is an input (its own children, a spin box's line edit, pass the wheel
        on to it)."""
        if isinstance(widget, GUARDED):
            widget.installEventFilter(self)  # once: Qt does not install the same filter twice
            if widget.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel must not give focus


class _GuardingStyle(QProxyStyle):
    """The application's style, unchanged, except that every widget it polishes is offered to the guard."""

    def __init__(self, base_name: str, wheel_guard: WheelGuard) -> None:
        base = QStyleFactory.create(base_name)   # a fresh copy the proxy owns: the old one goes with the app
        super().__init__(base) if base is not None else super().__init__()
        self._guard = wheel_guard

    def polish(self, arg):  # one Python override receives every overload (widget, application, palette)
        if isinstance(arg, QWidget):
            self._guard.take(arg)
        return super().polish(arg)


_guard: WheelGuard | None = None


def guard() -> WheelGuard:
    """The one guard (made on first use)."""
    global _guard
    if _guard is None:
        _guard = WheelGuard()
    return _guard


def install(app: QApplication | None = None) -> None:
    """Guard every input of the application, now and whenever one is built (idempotent). Call again
    after anything replaces the application's style (``QApplication.setStyle``)."""
    app = app or QApplication.instance()
    if app is None:
        return
    style = app.style()
    if isinstance(style, _GuardingStyle):
        return
    palette = app.palette()              # setStyle would put back the style's own palette
    app.setStyle(_GuardingStyle(style.name(), guard()))
    app.setPalette(palette)
    for widget in app.allWidgets():      # built before the style was in place (setStyle re-polishes only
        guard().take(widget)             # the widgets already polished)


def watch(panel: QWidget) -> None:
    """Guard every input inside ``panel`` (kept for the panels that call it: :func:`install` guards
    every input of the application, and this installs it)."""
    install()
    guard().take(panel)
    for widget in panel.findChildren(QWidget):
        guard().take(widget)
