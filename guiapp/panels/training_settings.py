"""The Training settings panel (not the live plots): optimizer, schedule, epochs, batch size,
regularization, gradient clipping, early stopping, seed, device, and the torch thread cap.

The thread cap is a setting of this computer (QSettings), not of the project: it is not an undo step.
"""
from __future__ import annotations

import sys
from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QGroupBox, QLabel, QVBoxLayout, QWidget

from core.catalog import OPTIMIZERS, SCHEDULES
from core.catalog.params import Param
from core.project import Component, Project

from .. import settings, theme
from ..widgets import FormGrid
from .params import ParamForm, SettingsPanel, param_editor, show_value

FIELDS = {
    "epochs": Param("epochs", "int", 100, min=1, max=1_000_000, help="Passes over the training data."),
    "batch_size": Param("batch_size", "int", 32, min=1, max=1 << 24, help="Samples per optimizer step."),
    "seed": Param("seed", "int", 0, min=0, max=2**31 - 1,
                  help="Seeds the weights and the batch order: the same seed gives the same loss curve."),
    "l1": Param("l1", "float", 0.0, min=0.0, max=100.0, log=True,
                help="Adds l1 × sum(|w|) to the loss: pushes weights to exactly zero. 0 = off."),
    "l2": Param("l2", "float", 0.0, min=0.0, max=100.0, log=True,
                help="Adds l2 × sum(w²) to the loss: keeps weights small, against overfitting. 0 = off."),
    "grad_clip": Param("grad_clip", "float", 0.0, min=0.0, max=1e6, log=True,
                       help="Rescales the gradient when its norm exceeds this: tames exploding gradients. 0 = off."),
}
EARLY = {
    "patience": Param("patience", "int", 0, min=0, max=1_000_000,
                      help="Stop after this many epochs without a better validation loss. 0 = never stop early."),
    "min_delta": Param("min_delta", "float", 0.0, min=0.0, max=1e6, log=True,
                       help="A smaller improvement of the validation loss does not count."),
    "restore_best": Param("restore_best", "bool", True, help="At the end, go back to the weights of the best epoch."),
}
THREADS_HELP = "Torch threads for training: a setting of this computer, not of the project."


class TrainingSettingsPanel(SettingsPanel):
    """Edits ``project.training`` through the document; one undo step per change."""

    kind = "training"

    def __init__(self, document, parent: QWidget | None = None):
        super().__init__(document, parent)
        body = QWidget()
        outer = QVBoxLayout(body)
        self.fields: dict[str, QWidget] = {}
        t = document.project.training

        self.optimizer, self.optimizer_doc, self.optimizer_params = self._component_box(
            outer, "Optimizer", OPTIMIZERS, "optimizer")
        self.schedule, self.schedule_doc, self.schedule_params = self._component_box(
            outer, "Learning-rate schedule", SCHEDULES, "schedule")

        run = self._group(outer, "Run")
        for key, label in (("epochs", "Epochs"), ("batch_size", "Batch size"), ("seed", "Seed")):
            run.addRow(label, self._field(key, FIELDS[key], getattr(t, key), self._set))
        self.device = QComboBox()
        self.device.setObjectName("training.device")
        self.device.setToolTip("Where the model trains; auto takes a CUDA GPU when there is one.")
        self.device.activated.connect(self._on_device_activated)
        run.addRow("Device", self.device)

        reg = self._group(outer, "Regularization")
        for key, label in (("l1", "L1"), ("l2", "L2"), ("grad_clip", "Gradient clipping")):
            reg.addRow(label, self._field(key, FIELDS[key], getattr(t, key), self._set))

        es = self._group(outer, "Early stopping")
        for key, label in (("patience", "Patience"), ("min_delta", "Min. improvement"),
                           ("restore_best", "Restore best")):
            es.addRow(label, self._field(f"early_stopping.{key}", EARLY[key], getattr(t.early_stopping, key),
                                         self._set_es))

        from .pseudo_section import PseudoLabelSection
        self.pseudo = PseudoLabelSection(document, self.edit)   # training.pseudo_labels
        outer.addWidget(self.pseudo)

        computer = self._group(outer, "This computer")
        threads = Param("torch_threads", "int", settings.default_torch_threads(), min=1, max=settings.cpu_count(),
                        help=THREADS_HELP)
        self.threads = param_editor(threads, settings.torch_threads(), self._on_threads_committed)
        self.threads.setObjectName("settings.torch_threads")
        computer.addRow("Torch threads", self.threads)
        settings.signals().torchThreadsChanged.connect(self._on_settings_torchThreadsChanged)
        outer.addStretch(1)
        self.setWidget(body)
        document.trainingChanged.connect(self._on_document_part_changed)
        document.dataChanged.connect(self._on_document_part_changed)  # torch is loaded now, devices can be listed
        self.refresh()

    # -- building ----------------------------------------------------------------------------------
    def _group(self, outer: QVBoxLayout, title: str) -> FormGrid:
        box = QGroupBox(title)
        form = FormGrid(box)
        outer.addWidget(box)
        return form

    def _component_box(self, outer: QVBoxLayout, title: str, registry, key: str):
        form = self._group(outer, title)
        combo = QComboBox()
        combo.setObjectName(f"training.{key}")
        for e in registry:
            combo.addItem(e.name, e.name)
            combo.setItemData(combo.count() - 1, e.doc, Qt.ItemDataRole.ToolTipRole)
        combo.activated.connect(lambda i: self._set_component(key, combo.itemData(i)))
        form.addRow(combo)
        doc = QLabel()
        doc.setWordWrap(True)
        doc.setStyleSheet(f"color: {theme.accent('muted')}")
        form.addRow(doc)
        params = ParamForm()
        form.addRow(params)
        return combo, doc, params

    def _field(self, key: str, param: Param, value: Any, setter: Callable[[str, Any], str | None]) -> QWidget:
        name = key.rsplit(".", 1)[-1]
        w = param_editor(param, value, lambda v: setter(name, v))
        w.setObjectName(f"training.{key}")
        self.fields[key] = w
        return w

    # -- showing the document ----------------------------------------------------------------------
    def refresh(self) -> None:
        """Show the document's training settings."""
        t = self.document.project.training
        for combo, doc, form, comp, registry, key in (
                (self.optimizer, self.optimizer_doc, self.optimizer_params, t.optimizer, OPTIMIZERS, "optimizer"),
                (self.schedule, self.schedule_doc, self.schedule_params, t.schedule, SCHEDULES, "schedule")):
            _select(combo, comp.type)
            entry = registry.get(comp.type)
            doc.setText(entry.doc)
            form.show_entry(entry, comp.params, lambda name, v, key=key: self._set_param(key, name, v))
        for key, editor in self.fields.items():
            owner = t.early_stopping if key.startswith("early_stopping.") else t
            show_value(editor, getattr(owner, key.rsplit(".", 1)[-1]))
        for key in ("early_stopping.min_delta", "early_stopping.restore_best"):
            self.fields[key].setEnabled(t.early_stopping.patience > 0)
        self._fill_devices(t.device)
        self.pseudo.refresh()

    def _fill_devices(self, current: str) -> None:
        if "torch" in sys.modules:  # available_devices imports torch: only once it is loaded anyway
            from core.training.setup import available_devices
            names = available_devices()
        else:
            names = ["auto", "cpu"]
        if current not in names:
            names.append(current)  # e.g. a project made on a GPU box: shown, and the check explains
        self.device.blockSignals(True)
        if [self.device.itemData(i) for i in range(self.device.count())] != names:
            self.device.clear()
            for n in names:
                self.device.addItem(n, n)
        self.device.setCurrentIndex(self.device.findData(current))
        self.device.blockSignals(False)

    # -- editing -----------------------------------------------------------------------------------
    def _set(self, key: str, value: Any) -> str | None:
        return self.edit(f"Set {key.replace('_', ' ')}", lambda p: setattr(p.training, key, value),
                          f"training.{key}")

    def _set_es(self, key: str, value: Any) -> str | None:
        return self.edit(f"Set early stopping {key.replace('_', ' ')}",
                          lambda p: setattr(p.training.early_stopping, key, value), f"training.early_stopping.{key}")

    def _set_component(self, key: str, name: str) -> None:
        old = getattr(self.document.project.training, key)
        if old.type == name:
            return

        def change(p: Project) -> None:
            # keep the learning rate when switching optimizers: it is the knob people tune first
            params = {"lr": old.params["lr"]} if key == "optimizer" and "lr" in old.params else {}
            setattr(p.training, key, Component(name, params))
        self.edit(f"Use {name}", change)

    def _set_param(self, key: str, name: str, value: Any) -> str | None:
        def change(p: Project) -> None:
            getattr(p.training, key).params[name] = value
        return self.edit(f"Set {key} {name}", change, f"training.{key}.{name}")

    def _on_device_activated(self, index: int) -> None:
        device = self.device.itemData(index)
        self.edit("Set the device", lambda p: setattr(p.training, "device", device))

    def _on_threads_committed(self, n: int) -> None:
        settings.set_torch_threads(n)

    # -- signals -----------------------------------------------------------------------------------
    def _on_document_part_changed(self, _fields: list) -> None:
        self.document.show_in_turn(self.refresh, self)    # an Open asks twice: once, in its own turn

    def _on_settings_torchThreadsChanged(self, n: int) -> None:
        show_value(self.threads, n)


def _select(combo: QComboBox, data: Any) -> None:
    combo.blockSignals(True)
    combo.setCurrentIndex(max(0, combo.findData(data)))
    combo.blockSignals(False)
