"""The Data panel: which data set (built-in or a CSV/NPZ file), its parameters, target and task, the
split and normalization, a preview, and the loading error when there is one.

``core.data`` imports torch, so the panel builds its controls when the document first reports data
(after the window is shown), never at construction time of a deferred document.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QStandardItemModel
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget)

from core.catalog.params import Param
from core.project import TASKS, Project

from .. import files, settings, theme, turns
from ..widgets import FormGrid
from .follow_data import HeadsFollowData
from .params import ParamForm, SettingsPanel, param_editor, show_value
from .column_picker import columns_of_file
from .window_words import in_window_words

FILE_KINDS = {"csv": "CSV file…", "npz": "NPZ file…", "images": "Image folder…"}
FIELDS = {
    "task": Param("task", "choice", "auto", choices=TASKS,
                  help="auto: whole numbers with few values are classes, other numbers are regression."),
    "val_fraction": Param("val_fraction", "float", 0.2, min=0.0, max=0.9,
                          help="Share of the samples held out to measure the validation loss."),
    "test_fraction": Param("test_fraction", "float", 0.0, min=0.0, max=0.9,
                           help="Share held out for a final test, never seen during training."),
    "seed": Param("seed", "int", 0, min=0, max=2**31 - 1,
                  help="Shuffles the split (the data set's own seed draws the data)."),
    "normalize": Param("normalize", "bool", True, help="Scale every input to mean 0 and standard deviation 1 "
                                                       "(fitted on the training split)."),
    "missing": Param("missing", "choice", "mean", choices=("mean", "most_frequent", "drop"),
                     help="Empty or NA cells of a CSV: fill with the training split's mean (most frequent "
                          "category for text), with the most frequent value, or drop those rows."),
}


def choose_data_file(parent: QWidget | None, kind: str, start_dir: str = "") -> str | None:
    """Ask for a CSV or NPZ file (monkeypatched in tests)."""
    pattern = "CSV files (*.csv *.tsv *.txt)" if kind == "csv" else "NumPy archives (*.npz)"
    path, _ = QFileDialog.getOpenFileName(parent, f"Open {kind.upper()} data", start_dir, f"{pattern};;All files (*)")
    return path or None


class DataPanel(SettingsPanel):
    """Edits ``project.data`` through the document; one undo step per change."""

    kind = "data"

    def __init__(self, document, parent: QWidget | None = None):
        super().__init__(document, parent)
        self._built = False
        self._placeholder = QLabel("Loading the data…")
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWidget(self._placeholder)
        document.dataChanged.connect(self._on_document_dataChanged)
        document.datasetChanged.connect(self._on_document_datasetChanged)
        # a file that cannot be read ends the placeholder too (the panel says why)
        document.dataErrorChanged.connect(
            lambda _m: None if self._built else document.show_in_turn(self._show_data, self))
        self.heads = HeadsFollowData(document, self)   # the output heads follow newly chosen data
        self.heads.headsFollowed.connect(self._say)
        if document.data_loaded:
            self._build()

    def shutdown(self) -> None:
        """Cancel a running CSV load and wait for its thread (window close)."""
        if self._built:
            self.load_row.shutdown()
            self.augment.shutdown()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self._built:    # a panel closed on its own (tests): the preview's draw ends with it
            self.augment.shutdown()
        super().closeEvent(event)

    # -- building ----------------------------------------------------------------------------------
    def _build(self, fill: bool = True) -> None:
        self._built = True
        body = QWidget()
        outer = QVBoxLayout(body)
        form = FormGrid()
        outer.addLayout(form)
        outer.addStretch(1)
        self._build_source(form)
        self._build_file_row(form)
        self._build_messages(form)
        self._build_columns(form)
        self._build_fields(form)
        from .augment_section import AugmentSection
        self.augment = AugmentSection(self.document, self.edit)   # data.augment and its preview strip
        form.addRow(self.augment)
        self.setWidget(body)
        if fill:
            self.refresh()

    def _build_source(self, form: FormGrid) -> None:
        """The Data set box (built-in sets by category, then "your own file") and its description."""
        from core.data import DATASETS
        self.source = QComboBox()
        self.source.setObjectName("data.source")
        model = QStandardItemModel(self.source)
        self.source.setModel(model)
        bold = QFont()
        bold.setBold(True)
        for category, entries in DATASETS.by_category().items():
            _add_header(self.source, category, bold)
            for e in entries:
                self.source.addItem(theme.icon("data"), e.name, e.name)
                self.source.setItemData(self.source.count() - 1, e.doc, Qt.ItemDataRole.ToolTipRole)
        _add_header(self.source, "your own file", bold)
        for kind, text in FILE_KINDS.items():
            self.source.addItem(theme.icon("browse"), text, kind)
        self.source.activated.connect(self._on_source_activated)
        form.addRow("Data set", self.source)
        self.doc = QLabel()
        self.doc.setWordWrap(True)
        self.doc.setStyleSheet(f"color: {theme.accent('muted')}")
        form.addRow(self.doc)

    def _build_file_row(self, form: FormGrid) -> None:
        """The file in use and Browse… (for a CSV or NPZ source)."""
        self.file_row = QWidget()
        row = QHBoxLayout(self.file_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.path = QLineEdit()
        self.path.setReadOnly(True)
        self.path.setObjectName("data.path")
        browse = QPushButton(theme.icon("browse"), "Browse…")
        browse.clicked.connect(self._on_browse_clicked)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form.addRow("File", self.file_row)
        self._file_label = form.labelForField(self.file_row)

    def _build_messages(self, form: FormGrid) -> None:
        """The loading error, the one-line summary, the preview and a built-in set's parameters."""
        self.error = QLabel()
        self.error.setObjectName("data.error")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.setStyleSheet(f"color: {theme.accent('error')}")
        form.addRow(self.error)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        form.addRow(self.summary)
        from .data_preview import DataPreview
        self.preview = DataPreview()
        form.addRow(self.preview)
        self.params = ParamForm()
        form.addRow(self.params)
        from .image_source import ImageSourceView
        self.images = ImageSourceView()  # an image folder: what the settings above make of it
        form.addRow(self.images)

    def _build_columns(self, form: FormGrid) -> None:
        """Target, the column picker (a table's roles and kinds), its notes and the load progress."""
        self.target = QComboBox()
        self.target.setObjectName("data.target")
        self.target.activated.connect(self._on_target_activated)
        self.target.setEditable(False)
        form.addRow("Target", self.target)
        from .column_picker import ColumnPicker
        from .csv_load import CsvLoadRow
        self.columns = ColumnPicker(self._on_columns_changed, on_kind=self._on_column_kind_changed)
        # the title on a row of its own: the picker gets the dock's whole width for names and dropdowns
        self._columns_label = QLabel("Columns: each one's kind and role")
        form.addRow(self._columns_label)
        form.addRow(self.columns)
        self.table_notes = QLabel()
        self.table_notes.setObjectName("data.notes")
        self.table_notes.setWordWrap(True)
        form.addRow(self.table_notes)
        self.load_row = CsvLoadRow(self)
        form.addRow(self.load_row)

    def _build_fields(self, form: FormGrid) -> None:
        """Task, missing values, the split and normalization."""
        self.fields: dict[str, QWidget] = {}
        for key, label in (("task", "Task"), ("missing", "Missing values"), ("val_fraction", "Validation"),
                           ("test_fraction", "Test"), ("seed", "Split seed"), ("normalize", "Normalize")):
            w = param_editor(FIELDS[key], getattr(self.document.project.data, key),
                             lambda v, key=key: self._set(key, v))
            w.setObjectName(f"data.{key}")
            self.fields[key] = w
            form.addRow(label, w)

    def _name_file_items(self, d) -> None:
        """The Data set box shows the file in use ("CSV: wine.csv"), not the "CSV file…" that asks for one."""
        for kind, text in FILE_KINDS.items():
            i = self.source.findData(kind)
            if i >= 0:
                shown = f"{kind.upper()}: {Path(d.path).name}" if d.source == kind and d.path else text
                self.source.setItemText(i, shown)
                self.source.setItemData(i, "Choose another file…" if shown != text else "", Qt.ItemDataRole.ToolTipRole)

    # -- showing the document --------------------------------------------------------------------
    def refresh(self) -> None:
        """Show the document's data spec, dataset and error."""
        if not self._built:
            return
        from core.data import DATASETS
        d = self.document.project.data
        ds = self.document.dataset
        builtin = d.source in DATASETS
        entry = DATASETS.get(d.source) if builtin else None
        from core.data.registry import params_entry
        settings_entry = params_entry(d.source)  # a built-in set's parameters, or an image folder's
        self._name_file_items(d)
        _select(self.source, d.source)
        self.doc.setText(_prose(entry.doc) if entry else (
            "A CSV with a header row and one row per sample: numbers and categories. Pick each column's role "
            "below (the target is the last column unless you pick another)." if d.source == "csv" else "An .npz archive with arrays x (inputs) and y (targets)."))
        if d.source == "images":
            self.doc.setText(_prose(settings_entry.doc))
        self.params.setVisible(settings_entry is not None)
        self.params.show_entry(settings_entry, d.params if settings_entry else {}, self._on_params_committed)
        self.file_row.setVisible(not builtin)
        if self._file_label is not None:
            self._file_label.setVisible(not builtin)
        self.path.setText(d.path or "")
        self._fill_targets(entry, ds)
        for key, editor in self.fields.items():
            show_value(editor, getattr(d, key))
        self.error.setText(in_window_words(self.document.data_error))
        self.error.setVisible(bool(self.document.data_error))
        self.summary.setText(ds.summary() if ds is not None else "")
        self.preview.show_dataset(None if d.source == "images" else ds)
        self.preview.setVisible(d.source != "images")
        self.images.show_dataset(ds if d.source == "images" else None)
        self._show_columns(d, ds)
        self.augment.refresh()

    def _show_columns(self, d, ds) -> None:
        report = getattr(ds, "table_report", None) if d.source == "csv" else None
        # a table that reads but cannot be prepared (a text cell in a column of numbers) keeps its picker,
        # from the file's header: changing the column's kind or role there is the fix the message offers.
        # Only then: while a big table loads in the background, reading its sample here would hold the
        # GUI thread (70 ms for 300,000 rows); the picker comes with the data.
        failed = ds is None and bool(self.document.data_error)
        header = columns_of_file(d, self.document.project.base_dir) if report is None and failed else None
        self.columns.setVisible(report is not None or header is not None)
        if self._columns_label is not None:
            self._columns_label.setVisible(report is not None or header is not None)
        self.fields["missing"].setVisible(d.source == "csv")
        if report is None:
            self.table_notes.setVisible(False)
            if header is not None:
                self.columns.show_columns(*header)
            return
        targets = list(ds.targets)
        features = [c.name for c in ds.encoding.inputs]
        numbers = {n for n in report.kinds if n not in report.text_columns}
        self.columns.show_columns(report.kinds, targets, features, numbers, set(report.one_hot) & numbers)
        notes = many_categories_notes(ds.encoding.inputs, numbers) + list(report.notes())
        self.table_notes.setText("\n".join(notes))
        self.table_notes.setVisible(bool(notes))

    def _fill_targets(self, entry, ds) -> None:
        d = self.document.project.data
        names: list[str] = list(entry.default_targets) if entry is not None else []
        if entry is None and ds is not None:
            # a table's own columns (``city``), never the model's inputs (``city=Lyon``, one-hot parts)
            report = getattr(ds, "table_report", None)
            columns = ([c for c, k in report.kinds.items() if k in ("numeric", "categorical")]
                       if report is not None else list(ds.feature_names))
            names = list(ds.targets) + [c for c in columns if c not in ds.targets]
        current = ", ".join(d.target) if isinstance(d.target, list) else d.target
        self.target.blockSignals(True)
        self.target.clear()
        if entry is not None and len(names) == 1:
            self.target.addItem(names[0], None)  # the set's only target: nothing to choose
            names = []
        else:
            default = ("all: " + " + ".join(names)) if entry is not None else (
                "last column" if d.source == "csv" else "y")
            self.target.addItem(f"({default})", None)
        for n in names:
            self.target.addItem(n, n)
        if current is not None and self.target.findData(current) < 0:
            self.target.addItem(current, current)
        self.target.setCurrentIndex(max(0, self.target.findData(current)) if current is not None else 0)
        self.target.blockSignals(False)

    # -- editing -----------------------------------------------------------------------------------
    def _set(self, key: str, value: Any) -> str | None:
        text = f"Set data {key.replace('_', ' ')}"
        if self.document.project.data.source in ("csv", "images"):  # read off the GUI thread
            self.load_row.start(text, lambda p: setattr(p.data, key, value))
            return None
        return self.edit(text, lambda p: setattr(p.data, key, value), f"data.{key}")

    def _on_column_kind_changed(self, name: str, kind: str) -> None:
        def change(p: Project) -> None:
            cats = dict(p.data.categories)
            if kind == "categorical":
                cats[name] = []  # the load takes the categories from the training file
            else:
                cats.pop(name, None)
            p.data.categories = cats
        self.load_row.start(f"Treat {name} as {kind}", change)

    def _on_columns_changed(self, targets: list[str], features: list[str]) -> None:
        if not targets:
            self.document.editRefused.emit("Pick a target column: the model needs something to predict")
            return self.refresh()
        if not features:
            self.document.editRefused.emit("Pick at least one feature column")
            return self.refresh()
        def change(p: Project) -> None:
            p.data.target = targets[0] if len(targets) == 1 else list(targets)
            p.data.features = list(features)
            p.data.categories = {}  # the load stores the categories of the new inputs
        self.load_row.start("Choose the columns", change)

    def _on_params_committed(self, name: str, value: Any) -> str | None:
        def change(p: Project) -> None:
            p.data.params[name] = value
        if self.document.project.data.source == "images":  # decoded off the GUI thread; other pixels, new stats
            def change_images(p: Project) -> None:
                change(p)
                if name not in ("mean", "std"):
                    p.data.params = {k: v for k, v in p.data.params.items() if k not in ("mean", "std")}
            self.load_row.start(f"Set image {name}", change_images)
            return None
        return self.edit(f"Set data {name}", change, f"data.params.{name}")

    def _on_source_activated(self, index: int) -> None:
        source = self.source.itemData(index)
        d = self.document.project.data
        if source is None or source == d.source:
            return self.refresh()
        if source in FILE_KINDS:
            return self._choose_file(source)

        def change(p: Project) -> None:
            p.data.source, p.data.params, p.data.path, p.data.task = source, {}, None, "auto"
            p.data.target = p.data.features = None  # a built-in set knows its targets and their tasks
            p.data.categories = {}
        self.heads.expect_new_data()
        if not self.edit(f"Use the {source} data", change):
            self.heads.disarm()

    def _on_browse_clicked(self) -> None:
        self._choose_file(self.document.project.data.source)

    def _choose_file(self, kind: str) -> None:
        doc = self.document
        if kind == "images":
            from .image_source import choose_image_folder
            chosen = choose_image_folder(self, data_start_folder(self.document))
        else:
            chosen = choose_data_file(self, kind, data_start_folder(self.document))
        if chosen is None:
            return self.refresh()
        settings.remember_folder(chosen)
        stored = files.relative_data_path(chosen, doc.path)
        keep_target = doc.project.data.source == kind
        params = {k: v for k, v in doc.project.data.params.items() if k not in ("mean", "std")} if keep_target else {}

        def change(p: Project) -> None:
            p.data.source, p.data.params, p.data.path = kind, params, stored
            if not keep_target:
                p.data.target = p.data.features = None
                p.data.task = "auto"
            p.data.categories = {}
        self.heads.expect_new_data()
        if kind in ("csv", "images"):
            self.load_row.start(f"Load {Path(chosen).name}", change)
        else:
            self.edit(f"Load {Path(chosen).name}", change)

    def _say(self, text: str) -> None:
        """A message for the window's status bar (kept 20 s: it says what changed by itself)."""
        window = self.window()
        bar = window.statusBar() if hasattr(window, "statusBar") else None
        if bar is not None:
            bar.showMessage(text, 20_000)
        self.last_message = text

    def _on_target_activated(self, index: int) -> None:
        value = self.target.itemData(index)
        if isinstance(value, str) and "," in value:
            value = [v.strip() for v in value.split(",") if v.strip()]
        self._set("target", value)

    # -- document signals --------------------------------------------------------------------------
    def _on_document_dataChanged(self, _fields: list) -> None:
        self.document.show_in_turn(self._show_data, self)

    def _on_document_datasetChanged(self, _dataset: object) -> None:
        from ..document import big_data_file
        # later changes arrive with dataChanged; a big table or an image folder arrives from its task alone
        if not self._built or big_data_file(self.document.project) is not None:
            self.document.show_in_turn(self._show_data, self)

    def _show_data(self) -> None:
        """The panel built on the first data (the placeholder until then) and filled in the next turn
        (together they held the GUI thread ~50 ms), or refreshed."""
        if self._built:
            self.refresh()
        else:
            self._build(fill=False)
            turns.later(self.refresh, owner=self)


#: a categorical column with more distinct values than this is worth a word: each becomes an input
MANY_CATEGORIES = 30


def data_start_folder(doc) -> str:
    """Where the file dialog starts: the current data file's folder, else the project's, else the
    folder last used in a dialog, else the documents folder (never simply the home folder)."""
    current = doc.project.data.path
    if current:
        path = Path(current) if Path(current).is_absolute() else Path(doc.project.base_dir or ".") / current
        if path.parent.is_dir():
            return str(path.parent)
    return str(files.project_start_folder(doc.path))


def many_categories_notes(inputs, numbers: set[str], limit: int = MANY_CATEGORIES) -> list[str]:
    """A warning per categorical input with more than ``limit`` categories: how many inputs it makes,
    and, for a column of numbers, that numeric may be what was meant (403 inputs came silently)."""
    notes = []
    for c in inputs:
        n = len(getattr(c, "categories", ()) or ())
        if c.kind != "categorical" or n <= limit:
            continue
        hint = ("; it holds numbers: set its kind back to numeric for one input" if c.name in numbers
                else "; if it is an identifier or free text, leave it out (role: not used)")
        notes.append(f"⚠ {c.name} has {n:,} distinct values: as a categorical column it makes {n:,} inputs"
                     f" (one per value){hint}.")
    return notes


def _add_header(combo: QComboBox, text: str, font: QFont) -> None:
    """A bold, unselectable group title in the Data set box."""
    combo.addItem(text.upper())
    item = combo.model().item(combo.count() - 1)
    item.setEnabled(False)
    item.setFont(font)


def _prose(text: str) -> str:
    """A catalog description for a plain-text label: a parameter's name in backticks (the docs'
    markup) shows in quotation marks, not with raw backticks."""
    return re.sub(r"`([^`]+)`", "\u201c\\1\u201d", text)


def _select(combo: QComboBox, data: Any) -> None:
    i = combo.findData(data)
    if i >= 0 and i != combo.currentIndex():
        combo.blockSignals(True)
        combo.setCurrentIndex(i)
        combo.blockSignals(False)
