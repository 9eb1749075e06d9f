"""Catalog ``Param`` editors for the settings panels, and committing their changes to the document.

Every field is the graph editor's generic :func:`guiapp.widgets.make_editor` (the inspector uses the
same), so a number, a choice or a list is edited alike everywhere; a refused change shows the
document's reason under the field and the field reverts.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QScrollArea, QToolButton, QVBoxLayout, QWidget

from core.catalog.params import Entry, Param
from core.edit_events import PARTS

from ..widgets import FormGrid, make_editor, wheel_guard

#: ``on_commit(value) -> None`` when accepted, else the reason it was refused
Commit = Callable[[Any], "str | None"]


def param_editor(param: Param, value: Any, on_commit: Commit) -> QWidget:
    """The editor of one ``Param`` (``.set_value(v)`` shows a new value without committing)."""
    return make_editor(param, value, on_commit)


class SettingsPanel(QScrollArea):
    """A scrolling panel that edits one part (``kind``: ``"data"``, ``"training"``, ``"outputs"``) of
    the project through the document: each change is one undo step declaring that part (the document
    names the fields that changed), and a refused one puts the stored value back in the editors."""

    kind: str | tuple[str, ...] = PARTS

    def __init__(self, document, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        wheel_guard.watch(self)  # the wheel over an unfocused input scrolls the panel

    def refresh(self) -> None:
        """Show the document's values (subclasses)."""

    def edit(self, text: str, change: Callable[[Any], None], merge_key: str | None = None) -> str | None:
        """One undo step; None when accepted, else the reason it was refused."""
        reason = commit_edit(self.document, text, change, self.kind, merge_key)
        if reason:
            QTimer.singleShot(0, self.refresh)  # show the stored choice again, outside the combo's signal
        return reason


def commit_edit(document, text: str, change: Callable[[Any], None], kind: str | tuple[str, ...],
                merge_key: str | None = None) -> str | None:
    """``document.edit`` (declaring the part(s) ``kind``) returning None when accepted, else the reason
    it was refused."""
    reasons: list[str] = []

    def note(reason: str) -> None:
        reasons.append(reason)
    document.editRefused.connect(note)
    try:
        ok = document.edit(text, change, kind, merge_key)
    finally:
        document.editRefused.disconnect(note)
    return None if ok else (reasons[-1] if reasons else "the change was refused")


def show_value(editor: QWidget, value: Any) -> None:
    """Show ``value`` in an editor from :func:`param_editor` unless it already does."""
    if editor.value() != value or type(editor.value()) is not type(value):
        editor.set_value(value)


class ParamForm(QWidget):
    """The editors of an :class:`Entry`'s params (advanced ones behind a toggle).

    Showing the same entry again updates the editors in place; another entry rebuilds the form.
    ``on_commit(name, value)`` returns None or the reason a change was refused."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._entry: str | None = None
        self._editors: dict[str, QWidget] = {}
        self._on_commit: Callable[[str, Any], str | None] | None = None
        self._show_advanced = False
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._body: QWidget | None = None

    def show_entry(self, entry: Entry | None, params: dict[str, Any],
                   on_commit: Callable[[str, Any], str | None]) -> None:
        """Show ``entry``'s params with the stored ``params`` (defaults filled in)."""
        self._on_commit = on_commit
        values = {**entry.defaults(), **params} if entry is not None else {}
        name = entry.name if entry is not None else ""
        if name == self._entry and self._body is not None:
            for key, editor in self._editors.items():
                show_value(editor, values.get(key))
            return
        self._entry = name
        if self._body is not None:
            self._body.setParent(None)
            self._body.deleteLater()
        self._editors = {}
        self._body = self._build(entry, values)
        self._layout.addWidget(self._body)

    def editor(self, name: str) -> QWidget | None:
        """The editor of param ``name``."""
        return self._editors.get(name)

    def _build(self, entry: Entry | None, values: dict[str, Any]) -> QWidget:
        body = QWidget(self)
        form = FormGrid(body)
        form.setContentsMargins(0, 0, 0, 0)
        if entry is None or not entry.params:
            if entry is not None:
                note = QLabel("no parameters")
                note.setEnabled(False)
                form.addRow(note)
            return body
        rows = []
        for p in entry.params:
            w = param_editor(p, values.get(p.name), lambda v, name=p.name: self._commit(name, v))
            w.setObjectName(f"param:{p.name}")
            self._editors[p.name] = w
            label = QLabel(p.name.replace("_", " "))
            label.setToolTip(p.help)
            form.addRow(label, w)
            rows.append((p, w))
        if any(p.advanced for p in entry.params):
            self._add_advanced_toggle(form, rows)
        return body

    def _add_advanced_toggle(self, form: FormGrid, rows: list) -> None:
        toggle = QToolButton()
        toggle.setText(f"Advanced ({sum(p.advanced for p, _ in rows)})")
        toggle.setCheckable(True)
        toggle.setChecked(self._show_advanced)
        toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toggle.setAutoRaise(True)
        form.addRow(toggle)

        def show(on: bool) -> None:
            self._show_advanced = on
            toggle.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
            for p, w in rows:
                if p.advanced:
                    form.setRowVisible(w, on)
        toggle.toggled.connect(show)
        show(self._show_advanced)

    def _commit(self, name: str, value: Any) -> str | None:
        return self._on_commit(name, value) if self._on_commit is not None else None
