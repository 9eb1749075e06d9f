"""The Study view: progress with ETA and Cancel, the result table and the charts, updated as trials
finish; export as CSV, Markdown, PNG or SVG. Several studies (the preset) share one view, one at a time.

The study is run by the one study driver (:class:`core.studies.StudyDriver`, the one ``losslab sweep``
uses), as a task on the view's task runner (``guiapp.tasks.TaskRunner``): the trials run in worker
processes (or on Ray), the task's thread only waits for their outcomes, and the runner hands the
progress over on a timer, so the window never freezes. The driver owns the outcomes and the tables.
Cancel stops the task but keeps reporting it (``TaskRunner.stop``): the trials that ran still show."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QLabel, QMenu, QProgressBar, QPushButton,
                               QSizePolicy, QSplitter, QToolButton, QVBoxLayout, QWidget)

from core.studies import Backend, ExecutorError, StudyBatch, StudyDriver, TrialOutcome, sentence
from core.studies.report import as_csv, as_markdown, title
from core.tasks import TaskOutcome

from .. import turns
from ..tasks import TaskRunner
from ..widgets.screen_fit import fit_to_screen
from .charts import BandsPlot, SummaryPlot
from .curve_plot import LearningCurvePlot
from .table import StudyTable

DRAIN_MS = 100
DEFAULT_SIZE = QSize(1200, 800)


class StudyView(QWidget):
    """``studyFinished(str)``: all trials ended (``done``, ``cancelled`` or ``failed``)."""

    studyFinished = Signal(str)
    trialFinished = Signal(object)

    def __init__(self, plans: list[tuple[str, object]] | StudyBatch, *, backend: str = "local",
                 workers: int | None = None, address: str | None = None, store_dir: str | None = None,
                 parent=None) -> None:
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window)
        self.setWindowTitle("Study — LossLab")
        self.batch = plans if isinstance(plans, StudyBatch) else StudyBatch(list(plans))
        self.plans = self.batch.plans
        self.driver = StudyDriver(self.batch, Backend(backend, workers, address, store_dir))
        self.results: dict[int, object] = {}
        self.state = "idle"
        self.backend, self.workers, self.address, self.store_dir = backend, workers, address, store_dir
        self.runner = TaskRunner(self, interval_ms=DRAIN_MS, name="LossLabStudy")
        self.runner.messagesArrived.connect(self._on_runner_messagesArrived)
        self.runner.taskFinished.connect(self._on_runner_taskFinished)
        self._tasks = self.batch.tasks

        self.picker = QComboBox()
        self.picker.addItems(self.batch.titles())
        self.picker.setVisible(len(self.plans) > 1)
        self.picker.currentIndexChanged.connect(lambda _i: self._show_current())
        self.progress = QProgressBar()
        self.progress.setRange(0, len(self._tasks))
        self.status = QLabel("ready")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.export_button = QToolButton()
        self.export_button.setText("Export")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        self.export_actions = {}
        for fmt, text in (("csv", "Table as CSV…"), ("md", "Table as Markdown…"), ("png", "Charts as PNG…"),
                          ("svg", "Charts as SVG…")):
            self.export_actions[fmt] = menu.addAction(text, lambda f=fmt: self._ask_export(f))
        self.export_button.setMenu(menu)
        # one export button with a menu, and a picker no wider than its share: the window fits 800 px
        self.picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.picker.setMinimumContentsLength(36)   # "optimizer, each at its own learning rate"
        self.status.setMinimumWidth(80)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)   # long text never widens
        top = QHBoxLayout()
        top.addWidget(self.picker)
        top.addWidget(self.progress, 1)
        top.addWidget(self.status, 2)
        top.addWidget(self.cancel_button)
        top.addWidget(self.export_button)
        self.table = StudyTable()
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.sentence = QLabel()
        self.sentence.setWordWrap(True)
        self.sentence.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.learning = self.driver.is_learning_curve
        self.bands: BandsPlot | None = None            # built after the table, one per turn (_build_charts)
        self.summary: SummaryPlot | LearningCurvePlot | None = None
        self._bands_drawn = False
        self.curve = None              # the learning curve (a learning-curve study): fitted once it is done
        self.charts = QSplitter(Qt.Orientation.Horizontal)
        body = QSplitter(Qt.Orientation.Vertical)
        upper = QWidget()
        ul = QVBoxLayout(upper)
        ul.setContentsMargins(0, 0, 0, 0)
        ul.addWidget(self.heading)
        ul.addWidget(self.table, 1)
        ul.addWidget(self.sentence)
        body.addWidget(upper)
        body.addWidget(self.charts)
        # the charts come a moment later (_build_charts): their half of the window is kept for them
        self.charts.setMinimumHeight(160)
        body.setSizes([45, 55])
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(body, 1)
        fit_to_screen(self, DEFAULT_SIZE)
        self._show_current()
        turns.later(self._build_charts, owner=self)

    def _build_charts(self) -> None:
        """The charts one piece per turn of the event loop (the band chart, the summary chart, the bands'
        items, the summary's items): each piece cost 50-120 ms of the GUI thread on a busy 2-core
        machine (pyqtgraph's axes, labels, menus and items), too long together for the window's 50 ms pace.
        Turns of :mod:`guiapp.turns`: a ``QTimer.singleShot(0)`` chain ran every piece in one batch."""
        if self.bands is None or self.summary is None:
            self.ensure_charts(one=True)
        elif not self._bands_drawn:
            self.bands.update_rows(self.result())
            self._bands_drawn = True
        else:
            self._show_current()
            return
        turns.later(self._build_charts, owner=self)

    def ensure_charts(self, one: bool = False) -> None:
        """Build the charts now if they are not yet (an export); ``one``: the next one only."""
        if self.bands is None:
            self.bands = BandsPlot()
            self.charts.addWidget(self.bands)
            if one:
                return
        if self.summary is None:
            self.summary = LearningCurvePlot() if self.learning else SummaryPlot()
            self.charts.addWidget(self.summary)

    # -- running ---------------------------------------------------------------------------------
    def start(self) -> None:
        if self.runner.is_running():
            return
        self.state = "running"
        self.status.setText(f"starting {len(self._tasks)} trials…")
        self.cancel_button.setEnabled(True)
        self.runner.start(self.driver.run)

    def cancel(self) -> None:
        """Queued trials never start, running ones stop; the outcomes so far still arrive."""
        if self.runner.is_running() and self.state == "running":
            self.state = "cancelling"
            self.status.setText("cancelling: queued trials will not start, running ones stop…")
            self.cancel_button.setEnabled(False)
            self.runner.stop()

    def is_running(self) -> bool:
        return self.runner.is_running()

    @property
    def outcomes(self) -> list[TrialOutcome]:
        """Every trial outcome so far (the driver's, by trial index)."""
        return self.driver.outcomes

    def _on_runner_messagesArrived(self, messages: list) -> None:  # noqa: N802 - the signal's name
        changed: set[int] = set()
        for kind, payload in messages:
            if kind == "progress":
                changed.add(self.batch.study_of[payload.outcome.index])
                self.progress.setValue(payload.done)
                eta = "" if payload.eta is None else f", about {payload.eta:.0f}s left"
                failed = f", {payload.failed} failed" if payload.failed else ""
                if self.state == "running":
                    self.status.setText(f"{payload.done}/{payload.total} trials{failed}{eta}")
                self.trialFinished.emit(payload.outcome)
            elif kind == "started":
                if self.state == "running":
                    self.status.setText(f"running on {payload}")
            elif kind == "warning":
                self.status.setText(payload)
        for s in changed:
            self._summarize(s)
        if self.picker.currentIndex() in changed:
            self._show_current()

    def _on_runner_taskFinished(self, outcome: TaskOutcome) -> None:  # noqa: N802 - the signal's name
        if outcome.error is not None:
            self.state = "failed"
            self.status.setText(str(outcome.error) if isinstance(outcome.error, ExecutorError) else outcome.message)
        else:
            cancelled = self.state == "cancelling" or outcome.cancelled
            self.state = "cancelled" if cancelled else "done"
            done = sum(o.status != "cancelled" for o in self.outcomes)
            self.status.setText(("cancelled: " if cancelled else "done: ") + f"{done} of {len(self._tasks)} trials ran")
        self.cancel_button.setEnabled(False)
        for s in range(len(self.plans)):
            self._summarize(s)
        self._show_current()
        self.studyFinished.emit(self.state)

    # -- showing -----------------------------------------------------------------------------------
    def _summarize(self, s: int):
        self.results[s] = self.driver.table(s, running=self.state in ("idle", "running"))  # not ended
        return self.results[s]

    def result(self, s: int | None = None):
        s = self.picker.currentIndex() if s is None else s
        return self.results.get(s) or self._summarize(s)

    def _show_current(self) -> None:
        s = max(0, self.picker.currentIndex())
        result = self.result(s)
        self.heading.setText(title(result) + "".join(f"\nNote: {n}" for n in result.notes))
        self.table.show_result(result)
        self.sentence.setText(sentence(result) if self.outcomes else "")
        if self.learning:
            self._show_learning_curve(result)
        if self.bands is None or self.summary is None:       # drawn once they are built
            return
        self.bands.update_rows(result)
        if not self.learning:
            self.summary.update_rows(result, self.plans[s][1].spec.knobs)

    def _show_learning_curve(self, result) -> None:
        """Points as trials finish; the fit, its forecasts and its sentence once the study has ended
        (the driver's curve: the one ``losslab sweep --learning-curve`` prints)."""
        from core.studies.learning_curve import SCORE_WORDS, curve_score
        curve = self.driver.learning_curve(fit=False)
        self.curve = None
        if self.state in ("done", "cancelled", "failed") and curve.points:
            self.curve = curve = self.driver.learning_curve(fit=True)
            self.sentence.setText(self.curve.sentence)
        if self.summary is not None:
            self.summary.show_curve(curve, SCORE_WORDS[curve_score(result.score, getattr(self.batch, "budget", None))])

    # -- export ----------------------------------------------------------------------------------
    def export(self, path: str | Path, fmt: str) -> Path:
        path = Path(path)
        self.ensure_charts()
        self._show_current()
        result = self.result()
        if fmt == "csv":
            path.write_text(as_csv(result), encoding="utf-8")
        elif fmt == "md":
            path.write_text(as_markdown(result) + "\n", encoding="utf-8")
        elif fmt == "png":
            if not self.charts.grab().save(str(path), "PNG"):
                raise OSError(f"could not write {path}")
        elif fmt == "svg":
            from PySide6.QtGui import QPainter
            from PySide6.QtSvg import QSvgGenerator
            gen = QSvgGenerator()
            gen.setFileName(str(path))
            gen.setSize(self.charts.size())
            gen.setViewBox(self.charts.rect())
            gen.setTitle("LossLab study")
            painter = QPainter(gen)
            try:
                self.charts.render(painter, QPoint(0, 0))
            finally:
                painter.end()
            if not path.is_file():
                raise OSError(f"could not write {path}")
        else:
            raise ValueError(f"unknown format {fmt!r}")
        return path

    def _ask_export(self, fmt: str) -> None:
        filters = {"csv": "CSV (*.csv)", "md": "Markdown (*.md)", "png": "PNG image (*.png)",
                   "svg": "SVG image (*.svg)"}
        path, _ = QFileDialog.getSaveFileName(self, "Export the study", f"study.{fmt}", filters[fmt])
        if path:
            try:
                self.export(path, fmt)
            except OSError as e:
                self.status.setText(f"could not export: {e}")

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self.is_running():
            self.cancel()
            self.runner.wait()       # reports the end (taskFinished) before it returns
        super().closeEvent(event)
