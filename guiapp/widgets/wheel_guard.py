"""Scrolling a panel never changes the values it passes over.

Qt gives a combo box, spin box or slider every wheel event over it, focused or not: one notch while
scrolling the Data panel switched the data set. A panel calls :func:`watch` on itself (the settings
panels, the inspector, the column picker do): a wheel event over such an input inside it that does not
have the keyboard focus scrolls the nearest scroll area instead (the panel), and the inputs take focus
only by click or Tab, never by the wheel. Once clicked (focused), the wheel changes the value as usual.
Inputs elsewhere (outside any watched panel, or in a dialog opened over one) keep Qt's behaviour.

The guard is not an application-wide filter (that one saw every event of the app, plots included):
it filters only the watched panels' own widgets. Each one tells it of a new child when Qt polishes the
child (``ChildPolished``: sent to the parent before the child is first shown, and again when an
already polished widget is moved in), so a form rebuilt under the mouse is guarded before it can take
a wheel event; the guard then takes in the child's whole subtree.
"""
from __future__ import annotations

from PySide6.QtCore import QChildEvent, QCoreApplication, QObject, Qt
from PySide6.QtGui import QWheelEvent
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
    """The filter on the watched widgets (see the module docstring): on a container it takes in each
    child Qt polishes; on an input it turns an unfocused wheel into a scroll of the panel."""

    def eventFilter(self, obj: QObject, event) -> bool:  # noqa: N802 - Qt's name
        # isinstance on the event (PySide wraps it as its own class) is cheaper than event.type(),
        # which builds a Python enum per call; most events here are paints and hovers
        if isinstance(event, QChildEvent):
            if event.polished():
                child = event.child()
                if child is not None and child.isWidgetType():
                    self.take(child)
            return False
        if not isinstance(event, QWheelEvent) or not isinstance(obj, GUARDED) or obj.hasFocus():
            return False
        area = scroll_area_of(obj)
        if area is None:
            return False
        QCoreApplication.sendEvent(area.viewport(), event)  # the panel scrolls
        event.accept()   # ... and the event goes no further (it would scroll twice)
        return True

    def take(self, widget: QWidget, root: bool = False) -> None:
        """Guard ``widget`` if it is an input, else watch it and take in its children. A separate
        window (a dialog, a menu, a combo's popup) is not part of the panel, unless it is the ``root``
        being watched (a panel is built before it is put in its dock)."""
        if isinstance(widget, GUARDED):
            widget.installEventFilter(self)  # once: Qt does not install the same filter twice
            if widget.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel must not give focus
            return  # its own children (a spin box's line edit) pass the wheel on to it
        if widget.isWindow() and not root:
            return
        widget.installEventFilter(self)
        for child in widget.children():
            if child.isWidgetType():
                self.take(child)


_guard: WheelGuard | None = None


def guard() -> WheelGuard:
    """The one guard (made on first use)."""
    global _guard
    if _guard is None:
        _guard = WheelGuard()
    return _guard


def watch(panel: QWidget) -> None:
    """Guard every combo box, spin box and slider inside ``panel``, now and whenever added later."""
    guard().take(panel, root=True)
