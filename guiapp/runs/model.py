"""The runs table: one row per stored run, sortable and filterable through a proxy."""
from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QFont

from core.runs.records import project_label

#: the key columns first: in the narrow Runs tab (about 260 px at 1280x800) the name and the best
#: validation loss show without scrolling; the rest follow
COLUMNS = ("name", "best val", "@ epoch", "status", "metric", "epochs", "time (s)", "started", "data", "tags",
           "project")
NAME, BEST_VAL, STARTED, SECONDS, TAGS, PROJECT = (COLUMNS.index(c) for c in
                                                   ("name", "best val", "started", "time (s)", "tags", "project"))


def run_project(r) -> str:
    """The project a stored run belongs to (its name, or its data's for a run of an untitled project)."""
    return project_label(r.project_name, r.dataset)


def _cell(r, col: int) -> Any:
    return (r.name, r.best_val_loss, r.best_epoch, r.status, r.metric_value, r.epochs, r.seconds, r.started,
            r.dataset, ", ".join(r.tags), run_project(r))[col]


def shown_names(runs: list) -> dict[str, str]:
    """Run id -> its name, numbered by start among runs of the same name ("wine #1", "wine #2"): every
    Run of a project is named after it, and three rows reading "wine" could not be told apart."""
    groups: dict[str, list] = {}
    for r in runs:
        groups.setdefault(r.name, []).append(r)
    shown = {}
    for name, group in groups.items():
        if len(group) == 1:
            shown[group[0].id] = name
            continue
        for i, r in enumerate(sorted(group, key=lambda r: (r.started or 0.0, r.id)), start=1):
            shown[r.id] = f"{name} #{i}"
    return shown


class RunsModel(QAbstractTableModel):
    """Rows are :class:`core.runs.RunSummary`; ``Qt.UserRole`` gives the run id, sorting uses raw values."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.runs: list = []
        self._names: dict[str, str] = {}
        self._shown: dict[str, str] = {}         # run id -> its name as shown (numbered among namesakes)
        self.colors: dict[str, str] = {}       # run id -> its overlay colour, for the runs drawn
        #: the open project's label (:func:`run_project`); None: no project, no run is another's
        self.open_project: str | None = None

    def foreign_project(self, r) -> str:
        """The project of run ``r`` when it is not the open one, else ""."""
        project = run_project(r)
        return project if self.open_project is not None and project != self.open_project else ""

    def run(self, run_id: str):
        return next((r for r in self.runs if r.id == run_id), None)

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
        self._shown = shown_names(self.runs)
        self.endResetModel()

    def display_name(self, run_id: str) -> str:
        """The run's one name in the window (``wine #3``): the table, the plots' legend, Rename's
        prefill and a continued run's tooltip all use it, so they never disagree."""
        return self._shown.get(run_id, self._names.get(run_id, run_id))

    def _parent_text(self, r) -> str:
        parent = getattr(r, "parent", None)
        if not parent:
            return ""
        return self.display_name(parent) if parent in self._names else f"a deleted run ({parent})"

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
        if index.column() == NAME and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.UserRole + 1):
            v = self._shown.get(r.id, v)
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == 0 and getattr(r, "parent", None):
                return f"↳ {v}"                        # a continued run (the tooltip names the run it continued)
            if index.column() == STARTED:              # seconds: runs a minute apart are told apart
                return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(v))
            if isinstance(v, float):
                return f"{v:.1f}" if index.column() == SECONDS else f"{v:.4f}"
            return "-" if v is None else str(v)
        if role == Qt.ItemDataRole.DecorationRole and index.column() == 0 and r.id in self.colors:
            return QColor(self.colors[r.id])               # the colour of its curves on the plots
        if role == Qt.ItemDataRole.UserRole:
            return r.id
        foreign = self.foreign_project(r)
        if foreign and role == Qt.ItemDataRole.ForegroundRole:
            return QColor("#8a8a8a")                 # another project's run: shown (All projects), not ours
        if foreign and role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.UserRole + 1:      # the sort key
            return (v if v is not None else float("inf")) if not isinstance(v, str) else v.lower()
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"run {r.id}" + (f"\nfrom another project: {foreign} (the open project is {self.open_project})"
                                     if foreign else "") + (f"\ncontinues {self._parent_text(r)}" if getattr(r, "parent", None) else "") + (
                f"\n{r.message}" if r.message else "") + (
                f"\nstudy {r.study}: {r.setting}" if r.study else "")
        if role == Qt.ItemDataRole.TextAlignmentRole and NAME < index.column() < STARTED and index.column() != 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class RunsFilter(QSortFilterProxyModel):
    """Case-insensitive filter over name, data, status, tags and project; numeric columns sort as numbers.
    Unless ``all_projects``, only the open project's runs pass (the model's ``open_project``)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSortRole(Qt.ItemDataRole.UserRole + 1)
        self.text = ""
        self.all_projects = True

    def _change(self, change) -> None:
        if hasattr(self, "beginFilterChange"):       # Qt 6.10+
            self.beginFilterChange()
            change()
            self.endFilterChange()
        else:
            change()
            self.invalidateFilter()

    def set_text(self, text: str) -> None:
        self._change(lambda: setattr(self, "text", text.strip().lower()))

    def set_all_projects(self, on: bool) -> None:
        self._change(lambda: setattr(self, "all_projects", bool(on)))

    def set_open_project(self, label: str | None) -> None:
        self._change(lambda: setattr(self.sourceModel(), "open_project", label))

    def filterAcceptsRow(self, row: int, parent) -> bool:  # noqa: N802
        r = self.sourceModel().runs[row]
        if not self.all_projects and self.sourceModel().foreign_project(r):
            return False
        if not self.text:
            return True
        hay = " ".join([r.name, r.dataset, r.status, r.id, *r.tags, r.study or "", run_project(r)]).lower()
        return all(word in hay for word in self.text.split())
