"""The Runs panel: the open project's stored runs (or every project's), filtered and sorted; rename, tag,
delete (with undo), overlay the selected runs on the plots, diff two runs' settings, open a run's
project, continue a run from its weights."""
from __future__ import annotations

import os
import shutil
import uuid
import weakref
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QDialog, QDialogButtonBox, QGridLayout, QHBoxLayout,
                               QHeaderView, QInputDialog, QLabel, QLineEdit, QSizePolicy, QTableView, QTableWidget,
                               QTableWidgetItem, QToolButton, QVBoxLayout, QWidget)

from .model import NAME, STARTED, RunsFilter, RunsModel
from .overlay import OverlayRun, RunOverlay

MAX_OVERLAY = 20
TRASH_FOLDER = "deleted"
#: the "All projects" box, remembered across restarts (off: the open project's runs only)
ALL_PROJECTS_KEY = "runs/all_projects"


def _remove_orphaned_trash(parent: Path) -> None:
    """Remove the trash folders of LossLab processes that are gone (a killed window leaves its own)."""
    from core.runs.store import _alive
    if not parent.is_dir():
        return
    for folder in parent.iterdir():
        pid = folder.name.split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)



def ask_text(parent, title: str, label: str, text: str) -> tuple[str, bool]:
    """``QInputDialog.getText``, wide enough that a window manager does not elide its title
    ("Rena… ssLab") and a long run name shows whole."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setTextValue(text)
    dialog.resize(max(420, dialog.fontMetrics().horizontalAdvance(text) + 80), dialog.sizeHint().height())
    ok = dialog.exec() == QDialog.DialogCode.Accepted
    return dialog.textValue(), ok

class RunsPanel(QWidget):
    """``openProjectRequested(Project)``: the person asked to open a run's project;
    ``continueRequested(Project, state dict, run id)``: to train on from a run's final weights."""

    openProjectRequested = Signal(object)
    continueRequested = Signal(object, object, str)
    runsChanged = Signal()

    def __init__(self, overlay: RunOverlay | None = None, store_dir: str | Path | None = None, parent=None) -> None:
        super().__init__(parent)
        self.store_dir = store_dir
        self.overlay = overlay
        self._store = None
        self._trash_dir: Path | None = None             # made on the first Delete (see ``_trash``)
        self._deleted: list[list[dict]] = []          # undo stack: each entry one Delete (several runs)
        self.model = RunsModel(self)
        self.proxy = RunsFilter(self)
        self.proxy.setSourceModel(self.model)
        self.filter_edit = QLineEdit(placeholderText="Filter: name, data, status, tag…")
        self.filter_edit.setClearButtonEnabled(True)
        self._refiltering = False
        self.filter_edit.textChanged.connect(lambda text: self._change_filter(lambda: self.proxy.set_text(text)))
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(STARTED, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)       # one line a run; a long name keeps its end ("… #3")
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selectionChanged)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        # short: beside "All projects" it sets the dock's narrowest width (the Deployment tab shares the row)
        self.overlay_box = QCheckBox("Draw selected")
        self.overlay_box.setToolTip("Draw the selected runs' curves on the training plots, beside the current run")
        self.overlay_box.setChecked(True)
        self.overlay_box.toggled.connect(lambda _on: self._update_overlay())
        # off by default: a click on another project's run drew, say, an xor curve on the houses plots
        from ..settings import value
        self.all_box = QCheckBox("All projects")
        self.all_box.setToolTip("List the runs of every project, not only the open one's (theirs are greyed, "
                                "and their curves say which project they come from)")
        self.all_box.setChecked(bool(value(ALL_PROJECTS_KEY, False, bool)))
        self.proxy.set_all_projects(self.all_box.isChecked())
        self.all_box.toggled.connect(self._on_all_box_toggled)
        # buttons that wrap onto more rows in a narrow dock: a tool bar folded Continue and Undo Delete
        # into a ">>" menu at 1280 px, where nobody found them
        self.toolbar = WrappingButtons()
        b = self.buttons = {}
        for name, text, slot in (("continue", "Continue", self.continue_selected),
                                 ("undo", "Undo Delete", self.undo_delete), ("delete", "Delete", self.delete_selected),
                                 ("rename", "Rename…", lambda: self.rename()), ("tag", "Tags…", lambda: self.tag()),
                                 ("diff", "Diff", lambda: self.show_diff()),
                                 ("open", "Open Project", self.open_selected), ("refresh", "Refresh", self.refresh)):
            action = QAction(text, self)
            action.triggered.connect(lambda _c=False, f=slot: f())
            self.toolbar.add_action(action)
            b[name] = action
        # the boxes on a row of their own: beside them the filter shrank to "Fi…" in the narrow dock
        boxes = QHBoxLayout()
        boxes.addWidget(self.all_box)
        boxes.addWidget(self.overlay_box)
        boxes.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.filter_edit)
        lay.addLayout(boxes)
        lay.addWidget(self.message)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.toolbar)
        self._update_buttons()

    # -- store -----------------------------------------------------------------------------------
    @property
    def store(self):
        if self._store is None:
            from core.runs import open_store
            self._store = open_store(self.store_dir)
        return self._store

    @property
    def _trash(self) -> Path:
        """Where deleted runs' weight files wait for an Undo: ``<run store>/deleted/<pid>-<id>``, made on
        the first Delete and removed with the panel (or when the process exits); folders left by a
        process that is gone (killed) are removed here too. Never in the temp directory, where every
        window used to leave one."""
        if self._trash_dir is None:
            parent = Path(self.store.dir) / TRASH_FOLDER
            _remove_orphaned_trash(parent)
            self._trash_dir = parent / f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
            remove = weakref.finalize(self, shutil.rmtree, str(self._trash_dir), True)
            self.destroyed.connect(lambda *_: remove())   # the C++ panel may go before the Python one
        return self._trash_dir

    def refresh(self) -> None:
        """Re-read the list (keeps the selection by run id)."""
        from core.runs import StoreError
        chosen = set(self.selected_ids())
        try:
            runs = self.store.list()
        except StoreError as e:
            self.message.setText(f"The run store cannot be used: {e}")
            self.message.show()
            self.model.set_runs([])
            return
        self.message.hide()
        self.model.set_runs(runs)
        self._fit_name_column()
        sel = self.table.selectionModel()
        for row in range(self.proxy.rowCount()):
            idx = self.proxy.index(row, 0)
            if idx.data(Qt.ItemDataRole.UserRole) in chosen:
                sel.select(idx, QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
        self._update_buttons()
        # a model reset clears the selection without selectionChanged: the overlay is redrawn here, so
        # a deleted run leaves the plots and a renamed one is named anew
        self._update_overlay()

    def _fit_name_column(self) -> None:
        """Names as wide as they need, up to 45% of the table: the best val beside them stays in view."""
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Interactive)
        # measured from the names themselves: right after a model reset the view has laid out no rows,
        # and resizeColumnToContents then measured the header alone ("s…3")
        metrics = self.table.fontMetrics()
        names = [str(self.model.index(r, NAME).data() or "") for r in range(self.model.rowCount())]
        icon = self.table.iconSize().width() if self.table.iconSize().width() > 0 else 16
        need = max([metrics.horizontalAdvance(n) + icon + 16 for n in names] +
                   [header.sectionSizeFromContents(NAME).width()])
        header.resizeSection(NAME, need)
        width = self.table.viewport().width()
        room = int(0.45 * width) if self.table.isVisible() and width > 100 else None   # not laid out yet
        if room is not None and header.sectionSize(NAME) > room:
            header.resizeSection(NAME, room)          # longer names elide; the whole in the tooltip

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_name_column()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self._fit_name_column()

    def set_open_project(self, label: str | None) -> None:
        """The open project (:func:`core.runs.records.project_label`): unless "All projects" is on, only
        its runs are listed, and only they are drawn on its plots."""
        if label == self.model.open_project:
            return
        self._change_filter(lambda: self.proxy.set_open_project(label))
        if self.model.runs:        # greyed or not: every row may read differently now
            self.model.dataChanged.emit(self.model.index(0, 0),
                                        self.model.index(len(self.model.runs) - 1, self.model.columnCount() - 1))

    def _on_all_box_toggled(self, on: bool) -> None:
        from ..settings import set_value
        set_value(ALL_PROJECTS_KEY, bool(on))
        self._change_filter(lambda: self.proxy.set_all_projects(on))

    def _change_filter(self, change) -> None:
        # The selection model reports rows leaving while the proxy is mid-change, and reading the proxy
        # then (to redraw the overlay) left it empty: the selection is put back and drawn after.
        chosen = self.selected_ids()
        self._refiltering = True
        try:
            change()
        finally:
            self._refiltering = False
        self.select_ids(chosen)
        self._fit_name_column()
        self._update_buttons()
        self._update_overlay()

    def forget_selection(self) -> None:
        """Select nothing and draw no run (another project was opened: its plots are its own)."""
        self.table.selectionModel().clearSelection()
        self._update_overlay()

    def selected_ids(self) -> list[str]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole) for r in rows]

    def select_ids(self, ids: list[str]) -> None:
        sel = self.table.selectionModel()
        sel.clearSelection()
        for row in range(self.proxy.rowCount()):
            idx = self.proxy.index(row, 0)
            if idx.data(Qt.ItemDataRole.UserRole) in ids:
                sel.select(idx, QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)

    # -- actions ---------------------------------------------------------------------------------
    def rename(self, name: str | None = None) -> None:
        ids = self.selected_ids()
        if len(ids) != 1:
            return
        if name is None:
            current = self.model.display_name(ids[0])    # as the table and the legend name it
            name, ok = ask_text(self, "Rename Run", "Name:", current)
            if not ok:
                return
        if name.strip():
            self.store.rename(ids[0], name.strip())
            self.refresh()
            self.runsChanged.emit()

    def tag(self, tags: list[str] | None = None) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        if tags is None:
            current = self.store.get(ids[0], steps=False).tags
            text, ok = ask_text(self, "Tags", "Tags (comma-separated):", ", ".join(current))
            if not ok:
                return
            tags = [t.strip() for t in text.split(",") if t.strip()]
        for rid in ids:
            self.store.set_tags(rid, tags)
        self.refresh()
        self.runsChanged.emit()

    def delete_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        dumps = []
        for rid in ids:
            dumps.append(self.store.dump(rid))
            self.store.delete(rid, trash=self._trash)
        self._deleted.append(dumps)
        self.refresh()
        self.runsChanged.emit()

    def undo_delete(self) -> None:
        if not self._deleted:
            return
        dumps = self._deleted.pop()
        for d in dumps:
            self.store.restore(d, trash=self._trash)
        self.refresh()
        self.select_ids([d["row"]["id"] for d in dumps])
        self.runsChanged.emit()

    def diff_rows(self) -> list[tuple[str, object, object]]:
        from core.runs.diff import settings_diff
        a, b = (self.store.get(r, steps=False) for r in self.selected_ids()[:2])
        return settings_diff(a.project, b.project, seeds=(a.seed, b.seed))

    def show_diff(self) -> QDialog | None:
        ids = self.selected_ids()
        if len(ids) != 2:
            return None
        dialog = RunDiffDialog(ids, self.diff_rows(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def open_selected(self) -> None:
        ids = self.selected_ids()
        if len(ids) != 1:
            return
        from core.project import Project
        rec = self.store.get(ids[0], steps=False)
        project = Project.from_dict(rec.project, rec.project_dir)
        self.openProjectRequested.emit(project)

    def continue_selected(self) -> None:
        """Hand over the selected run's project and final weights (the window loads both, so Run trains on)."""
        ids = self.selected_ids()
        if len(ids) != 1:
            return
        from core.project import Project, ProjectError
        rec = self.store.get(ids[0], steps=False)
        if "final" not in rec.weights:
            self._say(f"Run {rec.id} kept no final weights, so it cannot be continued: Open Project and Run instead.")
            return
        try:
            project = Project.from_dict(rec.project, rec.project_dir)
            state = self.store.load_weights(rec.id, "final")
        except (ProjectError, OSError, RuntimeError) as e:
            self._say(f"Run {rec.id} cannot be continued: {e}")
            return
        self.message.hide()
        self.continueRequested.emit(project, state, rec.id)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    # -- overlay ---------------------------------------------------------------------------------
    def _update_overlay(self) -> None:
        if self.overlay is None:
            return
        ids = self.selected_ids()[:MAX_OVERLAY] if self.overlay_box.isChecked() else []
        runs = []
        for rid in ids:
            summary = self.model.run(rid)
            foreign = self.model.foreign_project(summary) if summary is not None else ""
            if foreign and not self.all_box.isChecked():
                continue             # never another project's curve on these plots unless asked for
            runs.append(OverlayRun.from_record(self.store.get(rid), self.model.display_name(rid), foreign))
        self.overlay.show(runs)
        self.model.set_colors({r.id: self.overlay.color(i) for i, r in enumerate(self.overlay.runs)})

    def _on_table_selectionChanged(self, *_args) -> None:
        if self._refiltering:
            return
        self._update_buttons()
        self._update_overlay()

    def _update_buttons(self) -> None:
        n = len(self.selected_ids())
        b = self.buttons
        b["rename"].setEnabled(n == 1)
        b["open"].setEnabled(n == 1)
        b["continue"].setEnabled(n == 1)
        b["tag"].setEnabled(n >= 1)
        b["delete"].setEnabled(n >= 1)
        b["diff"].setEnabled(n == 2)
        b["undo"].setEnabled(bool(self._deleted))


class WrappingButtons(QWidget):
    """Tool buttons in as many rows as the width needs (every action stays in sight, none in a menu)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(2)
        self.tool_buttons: list[QToolButton] = []
        self._columns = 0
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def add_action(self, action: QAction) -> None:
        button = QToolButton(self)
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.tool_buttons.append(button)
        self._columns = 0
        self._place(self._columns_for(self.width()) if self.width() > 1 else 2)

    def _columns_for(self, width: int) -> int:
        widest = max((b.sizeHint().width() for b in self.tool_buttons), default=1) + self.grid.spacing()
        return max(1, min(len(self.tool_buttons), width // max(1, widest)))

    def _place(self, columns: int) -> None:
        if columns == self._columns:
            return
        self._columns = columns
        for b in self.tool_buttons:
            self.grid.removeWidget(b)
        for i, b in enumerate(self.tool_buttons):
            self.grid.addWidget(b, i // columns, i % columns)
        # as tall as its rows, never squeezed below (a height-for-width hint was ignored in a dock)
        self.setFixedHeight(self.rows_height(columns))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._place(self._columns_for(self.width()))

    def rows_height(self, columns: int) -> int:
        """The height of the buttons laid out in ``columns`` columns."""
        rows = -(-len(self.tool_buttons) // max(1, columns)) if self.tool_buttons else 0
        row = max((b.sizeHint().height() for b in self.tool_buttons), default=0)
        return rows * row + max(0, rows - 1) * self.grid.spacing()


class RunDiffDialog(QDialog):
    """Two runs' settings side by side: only what differs."""

    def __init__(self, ids: list[str], rows: list[tuple[str, object, object]], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings that differ")
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["setting", ids[0], ids[1]])
        for i, (key, a, b) in enumerate(rows):
            for j, v in enumerate((key, a, b)):
                self.table.setItem(i, j, QTableWidgetItem("-" if v is None else str(v)))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("The same settings in both runs." if not rows else
                             f"{len(rows)} setting{' differs' if len(rows) == 1 else 's differ'}:"))
        lay.addWidget(self.table)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.rejected.connect(self.reject)
        lay.addWidget(box)
        self.resize(720, 360)
