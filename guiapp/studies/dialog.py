"""The Study dialog: one or two knobs with default values per knob, seeds, epochs, workers and backend,
or the "Neural Net Loss" preset. Everything is checked on OK (the dialog stays open on a problem)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QSpinBox, QVBoxLayout)

from core.studies import KNOBS

NONE = "(none)"


def default_values(name: str) -> str:
    k = KNOBS.get(name)
    return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in k.defaults) if k else ""


class StudyDialog(QDialog):
    def __init__(self, project, parent=None, dataset=None) -> None:
        """``dataset``: the project's data as the window already holds it (planning then reads nothing on
        the GUI thread); None reads it when the study is planned."""
        super().__init__(parent)
        self.setWindowTitle("New Study")
        self.project = project
        self.dataset = dataset
        self.plans: list = []
        self.batch = None
        self.preset = QCheckBox("Neural Net Loss preset: the article's studies, on this project")
        self.preset.setToolTip("data size, activation, learning rate, regularization, dropout, optimizer (at one "
                               "learning rate, and each at its own), depth, batch size")
        self.learning_curve = QCheckBox("Learning curve: the loss at 6 log-spaced shares of the training data, "
                                        "and what more data would be worth")
        self.learning_curve.setToolTip("Stratified subsets of the training split, each over the seeds; fits "
                                       "loss = a·n^−b + c and forecasts the loss with the full split, 2x and 10x "
                                       "the data, with a 95% interval (or says the curve has flattened)")
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
        self.knob1.currentTextChanged.connect(lambda t: self.values1.setText(default_values(t)))
        self.knob2.currentTextChanged.connect(lambda t: self.values2.setText(default_values(t)))
        self.knob1.setCurrentText("lr")
        self.values1.setText(default_values("lr"))
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
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d62728")
        form = QFormLayout()
        form.addRow(self.preset)
        form.addRow(self.learning_curve)
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
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(buttons)

    def _on_preset_toggled(self, on: bool) -> None:
        if on:     # one preset at a time
            other = self.learning_curve if self.sender() is self.preset else self.preset
            other.setChecked(False)
        any_on = self.preset.isChecked() or self.learning_curve.isChecked()
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

    def build_plans(self) -> list:
        """``[(title, Plan)]``; raises ``ValueError`` (StudyError, KnobError, DataError) with the reason."""
        return self.build_batch().plans

    def build_batch(self):
        """The studies to run (the one study driver the command line uses too)."""
        from core.data import DataError, load_dataset
        from core.studies import StudyError, build_batch
        dataset = self.dataset
        try:
            if dataset is None:
                dataset = load_dataset(self.project.data, self.project.base_dir)
        except DataError as e:
            raise ValueError(f"the data cannot be loaded: {e}") from None
        preset = self.preset.isChecked()
        try:
            if self.learning_curve.isChecked():
                from core.studies.curve_study import learning_curve_batch
                return learning_curve_batch(self.project, dataset, seeds=self.seeds.value(),
                                            epochs=self.epochs.value() or None)
            return build_batch(self.project, dataset, vary=None if preset else self.vary(),
                               preset="neural-net-loss" if preset else None, seeds=self.seeds.value(),
                               epochs=self.epochs.value() or None, tune_lr="" if preset else self.tune_lr.currentData())
        except StudyError as e:
            raise ValueError(str(e)) from None

    def options(self) -> dict:
        return {"backend": self.backend.currentText(), "workers": self.workers.value() or None,
                "address": self.address.text().strip() or None}

    def accept(self) -> None:
        try:
            self.batch = self.build_batch()
            self.plans = self.batch.plans
        except ValueError as e:
            self.error.setText(str(e))
            return
        super().accept()
