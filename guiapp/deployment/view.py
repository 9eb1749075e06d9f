"""The Deployment tab: what happens to the model on data from real use.

Pick a file (the bundled example stream, or any CSV with the training columns: choosing "CSV
file…" asks for it once, and Check reuses it) or a scenario (a shift of chosen features, a gradual
ramp, another class balance, label noise, the built-in shifted variant), press Check. The verdict
(stable / features drifted / data set drifted) shows as a traffic light and in the CLI's words,
drifted features first, with the monitor's findings (where a drift starts, in rows); the features
are listed most drifted first; a click on one overlays its training and new histograms; the over-time plot
shows loss per window against the validation band, the share of drifted features, and the
``input_drift`` / ``performance_decline`` findings. The check runs as a task on the window's one
task runner (``guiapp.tasks.TaskRunner``): a progress bar meanwhile; a newer check supersedes (and
cancels) a running one, whose result is then never shown.
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDoubleSpinBox, QFileDialog, QFrame, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QProgressBar, QPushButton, QScrollArea, QSizePolicy,
                               QSpinBox, QSplitter, QTabWidget, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from core.tasks import TaskOutcome, with_progress

from ..tasks import TaskRunner
from .source import SourcePicker
from .plots import FeatureHistogram, OverTimePlot

SOURCES = (("stream", "Example stream (drifts over time)"), ("file", "CSV file…"),
           ("shift", "Scenario: shift features by k sd"), ("ramp", "Scenario: gradual ramp of that shift"),
           ("balance", "Scenario: other class balance"), ("label_noise", "Scenario: label noise"),
           ("builtin_shifted", "Scenario: the data set's shifted variant"))
COLUMNS = (("feature", "most drifted first; bold: drifted (corrected p < 0.05 and PSI >= 0.1)"),
           ("p", "p-value of the KS (numbers) or chi-square (categories) test, Bonferroni-corrected"),
           ("PSI", "population stability index: 0.1 moderate shift, 0.25 large"),
           ("outside", "share of new values outside the training range, or categories it never had"))
PLOTS_MIN_PX = 230  # the table and plots never get less (the over-time view's two plots 120 + 80 px); the tab scrolls
WIDE = 1000  # px: from here the table, the histogram and the over-time view sit side by side
LIGHTS = {"green": ("#2e9d4b", "stable: the new data looks like the training data"),
          "amber": ("#d9a400", "features drifted: some features (or the model's confidence) moved"),
          "red": ("#cc3333", "data set drifted: the new data differs from the training data")}



def choose_weights_file(parent: QWidget | None, start_dir: str = "") -> str | None:
    """Ask for saved weights; cancelling goes back to the window's own model (monkeypatched in tests)."""
    path, _ = QFileDialog.getOpenFileName(parent, "Model weights", start_dir, "PyTorch weights (*.pt *.pth);;All files (*)")
    return path or None


def _words_pane() -> tuple[QLabel, QScrollArea]:
    """The findings in words, in a pane the splitter below can resize: long findings must neither
    squeeze the plots to nothing nor be cut."""
    words = QLabel()
    words.setObjectName("deployment.words")
    words.setWordWrap(True)
    words.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    words.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    area = QScrollArea()
    area.setWidget(words)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setMinimumHeight(0)
    return words, area


def _features_table() -> QTableWidget:
    """The features, most drifted first: one row each, selectable one at a time."""
    table = QTableWidget(0, len(COLUMNS))
    table.setObjectName("deployment.features")
    table.setHorizontalHeaderLabels([c for c, _tip in COLUMNS])
    for j, (_c, tip) in enumerate(COLUMNS):
        table.horizontalHeaderItem(j).setToolTip(tip)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # sized to its columns
    return table


class DeploymentView(QWidget):
    """Over a :class:`ProjectDocument`; ``model_provider()`` returns the window's trained model or None."""

    checkFinished = Signal(object)     # DeploymentCheck, or None when it failed (message in .error)

    def __init__(self, document, model_provider: Callable[[], Any] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.model_provider = model_provider or (lambda: None)
        self.result = None
        self.error = ""
        self.weights_path: str | None = None
        self.runner = TaskRunner(self, name="LossLabDriftCheck")
        self.runner.progressChanged.connect(self._on_runner_progressChanged)
        self.runner.taskFinished.connect(self._on_runner_taskFinished)
        outer = QVBoxLayout(self)
        for row in self._build_controls():
            outer.addLayout(row)
        outer.addLayout(self._build_status())
        outer.addWidget(self._build_results(), 1)
        self._arrange(False)
        self._on_source_changed()
        self._set_light(None)
        self.picker = SourcePicker(document, self.source, self)  # the example stream or a file, and which file
        document.projectReplaced.connect(self.clear)  # a check belongs to the project it was made on

    def _build_controls(self) -> tuple[QHBoxLayout, QHBoxLayout]:
        """Rows that fit a docked tab (about 620 px at 1280x800): what to check, its window, weights, Check;
        then a scenario's features and k."""
        self.source = QComboBox()
        self.source.setObjectName("deployment.source")
        for key, text in SOURCES:
            self.source.addItem(text, key)
        self.source.currentIndexChanged.connect(self._on_source_changed)
        self.features = QLineEdit()
        self.features.setPlaceholderText("features, e.g. age, bmi")
        self.features.setToolTip("the features to shift, comma-separated (empty: the first one)")
        self.k = QDoubleSpinBox()
        self.k.setRange(-10, 10)
        self.k.setValue(1.0)
        self.k.setPrefix("k = ")
        self.k.setSuffix(" sd")
        self.window_rows = QSpinBox()
        self.window_rows.setRange(10, 100_000)
        self.window_rows.setValue(100)
        self.window_rows.setPrefix("window ")
        self.window_rows.setSuffix(" rows")
        self.weights_button = QPushButton("Weights…")
        self.weights_button.setToolTip("Use weights saved by losslab train --save-model instead of the window's model")
        self.weights_button.clicked.connect(self._on_weights_clicked)
        self.check_button = QPushButton("Check")
        self.check_button.setObjectName("deployment.check")
        self.check_button.setDefault(True)
        self.check_button.clicked.connect(self.run_check)
        self.source.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)  # the whole text when it fits
        self.source.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.source.setMinimumWidth(120)
        self.features.setMinimumWidth(60)
        # Ctrl+E (Export) from these fields: the window's widgets.window_keys, for every field it has
        # one row for what a file check needs; the scenario knobs (features, k) on a second row that only
        # shows for a shift: every row less leaves the plots more of a short dock
        first, second = QHBoxLayout(), QHBoxLayout()
        first.addWidget(self.source, 1)
        first.addWidget(self.window_rows)
        first.addWidget(self.weights_button)
        first.addWidget(self.check_button)
        second.addWidget(self.features, 1)
        second.addWidget(self.k)
        return first, second

    def _build_status(self) -> QHBoxLayout:
        """The traffic light, the verdict and the progress of a running check."""
        status = QHBoxLayout()
        self.light = QLabel()
        self.light.setFixedSize(22, 22)
        self.light.setObjectName("deployment.light")
        self.verdict = QLabel("Pick deployment data and press Check.")
        self.verdict.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(160)
        self.progress.hide()
        status.addWidget(self.light)
        status.addWidget(self.verdict, 1)
        status.addWidget(self.progress)
        return status

    def _build_results(self) -> QScrollArea:
        """Findings in words over the table and plots, in a scroll area: the plots keep a height that
        can be read (``PLOTS_MIN_PX``) and a short dock scrolls instead of squeezing them to a line."""
        self.histogram = FeatureHistogram()
        self.over_time = OverTimePlot()
        # wide (a 1920 px screen): table | histogram | over time side by side; narrower: the two plots as tabs
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.plot_tabs = QTabWidget()
        self.plot_tabs.setDocumentMode(True)
        self.table = _features_table()
        self.table.itemSelectionChanged.connect(self._on_table_itemSelectionChanged)
        self.split.addWidget(self.table)
        self.split.addWidget(self.plot_tabs)
        self.split.setStretchFactor(1, 1)
        self._wide: bool | None = None
        for w in (self.table, self.histogram, self.plot_tabs):
            w.setMinimumWidth(60)
        self.split.setMinimumHeight(PLOTS_MIN_PX)
        self.panes = QSplitter(Qt.Orientation.Vertical)
        self.words, self.words_area = _words_pane()
        self.panes.addWidget(self.words_area)
        self.panes.addWidget(self.split)
        self.panes.setStretchFactor(1, 1)
        self.panes.setChildrenCollapsible(False)
        self.results_area = QScrollArea()
        self.results_area.setObjectName("deployment.results")
        self.results_area.setWidget(self.panes)
        self.results_area.setWidgetResizable(True)
        self.results_area.setFrameShape(QFrame.Shape.NoFrame)
        self.results_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results_area.setMinimumHeight(60)   # the tab shares a dock: it must not raise the window's minimum
        return self.results_area

    # -- layout -----------------------------------------------------------------------------------
    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._arrange(self.width() >= WIDE)

    def _arrange(self, wide: bool) -> None:
        """Three panes when the tab is wide enough, else the table beside the plots as two tabs."""
        if wide == self._wide:
            return
        self._wide = wide
        if wide:
            self.plot_tabs.clear()
            self.split.insertWidget(1, self.histogram)
            self.split.insertWidget(2, self.over_time)
            self.plot_tabs.hide()
            self.histogram.show()
            self.over_time.show()
        else:
            self.plot_tabs.addTab(self.over_time, "Over time")
            self.plot_tabs.addTab(self.histogram, "Feature")
            self.plot_tabs.show()
        self._fit_table()

    def _fit_table(self) -> None:
        """The table as wide as its columns (up to half the tab); the plots share the rest."""
        table = self._table_width()
        rest = max(60, self.width() - table)
        self.split.setSizes([table, int(0.4 * rest), int(0.6 * rest), 0] if self._wide else [table, rest])

    def _table_width(self) -> int:
        header = self.table.horizontalHeader()
        need = header.length() + self.table.frameWidth() * 2 + self.table.verticalScrollBar().sizeHint().width() + 2
        return min(max(200, need), max(200, self.width() // 2))

    def _show_feature(self) -> None:
        if not self._wide and self.plot_tabs.currentWidget() is not self.histogram:
            self.plot_tabs.setCurrentWidget(self.histogram)

    # -- choosing ---------------------------------------------------------------------------------
    def _on_source_changed(self, _index: int = 0) -> None:
        kind = self.source.currentData()
        self.features.setVisible(kind in ("shift", "ramp"))
        self.k.setVisible(kind in ("shift", "ramp"))

    def _on_weights_clicked(self) -> None:
        start = str(self.document.path.parent) if self.document.path else ""
        self.weights_path = choose_weights_file(self, start)
        self.weights_button.setText(Path(self.weights_path).name if self.weights_path else "Weights…")

    def select_source(self, key: str) -> None:
        self.source.setCurrentIndex(self.source.findData(key))

    # -- running ----------------------------------------------------------------------------------
    def run_check(self) -> None:
        """Start a check of the chosen data on a background thread."""
        from core.drift.check import check_deployment
        from core.drift.scenarios import Scenario
        kind = self.source.currentData()
        project = self.document.project.copy()
        dataset = self.document.dataset
        if dataset is None:
            return self._show_error(self.document.data_error or "the project's data is not loaded")
        path = None
        if kind == "stream":
            path = self.picker.stream_path()
            if path is None:
                return self._show_error(f"no example stream for the {project.data.source} data; the bundled ones are "
                                        "for diagnosis, fraud and demand: pick a CSV file or a scenario")
        elif kind == "file":
            if self.picker.file_path is None and not self.picker.choose_file():
                return
            path = self.picker.file_path
        scenario = None if path else Scenario(kind, tuple(f.strip() for f in self.features.text().split(",") if f.strip()),
                                              self.k.value())
        model = None if self.weights_path else self.model_provider()
        weights = self.weights_path
        window = self.window_rows.value()
        self.runner.cancel()                 # a running check is superseded: its result is never shown
        self.runner.start(with_progress, check_deployment, project, dataset, path=path, scenario=scenario,
                          model=model, model_path=weights, window=window)
        self.progress.setValue(0)
        self.progress.show()
        self.check_button.setEnabled(False)

    def is_running(self) -> bool:
        return self.runner.is_running()

    def _on_runner_progressChanged(self, fraction: float, _status: str) -> None:  # noqa: N802 - the signal's name
        self.progress.setValue(int(fraction * 100))

    def _on_runner_taskFinished(self, outcome: TaskOutcome) -> None:  # noqa: N802 - the signal's name
        self.progress.hide()
        self.check_button.setEnabled(True)
        if outcome.cancelled:
            return
        if outcome.error is not None:
            self._show_error(outcome.message)
        else:
            self.show_check(outcome.value)

    def shutdown(self) -> None:
        """Stop and wait for a running check (window close)."""
        self.runner.cancel()
        self.runner.wait()

    # -- showing ----------------------------------------------------------------------------------
    def _set_light(self, light: str | None) -> None:
        color = LIGHTS[light][0] if light else "#9a9a9a"
        self.light.setStyleSheet(f"background: {color}; border-radius: 11px; border: 1px solid #555;")
        self.light.setToolTip(LIGHTS[light][1] if light else "not checked yet")

    def clear(self) -> None:
        """Forget the last check (another project is open): nothing of it stays on show."""
        self.runner.cancel()
        self._show_error("")
        self.verdict.setText("Pick deployment data and press Check.")

    def _show_error(self, message: str) -> None:
        self.error = message
        self.result = None
        self._set_light(None)
        self.verdict.setText(f"Cannot check: {html.escape(message, quote=False)}")
        self.words.setText("")
        self._fit_words()
        self.table.setRowCount(0)
        self.histogram.clear_values()   # nothing of an earlier check stays beside the error
        self.over_time.show_result(None)
        self.checkFinished.emit(None)

    def show_check(self, check) -> None:
        """Show a finished check: the verdict in the CLI's words and colour, the findings, table and plots."""
        self.result, self.error = check, ""
        self._set_light(check.light)
        self.verdict.setText(f"<b>{html.escape(check.name, quote=False)}</b> — {html.escape(check.headline(), quote=False)}")
        self.verdict.setToolTip(LIGHTS[check.light][1])
        self.words.setText("\n".join(check.lines()))
        self._fit_words()
        self._fill_table(check.report)
        self.over_time.show_result(check.monitor)
        self._fit_table()
        if not self._wide:
            self.plot_tabs.setCurrentWidget(self.over_time if check.monitor is not None else self.histogram)
        self.checkFinished.emit(check)

    def _fit_words(self) -> None:
        """The words pane as tall as its text, up to a third of the panes (it scrolls beyond; the splitter moves)."""
        total = max(self.panes.height(), self.results_area.viewport().height())
        need = self.words.heightForWidth(max(100, self.words_area.viewport().width())) + 4 if self.words.text() else 0
        top = min(need, max(3 * self.words.fontMetrics().lineSpacing(), total - PLOTS_MIN_PX), total // 3)
        self.panes.setSizes([top, max(60, total - top)])

    def _fill_table(self, rep) -> None:
        feats = rep.sorted()
        self.table.setRowCount(len(feats))
        for i, f in enumerate(feats):
            cells = [f.name, f"{f.p_adjusted:.2g}", f"{f.psi:.3f}", f"{f.out_of_range:.1%}"]
            tip = (f"{f.name}: {'KS' if f.test == 'ks' else 'chi-square'} statistic {f.statistic:.3g}, corrected p "
                   f"{f.p_adjusted:.2g}, PSI {f.psi:.3f}, {f.out_of_range:.1%} outside the training data")
            if rep.reliance is not None:
                tip += f"; the model's reliance on it: {rep.reliance.shares.get(f.name, 0.0):.0%}"
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(tip)
                if f.drifted:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(i, j, item)
        if feats:
            self.table.selectRow(0)
        # the same row selected again emits nothing: draw the new check's histogram (and title) explicitly
        self._show_selected_histogram()

    def _show_selected_histogram(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or self.result is None:
            self.histogram.clear_values()
            return
        name = self.table.item(rows[0].row(), 0).text()
        self.histogram.show_values(name, *self.result.values(name), new_label=self.result.name)

    def _on_table_itemSelectionChanged(self) -> None:
        self._show_selected_histogram()
        if self.sender() is self.table and self.result is not None:  # a click on a feature shows its histogram
            self._show_feature()
