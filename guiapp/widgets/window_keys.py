"""The window's shortcuts keep working while a text or spin field of the window has focus.

On X11 a line edit takes Ctrl+E ("end of line", which the End key also does) and Ctrl+A before the
window sees them, so File ▸ Export (Ctrl+E) did nothing while the Inspector's Name field, a spin box or
a Deployment field had focus. :class:`WindowShortcutsFirst` lets such a key through to the window when an enabled action of
the window has it as its shortcut, and the field would only have used it to move the cursor to the
end or start of the line. Every other key (typing, copy, paste, undo, word moves) stays the field's.

:func:`window_shortcuts_first` is the one mechanism for a whole window: each field inside it that takes the
focus gets the filter then, whichever panel or dialog-less dock built it, and however late.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (QAbstractSpinBox, QApplication, QComboBox, QLineEdit, QPlainTextEdit, QTextEdit,
                               QWidget)

#: the fields that bind Ctrl+E/Ctrl+A to a line's end/start
FIELDS = (QLineEdit, QAbstractSpinBox, QComboBox, QTextEdit, QPlainTextEdit)

# what a field would do with the key that a plain key (End, Home) does as well
_LINE_ENDS = (QKeySequence.StandardKey.MoveToEndOfLine, QKeySequence.StandardKey.MoveToStartOfLine)


def window_action_for(widget, event: QKeyEvent) -> QAction | None:
    """The enabled action of ``widget``'s window whose shortcut is this key, if any."""
    seq = QKeySequence(event.keyCombination())
    for action in widget.window().findChildren(QAction):
        if action.isEnabled() and any(s.matches(seq) == QKeySequence.SequenceMatch.ExactMatch
                                      for s in action.shortcuts()):
            return action
    return None


class WindowShortcutsFirst(QObject):
    """An event filter for text fields: see the module doc."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            # with Ctrl only: Home and End themselves stay the field's
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier and any(event.matches(k) for k in _LINE_ENDS) \
                    and window_action_for(watched, event) is not None:
                event.ignore()  # not overridden: the window's shortcut runs
                return True
        return False



def window_shortcuts_first(window: QWidget) -> WindowShortcutsFirst:
    """Give every text or spin field of ``window`` a :class:`WindowShortcutsFirst` filter when it takes the
    focus (cheaper than filtering every event of the application, and it covers fields built later)."""
    keys = WindowShortcutsFirst(window)

    def on_focus(_old: QWidget | None, new: QWidget | None) -> None:
        if isinstance(new, FIELDS) and new.window() is window:
            new.removeEventFilter(keys)   # installed once, however often it takes the focus
            new.installEventFilter(keys)
    app = QApplication.instance()
    app.focusChanged.connect(on_focus)
    window.destroyed.connect(lambda *_: _disconnect(app, on_focus))
    return keys


def _disconnect(app, slot) -> None:
    try:
        app.focusChanged.disconnect(slot)
    except (RuntimeError, TypeError):   # already gone with the application
        pass
