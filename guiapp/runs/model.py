"""The runs table: one row per stored run, sortable and filterable through a proxy."""
from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor

COLUMNS = ("name", "started", "data", "status", "best val", "@ epoch", "metric", "epochs", "time (s)", "tags")


def _cell(r, col: int) -> Any:
    return (r.name, r.started, r.dataset, r.status, r.best_val_loss, r.best_epoch, r.metric_value, r.epochs,
            r.seconds, ", ".join(r.tags))[col]


class RunsModel(QAbstractTableModel):
    """Rows are :class:`core.runs.RunSummary`; ``Qt.UserRole`` gives the run id, sorting uses raw values."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.runs: list = []
        self._names: dict[str, str] = {}
        self.colors: dict[str, str] = {}       # run id -> its overlay colour, for the runs drawn

    def set_colors(self, colors: dict[str, str]) -> None:
        """Mark the runs drawn on the plots with their curves' colour."""
        if colors != self.colors:
            self.colors = dict(colors)
            if self.runs:
                self.dataChanged.emit(self.index(0, 0), self.index(len(self.runs) - 1, 0),
                                      [Qt.ItemDataRole.DecorationRole])

    def set_runs(self, runs: list) -> None:
        self.beginResetModel()
        self.runs = list(runs)
        self._names = {r.id: r.name for r in self.runs}
        self.endResetModel()

    def _parent_text(self, r) -> str:
        parent = getattr(r, "parent", None)
        return f"{self._names.get(parent, 'a deleted run')} ({parent[:8]})" if parent else ""

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self.runs)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r = self.runs[index.row()]
        v = _cell(r, index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == 0 and getattr(r, "parent", None):
                return f"↳ {v}"                        # a continued run (the tooltip names the run it continued)
            if index.column() == 1:                    # seconds: runs a minute apart are told apart
                return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(v))
            if isinstance(v, float):
                return f"{v:.1f}" if index.column() == 8 else f"{v:.4f}"
            return "-" if v is None else str(v)
        if role == Qt.ItemDataRole.DecorationRole and index.column() == 0 and r.id in self.colors:
            return QColor(self.colors[r.id])               # the colour of its curves on the plots
        if role == Qt.ItemDataRole.UserRole:
            return r.id
        if role == Qt.ItemDataRole.UserRole + 1:      # the sort key
            return (v if v is not None else float("inf")) if not isinstance(v, str) else v.lower()
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"run {r.id}" + (f"\ncontinues {self._parent_text(r)}" if getattr(r, "parent", None) else "") + (
                f"\n{r.message}" if r.message else "") + (
                f"\nstudy {r.study}: {r.setting}" if r.study else "")
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 4 and index.column() != 9:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class RunsFilter(QSortFilterProxyModel):
    """Case-insensitive filter over name, data, status and tags; numeric columns sort as numbers."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSortRole(Qt.ItemDataRole.UserRole + 1)
        self.text = ""

    def set_text(self, text: str) -> None:
        if hasattr(self, "beginFilterChange"):       # Qt 6.10+
            self.beginFilterChange()
            self.text = text.strip().lower()
            self.endFilterChange()
        else:
            self.text = text.strip().lower()
            self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent) -> bool:  # noqa: N802
        if not self.text:
            return True
        r = self.sourceModel().runs[row]
        hay = " ".join([r.name, r.dataset, r.status, r.id, *r.tags, r.study or ""]).lower()
        return all(word in hay for word in self.text.split())
