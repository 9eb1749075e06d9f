"""The Data panel's column picker: each column of a CSV with its detected kind and its role.

A click on a role makes a column the target, a feature, or leaves it out; no JSON to edit. The
kinds come from the loaded table (numeric, categorical, text id, constant, empty).
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QHeaderView, QTableWidget, QTableWidgetItem

from ..widgets import wheel_guard

ROLES = ("feature", "target", "not used")
KIND_TIPS = {
    "numeric": "numbers: one input",
    "categorical": "a few distinct texts: one input per category (one-hot)",
    "text id": "nearly every row differs: an identifier or free text, left out by default",
    "constant": "the same value in every row: no information",
    "empty": "no values at all",
}


class ColumnPicker(QTableWidget):
    """Rows: column name, kind, role. ``on_roles(targets, features)`` is called after a role change."""

    def __init__(self, on_roles: Callable[[list[str], list[str]], None], parent=None,
                 on_kind: Callable[[str, str], None] | None = None):
        super().__init__(0, 3, parent)
        self.setObjectName("data.columns")
        self.on_roles = on_roles
        self.on_kind = on_kind or (lambda _name, _kind: None)
        self.setHorizontalHeaderLabels(["column", "kind", "role"])
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        h = self.horizontalHeader()
        # names whole (a name cut to "malic_..." says nothing) and the dropdowns (kind, role) as wide as
        # they need: a long name once squeezed the role column until its dropdown read "feat"; a table
        # wider than the dock scrolls sideways instead
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        for col in (1, 2):
            h.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
        h.setStretchLastSection(False)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setMinimumHeight(120)
        self._names: list[str] = []
        wheel_guard.watch(self)  # the wheel over an unfocused kind or role scrolls, never picks

    def show_columns(self, kinds: dict[str, str], targets: list[str], features: list[str],
                     numbers: set[str] = frozenset(), as_categories: set[str] = frozenset()) -> None:
        """``kinds``: detected kind per column; ``numbers``: columns of numbers (their kind can be switched
        to categorical); ``as_categories``: those the project one-hots.

        The rows are rebuilt from scratch: a row patched in place kept the previous table's kind
        dropdown (a cell widget survives ``setItem``), which then edited a column of that table. Unless
        they already show exactly this (every name, kind and role, dropdowns included): a rebuild costs
        30-70 ms of the GUI thread, and File ▸ Open or Runs ▸ Continue asked for the same rows twice."""
        wanted = {name: ("target" if name in targets else "feature" if name in features else "not used",
                         kind, name in numbers and name not in targets,
                         "categorical" if name in as_categories else kind) for name, kind in kinds.items()}
        if self._shows(wanted):
            return
        self._names = list(kinds)
        self.setRowCount(0)                 # drops every row and its dropdowns
        self.setRowCount(len(kinds))
        for i, (name, kind) in enumerate(kinds.items()):
            item = QTableWidgetItem(name)
            item.setToolTip(name)
            self.setItem(i, 0, item)
            k = QTableWidgetItem(kind)
            k.setToolTip(KIND_TIPS.get(kind, ""))
            self.setItem(i, 1, k)
            if name in numbers and name not in targets:
                # whole numbers that are really codes (a zip code, a product id) can be categories
                box = QComboBox()
                box.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
                box.addItems([kind, "categorical"])
                box.setCurrentText("categorical" if name in as_categories else box.itemText(0))
                box.setObjectName(f"kind.{name}")
                box.setToolTip(KIND_TIPS["categorical"] + " (pick it for numbers that are codes)")
                box.activated.connect(lambda _i, name=name, box=box: self.on_kind(name, box.currentText()))
                self.setCellWidget(i, 1, box)
            combo = QComboBox()
            combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            combo.addItems(ROLES)
            combo.setCurrentText("target" if name in targets else "feature" if name in features else "not used")
            combo.setObjectName(f"role.{name}")
            combo.activated.connect(lambda _i, name=name: self._on_role_activated(name))
            self.setCellWidget(i, 2, combo)
        self.setFixedHeight(min(320, 30 + 30 * len(kinds)))
        self._fit_dropdown_columns()

    def _shows(self, wanted: dict) -> bool:
        """Whether the rows show ``wanted`` (name -> role, kind, kind dropdown or not, its choice) now."""
        if list(wanted) != self._names or self.rowCount() != len(wanted):
            return False
        for row, (name, (role, kind, has_box, choice)) in enumerate(wanted.items()):
            name_item, kind_item = self.item(row, 0), self.item(row, 1)
            combo, box = self.cellWidget(row, 2), self.cellWidget(row, 1)
            if (name_item is None or name_item.text() != name or kind_item is None or kind_item.text() != kind
                    or combo is None or combo.currentText() != role or (box is not None) != has_box
                    or (box is not None and (box.currentText() != choice or box.itemText(0) != kind))):
                return False
        return True

    def _fit_dropdown_columns(self) -> None:
        """Kind and role columns as wide as their widest dropdown or text (plus the cell's margin)."""
        h = self.horizontalHeader()
        for col in (1, 2):
            need = h.sectionSizeFromContents(col).width()
            for row in range(self.rowCount()):
                widget = self.cellWidget(row, col)
                item = self.item(row, col)
                if widget is not None:
                    need = max(need, widget.sizeHint().width())
                elif item is not None:
                    need = max(need, self.fontMetrics().horizontalAdvance(item.text()) + 12)
            h.resizeSection(col, need + 4)

    def role(self, name: str) -> str:
        return self.cellWidget(self._names.index(name), 2).currentText()

    def set_role(self, name: str, role: str) -> None:
        """As a click on the role of ``name`` does."""
        combo = self.cellWidget(self._names.index(name), 2)
        combo.setCurrentText(role)
        self._on_role_activated(name)

    def _on_role_activated(self, _name: str) -> None:
        roles = {n: self.role(n) for n in self._names}
        self.on_roles([n for n, r in roles.items() if r == "target"], [n for n, r in roles.items() if r == "feature"])


_FILE_COLUMNS: dict[tuple, tuple | None] = {}   # (file, size, mtime) -> header_columns(...) or None


def columns_of_file(spec, base_dir) -> tuple[dict[str, str], list[str], list[str], set[str], set[str]] | None:
    """``show_columns``' arguments for the CSV of data ``spec`` read from the file itself (a sample of its
    rows: milliseconds), for when the table cannot be prepared; None when it is no readable CSV. The
    roles are the project's (the last column the target by default, the features it names or every
    column the loader would take)."""
    if spec.source != "csv" or not spec.path:
        return None
    from core.data import DataError
    from core.data.csv_sample import header_columns
    from core.data.loader import data_file_path
    try:
        file = data_file_path(spec.path, base_dir)
        st = file.stat()
        key = (str(file), st.st_size, st.st_mtime_ns)
        if key not in _FILE_COLUMNS:
            _FILE_COLUMNS.clear()           # only the latest file: a panel shows one table
            try:
                _FILE_COLUMNS[key] = header_columns(file)
            except (DataError, ValueError, OSError):
                _FILE_COLUMNS[key] = None
        found = _FILE_COLUMNS[key]
    except (DataError, ValueError, OSError):
        return None
    if found is None:
        return None
    kinds, numbers = found
    targets = [t for t in ([spec.target] if isinstance(spec.target, str) else spec.target or []) if t in kinds]
    targets = targets or list(kinds)[-1:]
    features = [f for f in spec.features if f in kinds] if spec.features else [
        n for n, k in kinds.items() if n not in targets and k not in ("text id", "empty")]
    categorical = set(getattr(spec, "categories", None) or {})
    return kinds, targets, features, numbers, categorical & numbers
