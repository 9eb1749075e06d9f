"""The Errors tab (:class:`ErrorsView`): the trained model's errors on a split, per class and per sample."""
from __future__ import annotations

import functools

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSplitter,
                               QStackedWidget, QTabWidget, QVBoxLayout, QWidget)

from core.evaluation import EvaluationError, analyze, cell_samples

from .. import turns
from .heatmap import ConfusionHeatmap
from .samples_view import SampleList
from .suspects_search import SuspectSearch
from .tables import PER_CLASS_HEADERS, RANGE_HEADERS, NumberTable, per_class_rows, range_rows

EMPTY = "Train the model (Run) to see what it gets wrong, class by class and sample by sample."
SPLIT_NAMES = {"val": "validation", "train": "training", "test": "test"}


class ErrorsView(QWidget):
    """After each Run: per-class results, a clickable confusion heatmap, the samples of a cell, and
    suspect labels on demand. ``show_model(project, dataset, model)`` shows any trained model (the
    controller's, or a test's). ``openRequested(path)``: the person wants a written copy opened."""

    openRequested = Signal(str)

    def __init__(self, controller=None, document=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller, self.document = controller, document
        self.project = self.dataset = self.model = self.report = None
        self._run_project = self._run_dataset = None
        self._shown_run: tuple | None = None    # (project, dataset, model) of the last Run, until the tab shows it
        self.search = SuspectSearch(self)
        self._build()
        self.search.progressed.connect(self._on_search_progressed)
        self.search.found.connect(self._on_search_found)
        self.search.failed.connect(lambda m: self._search_ended(f"Suspect search failed: {m}"))
        self.search.cancelled.connect(lambda: self._search_ended("Suspect search cancelled."))
        if controller is not None:
            controller.runStarted.connect(self._on_controller_runStarted)
            controller.runFinished.connect(self._on_controller_runFinished)
            controller.historyCleared.connect(self.clear)
        if document is not None:
            document.projectReplaced.connect(self.clear)
        self.clear()

    # -- parts -------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.head_box, self.split_box = QComboBox(), QComboBox()
        for key, name in SPLIT_NAMES.items():
            self.split_box.addItem(name, key)
        self.summary = QLabel(EMPTY)
        self.summary.setWordWrap(True)
        self.find_button = QPushButton("Find suspect labels")
        self.find_button.setToolTip("Train the project K=5 times on 4/5 of the training split each and rank the "
                                    "training samples whose given label the held-out model finds unlikely "
                                    "(confident learning, cleanlab)")
        self.cancel_button = QPushButton("Cancel")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.head_label = QLabel("Head")
        # the head's whole name: a squeezed box showed "diagnosi"
        self.head_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        bar = QHBoxLayout()
        for w in (self.head_label, self.head_box, QLabel("Split"), self.split_box):
            bar.addWidget(w)
        bar.addStretch(1)
        for w in (self.progress, self.cancel_button, self.find_button):
            bar.addWidget(w)
        # the summary has a line of its own under the bar, wrapped: beside the controls it was cut
        # mid-number at 1280 px ("accuracy 8") and still cut at 1920
        self.class_table = NumberTable()
        self.heatmap = ConfusionHeatmap()
        # the matrix and the per-class table share one tabbed column: the tab sits in the low area under
        # the canvas, where side by side neither had room for ten classes
        self.left = QTabWidget()
        self.left.addTab(self.heatmap, "Confusion matrix")
        self.left.addTab(self.class_table, "Per class")
        self.cell_samples = SampleList()
        self.suspect_list = SampleList()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.cell_samples, "Samples of the cell")
        self.exclude_button = QPushButton("Exclude from training in a copy…")
        self.exclude_button.setToolTip("Write a copy of the project that leaves the selected suspects (all of them "
                                       "when none is selected) out of training (data.exclude); validation and "
                                       "test keep every sample")
        self.exclude_button.setEnabled(False)
        # under the suspects, right-aligned: as the tabs' corner it squeezed their names ("Suspect la")
        suspects = QWidget()
        column = QVBoxLayout(suspects)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.suspect_list, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.exclude_button)
        column.addLayout(row)
        self.tabs.addTab(suspects, "Suspect labels")
        self.exclude_button.clicked.connect(self.exclude_in_copy)
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(self.left)
        body.addWidget(self.tabs)
        body.setSizes([500, 500])
        self.stack = QStackedWidget()
        self.empty = QLabel(EMPTY)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setEnabled(False)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(body)
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(self.summary)
        lay.addWidget(self.stack, 1)
        self.heatmap.cellPicked.connect(self._on_heatmap_cellPicked)
        self.head_box.currentIndexChanged.connect(lambda _i: self._show_head())
        self.split_box.currentIndexChanged.connect(lambda _i: self._analyze())
        self.find_button.clicked.connect(self.find_suspects)
        self.cancel_button.clicked.connect(self.search.cancel)

    # -- showing a model ---------------------------------------------------------------------------
    def clear(self) -> None:
        """Nothing trained (a Reset, another project): the placeholder, no suspects, no search."""
        if self.search.is_running():
            self.search.cancel()
        self.project = self.dataset = self.model = self.report = None
        self._shown_run = None
        self.stack.setCurrentWidget(self.empty)
        self.summary.setText("")
        self.head_box.clear()
        self._set_searching(False)
        self.find_button.setEnabled(False)
        self.exclude_button.setEnabled(False)

    def show_model(self, project, dataset, model) -> None:
        """Show the errors of ``model`` (``project``'s network, trained) on ``dataset``."""
        self.project, self.dataset, self.model = project, dataset, model
        self._analyze()

    def _analyze(self) -> None:
        if self.project is None:
            return
        split = self.split_box.currentData()
        try:
            self.report = analyze(self.project, self.dataset, self.model, split)
        except EvaluationError as e:
            self.report = None
            self.stack.setCurrentWidget(self.empty)
            self.empty.setText(f"The errors cannot be shown: {e}")
            return
        self.head_box.blockSignals(True)
        current = self.head_box.currentText()
        self.head_box.clear()
        self.head_box.addItems([h.name for h in self.report.heads])
        if current in [h.name for h in self.report.heads]:
            self.head_box.setCurrentText(current)
        self.head_box.blockSignals(False)
        for w in (self.head_label, self.head_box):   # most projects have one head: no choice to show
            w.setVisible(len(self.report.heads) > 1)
        self.stack.setCurrentIndex(1)
        self.empty.setText(EMPTY)
        self.cell_samples.set_data(self.dataset, split)
        self.suspect_list.set_data(self.dataset, "train")
        self._show_head()

    def current_head(self):
        if self.report is None:
            return None
        name = self.head_box.currentText() or None
        return self.report.head(name) if name in (None, *[h.name for h in self.report.heads]) else self.report.head()

    def _show_head(self) -> None:
        h = self.current_head()
        if h is None:
            return
        p = h.predictions
        split = SPLIT_NAMES[p.split]
        self.find_button.setEnabled(h.is_classification and not self.search.is_running())
        if h.is_classification:
            self._set_summary(f"{p.n} {split} samples: accuracy {h.accuracy:.1%}, mean loss {p.loss.mean():.4g}. "
                              "Click a cell of the matrix to list its samples.")
            self.class_table.fill(PER_CLASS_HEADERS, per_class_rows(h.per_class))
            self.heatmap.show_matrix(h.confusion, p.classes)
            self.left.setTabVisible(0, True)
            self.left.setTabText(1, "Per class")
            self.cell_samples.clear_samples("Click a cell of the confusion matrix to list its samples here.")
        else:
            r = h.residuals
            self._set_summary(f"{p.n} {split} samples: MAE {r.mae:.4g}, RMSE {r.rmse:.4g}. Residual = predicted "
                              "- given; the largest errors are listed on the right.")
            self.class_table.fill(RANGE_HEADERS, range_rows(r))
            self.left.setTabVisible(0, False)       # no classes, no matrix: the residuals by target range
            self.left.setTabText(1, "Residuals by target range")
            self.left.setCurrentIndex(1)
            worst = r.worst[:50]
            self.cell_samples.show_samples(worst, [("given", [f"{p.labels[i, 0]:.4g}" for i in worst]),
                                                   ("predicted", [f"{p.predicted[i, 0]:.4g}" for i in worst]),
                                                   ("residual", [f"{r.residuals[i]:+.4g}" for i in worst])],
                                           f"The {len(worst)} largest errors of the {split} split")
        self._show_suspects(h)

    def _set_summary(self, text: str) -> None:
        self.summary.setText(text)
        self.summary.setToolTip(text)

    def _on_heatmap_cellPicked(self, given: int, predicted: int) -> None:
        h = self.current_head()
        if h is None or not h.is_classification:
            return
        p = h.predictions
        idx = cell_samples(p.labels, p.predicted, given, predicted, p.loss)
        cols = [("given", [p.classes[given]] * len(idx)), ("predicted", [p.classes[predicted]] * len(idx)),
                (f"p({p.classes[predicted]})", [f"{p.probabilities[i, predicted]:.2f}" for i in idx]),
                ("loss", [f"{p.loss[i]:.3g}" for i in idx])]
        self.cell_samples.show_samples(idx, cols, f"Given {p.classes[given]}, predicted {p.classes[predicted]}: "
                                                  f"{len(idx)} sample(s), the worst (highest loss) first")
        self.tabs.setCurrentWidget(self.cell_samples)

    # -- suspects ----------------------------------------------------------------------------------
    def find_suspects(self) -> bool:
        """Start the suspect search for the shown model's project (False when it cannot start)."""
        if self.project is None or self.search.is_running():
            return False
        if not self.search.start(self.project, self.dataset):
            return False
        self._set_searching(True)
        self.suspect_list.clear_samples("Training 5 folds of the training split…")
        self.tabs.setCurrentIndex(1)             # (the suspects)
        return True

    def _set_searching(self, on: bool) -> None:
        self.progress.setVisible(on)
        self.cancel_button.setVisible(on)
        self.progress.setValue(0)
        h = self.current_head()
        self.find_button.setEnabled(not on and h is not None and h.is_classification)

    def _on_search_progressed(self, fraction: float, status: str) -> None:
        self.progress.setValue(int(round(100 * fraction)))
        self.progress.setFormat(status or "%p%")

    def _on_search_found(self, results: list) -> None:
        if self.report is not None:
            self.report.attach_suspects(results)
        self._set_searching(False)
        h = self.current_head()
        if h is not None:
            self._show_suspects(h)

    def _search_ended(self, message: str) -> None:
        self._set_searching(False)
        self.suspect_list.clear_samples(message)

    def _show_suspects(self, h) -> None:
        s = h.suspects
        self.exclude_button.setEnabled(bool(s is not None and s.suspects))
        if s is None:
            if not self.search.is_running():
                self.suspect_list.clear_samples("Find suspect labels: training samples whose given label a model "
                                                "that never saw them finds unlikely.")
            return
        idx = np.array([x.index for x in s.suspects], dtype=np.int64)
        cols = [("given", [s.classes[x.given] for x in s.suspects]),
                ("suggested", [s.classes[x.suggested] for x in s.suspects]),
                ("confidence", [f"{x.p_suggested:.2f}" for x in s.suspects]),
                ("p(given)", [f"{x.p_given:.2f}" for x in s.suspects])]
        self.suspect_list.show_samples(idx, cols, f"{len(s.suspects)} suspect label(s) among {s.n} training samples "
                                                  f"({s.share:.1%}; {s.folds}-fold cross-validation, "
                                                  f"{s.seconds:.0f} s), most suspect first")

    def exclude_in_copy(self) -> str | None:
        """Write a copy of the project leaving the selected suspects (or all) out of training; the copy's
        path when it was written and the person asked to open it (``openRequested`` is emitted)."""
        from .exclude_copy import exclude_in_copy
        h = self.current_head()
        s = h.suspects if h is not None else None
        if s is None or not s.suspects or self.project is None:
            return None
        picked = self.suspect_list.selected() or [x.index for x in s.suspects]
        ids = [i if s.ids is None else s.ids[i] for i in picked]
        path = self.document.path if self.document is not None else None
        opened = exclude_in_copy(self, self.project, path, ids)
        if opened is not None:
            self.openRequested.emit(str(opened))
        return None if opened is None else str(opened)

    # -- the controller ----------------------------------------------------------------------------
    def _on_controller_runStarted(self, _info) -> None:
        # the controller trains a snapshot taken when Run was pressed: the document now is that snapshot
        if self.document is not None:
            self._run_project, self._run_dataset = self.document.project.copy(), self.document.dataset

    def _on_controller_runFinished(self, _result) -> None:
        model = self.controller.trained_model() if self.controller is not None else None
        if model is None or self._run_project is None or self._run_dataset is None:
            return
        if self.search.is_running():
            self.search.cancel()
        # The analysis predicts every sample and lays out the tables: 100-600 ms of the GUI thread. It
        # waits until the tab is seen, and then runs in an event-loop turn of its own (not in the one
        # that ends the Run, nor in those the plots take after it: guiapp.turns), so the end of a Run
        # never freezes the window.
        self._shown_run = (self._run_project, self._run_dataset, model)
        if self.isVisible():
            self._analyze_later()

    def _show_shown_run(self) -> None:
        if self._shown_run is not None and self.isVisible():
            (project, dataset, model), self._shown_run = self._shown_run, None
            self.show_model(project, dataset, model)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._shown_run is not None:
            self._analyze_later()

    def _analyze_later(self) -> None:
        # the first analysis also makes two scatter plots (20-30 ms each): each in a turn before it
        for view in (self.cell_samples, self.suspect_list):
            turns.later(functools.partial(self._prepare, view), key=(id(view), "prepare"), owner=view)
        turns.later(self._show_shown_run, key=(id(self), "analysis"), owner=self)   # (not after the view is gone)

    def _prepare(self, view: SampleList) -> None:
        if self._shown_run is not None and self.isVisible():   # (as the analysis: not for a closed window)
            view.prepare(self._shown_run[1])

    def shutdown(self) -> None:
        """Cancel a running search (the window is closing)."""
        if self.search.is_running():
            self.search.cancel()
