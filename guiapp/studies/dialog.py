"""The Study dialog: one or two knobs with default values per knob, seeds, epochs, workers and backend,
or the "Neural Net Loss" preset. Everything is checked on OK (the dialog stays open on a problem).

OK ("Run Study") plans the study with the one study driver (:func:`core.studies.plan_request`, what
``losslab sweep`` calls) as a task on the dialog's task runner: reading the data (when the window has
none yet) and checking every setting's project and graph never run on the GUI thread. Meanwhile the
dialog says it is preparing and OK is off; Cancel stops the planning. ``planFinished(ok)`` follows."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QSpinBox, QVBoxLayout)

from core.studies import KNOBS, StudyRequest, plan_request
from core.tasks import TaskOutcome

from ..tasks import TaskRunner

NONE = "(none)"


def plan_or_problem(project, request: StudyRequest, dataset=None, *, state=None):
    """The planning task: ``("", batch)``, or ``(why, None)`` for a study that cannot be planned (a bad
    value is the person's to fix, not an error for the log; anything else still raises and is logged)."""
    try:
        return "", plan_request(project, request, dataset, state=state)
    except ValueError as e:          # StudyError, KnobError
        return str(e), None


def default_values(name: str) -> str:
    k = KNOBS.get(name)
    return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in k.defaults) if k else ""


def values_hint(name: str) -> str:
    """The values field's tooltip: a choice knob's choices, read from the catalog when the knob is
    picked (a loss or optimizer registered as one entry is named here with no other change)."""
    k = KNOBS.get(name)
    choices = k.choices if k is not None else ()
    if choices:
        return f"Comma-separated; one or more of: {', '.join(map(str, choices))}"
    return "Comma-separated values"


def _show_defaults(values: QLineEdit, name: str) -> None:
    """Fill a values field with knob ``name``'s default values, and say what it takes."""
    values.setText(default_values(name))
    values.setToolTip(values_hint(name))


class StudyDialog(QDialog):
    """``planFinished(bool)``: the planning task that OK started has ended (True: planned, the dialog
    accepted; False: ``error`` says why and the dialog stays open)."""

    planFinished = Signal(bool)

    def __init__(self, project, parent=None, dataset=None) -> None:
        """``dataset``: the project's data as the window already holds it (planning then reads nothing on
        the GUI thread); None reads it when the study is planned."""
        super().__init__(parent)
        self.setWindowTitle("New Study")
        self.project = project
        self.dataset = dataset
        self.plans: list = []
        self.batch = None
        self._make_presets()
        self.tune_lr = QComboBox()
        for text, value in (("the project's, for every setting", ""),
                            ("each setting's best of 0.001, 0.01, 0.1, 1 (4x the trials)", "grid"),
                            ("each trial's own, from a short LR-finder run", "finder")):
            self.tune_lr.addItem(text, value)
        self.tune_lr.setToolTip("Comparing optimizers at one learning rate is unfair to SGD, which needs a far higher "
                                "rate than Adam. The grid tries each setting at four rates and keeps its best; the "
                                "LR finder is cheaper but cautious with SGD. The table shows the rates used.")
        self.knob1, self.knob2 = QComboBox(), QComboBox()
        for box, extra in ((self.knob1, []), (self.knob2, [NONE])):
            box.setEditable(True)           # any JSON path can be typed
            box.addItems(extra + list(KNOBS))
            for i, name in enumerate(extra + list(KNOBS)):
                if name in KNOBS:
                    box.setItemData(i, KNOBS[name].label, Qt.ItemDataRole.ToolTipRole)
        self.values1, self.values2 = QLineEdit(), QLineEdit()
        for box, values in ((self.knob1, self.values1), (self.knob2, self.values2)):
            box.currentTextChanged.connect(lambda t, values=values: _show_defaults(values, t))
        self.knob1.setCurrentText("lr")
        _show_defaults(self.values1, "lr")
        self.seeds = QSpinBox(minimum=1, maximum=50, value=3)
        self.epochs = QSpinBox(minimum=0, maximum=1_000_000, value=0)
        self.epochs.setSpecialValueText(f"project's ({project.training.epochs})")
        self.workers = QSpinBox(minimum=0, maximum=256, value=0)
        self.workers.setSpecialValueText("one per core")
        self.backend = QComboBox()
        self.backend.addItems(["local", "ray"])
        self.address = QLineEdit(placeholderText="ray://HOST:10001 or auto (empty: a local Ray)")
        self.backend.currentTextChanged.connect(lambda t: self.address.setEnabled(t == "ray"))
        self.address.setEnabled(False)
        self.preset.toggled.connect(self._on_preset_toggled)
        self.learning_curve.toggled.connect(self._on_preset_toggled)
        self.small_data.toggled.connect(self._on_preset_toggled)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d62728")
        self._make_planner()
        form = QFormLayout()
        form.addRow(self.preset)
        form.addRow(self.learning_curve)
        form.addRow(self.small_data)
        form.addRow("Knob", self.knob1)
        form.addRow("Values", self.values1)
        form.addRow("Second knob", self.knob2)
        form.addRow("Values", self.values2)
        form.addRow("Learning rate", self.tune_lr)
        form.addRow("Seeds per setting", self.seeds)
        form.addRow("Epochs", self.epochs)
        form.addRow("Parallel trials", self.workers)
        form.addRow("Backend", self.backend)
        form.addRow("Ray address", self.address)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Run Study")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.preparing)
        lay.addWidget(self.error)
        lay.addWidget(buttons)

    def _make_presets(self) -> None:
        """The three preset checkboxes: the article's studies, the learning curve and small data."""
        self.preset = QCheckBox("Neural Net Loss preset: the article's studies, on this project")
        self.preset.setToolTip("data size, activation, learning rate, regularization, dropout, optimizer (at one "
                               "learning rate, and each at its own), depth, batch size")
        self.learning_curve = QCheckBox("Learning curve: the loss at 6 log-spaced shares of the training data, "
                                        "and what more data would be worth")
        self.learning_curve.setToolTip("Stratified subsets of the training split, each over the seeds; fits "
                                       "loss = a·n^−b + c and forecasts the loss with the full split, 2x and 10x "
                                       "the data, with a 95% interval (or says the curve has flattened)")
        self.small_data = QCheckBox("Small data: scratch against augmentation, transfer and pseudo-labels")
        self.small_data.setToolTip("One study: training from scratch, and scratch plus each helper that can apply to "
                                   "this project (the others are listed as skipped, with the reason); each helper "
                                   "is compared with scratch over the seeds (Holm-adjusted p, effect size)")

    def _make_planner(self) -> None:
        """The task runner that plans the study, and the line that says it is preparing."""
        self.preparing = QLabel()          # "preparing the study: reading the data…" while it plans
        self.preparing.setWordWrap(True)
        self.preparing.hide()
        self.planner = TaskRunner(self, name="LossLabStudyPlan")
        self.planner.progressChanged.connect(self._on_planner_progressChanged)
        self.planner.taskFinished.connect(self._on_planner_taskFinished)

    def _on_preset_toggled(self, on: bool) -> None:
        presets = (self.preset, self.learning_curve, self.small_data)
        if on:     # one preset at a time
            for other in presets:
                if other is not self.sender():
                    other.setChecked(False)
        any_on = any(p.isChecked() for p in presets)
        for w in (self.knob1, self.values1, self.knob2, self.values2, self.tune_lr):
            w.setEnabled(not any_on)

    def vary(self) -> dict[str, list[str]]:
        vary = {self.knob1.currentText().strip(): [v.strip() for v in self.values1.text().split(",") if v.strip()]}
        k2 = self.knob2.currentText().strip()
        if k2 and k2 != NONE:
            if k2 in vary:
                raise ValueError(f"{k2} is chosen twice")
            vary[k2] = [v.strip() for v in self.values2.text().split(",") if v.strip()]
        return vary

    def request(self) -> StudyRequest:
        """The study the dialog asks for; raises ``ValueError`` for a knob chosen twice."""
        preset = "neural-net-loss" if self.preset.isChecked() else "small-data" if self.small_data.isChecked() else None
        curve = self.learning_curve.isChecked()
        return StudyRequest(vary=None if preset or curve else self.vary(), preset=preset,
                            learning_curve=curve, seeds=self.seeds.value(), epochs=self.epochs.value() or None,
                            tune_lr="" if preset or curve else self.tune_lr.currentData())

    def build_plans(self) -> list:
        """``[(title, Plan)]``, planned here and now; raises ``ValueError`` with the reason."""
        return self.build_batch().plans

    def build_batch(self):
        """The studies to run, planned in the calling thread (a script's, a test's; OK plans on the task
        runner instead); raises ``ValueError`` (StudyError, KnobError) with the reason."""
        return plan_request(self.project, self.request(), self.dataset)

    def options(self) -> dict:
        return {"backend": self.backend.currentText(), "workers": self.workers.value() or None,
                "address": self.address.text().strip() or None}

    def is_preparing(self) -> bool:
        return self.planner.is_running()

    def accept(self) -> None:
        """Plan on the task runner; the dialog closes once the study is planned (see the module docstring)."""
        if self.planner.is_running():
            return
        self.error.setText("")
        try:
            request = self.request()
        except ValueError as e:
            self._show_problem(str(e))
            return
        self.ok_button.setEnabled(False)
        self.preparing.setText("preparing the study…")
        self.preparing.show()
        self.planner.start(plan_or_problem, self.project, request, self.dataset)

    def reject(self) -> None:
        self.planner.cancel()              # a plan still running is forgotten; its thread ends by itself
        self._done_preparing()
        super().reject()

    def _on_planner_progressChanged(self, _fraction: float, status: str) -> None:  # noqa: N802 - the signal's name
        if status:
            self.preparing.setText(f"preparing the study: {status}")

    def _on_planner_taskFinished(self, outcome: TaskOutcome) -> None:  # noqa: N802 - the signal's name
        self._done_preparing()
        if outcome.cancelled:
            return
        problem, batch = outcome.value if outcome.error is None else (outcome.message, None)
        if batch is None:
            self._show_problem(problem)
            return
        self.batch = batch
        self.plans = self.batch.plans
        super().accept()
        self.planFinished.emit(True)

    def _done_preparing(self) -> None:
        self.ok_button.setEnabled(True)
        self.preparing.hide()

    def _show_problem(self, text: str) -> None:
        self.error.setText(text)
        self.planFinished.emit(False)
