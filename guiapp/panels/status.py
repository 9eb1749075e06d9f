"""The status bar's permanent fields: why Run is disabled, the data, the parameter count, the device,
the torch thread cap and the unsaved-changes marker."""
from __future__ import annotations

import sys

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar

from .. import settings, theme
from ..widgets.elided_label import ElidedLabel
from .window_words import in_window_words

DATA_MAX_PX = 260     # the data summary gives way to the reason Run is disabled (whole in its tooltip)


def params_text(check) -> str:
    """"12,546 parameters" (or a dash before the data is loaded)."""
    if check is None:
        return "— parameters"
    n = check.total_params
    return f"{n:,} parameter" + ("" if n == 1 else "s")


def device_text(device: str) -> str:
    """The project's device, and what "auto" resolves to once torch is loaded."""
    if device != "auto":
        return f"device: {device}"
    torch = sys.modules.get("torch")
    if torch is None:
        return "device: auto"
    return "device: auto (" + ("cuda" if torch.cuda.is_available() else "cpu") + ")"


class StatusFields(QObject):
    """Keeps the status bar's labels in step with the document and the settings."""

    def __init__(self, document, bar: QStatusBar):
        super().__init__(bar)
        self.document = document
        self.bar = bar
        self.reason = self._label("status.reason", stretch=1)
        self.reason.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.data = self._label("status.data", max_width=DATA_MAX_PX)
        self.params = self._label("status.params")
        self.device = self._label("status.device")
        self.threads = self._label("status.threads")
        self.threads.setToolTip("Torch threads used for training (Training settings > This computer)")
        self.dirty = self._label("status.dirty")
        document.projectChanged.connect(self._on_document_projectChanged)
        document.checkUpdated.connect(lambda _c: self.update_fields())
        document.dataErrorChanged.connect(lambda _m: self.update_fields())
        document.dirtyChanged.connect(self._on_document_dirtyChanged)
        document.editRefused.connect(self._on_document_editRefused)
        settings.signals().torchThreadsChanged.connect(self._on_settings_torchThreadsChanged)
        self._on_settings_torchThreadsChanged(settings.torch_threads())
        self._on_document_dirtyChanged(document.dirty)
        self.update_fields()

    def _label(self, name: str, stretch: int = 0, max_width: int = 16_777_215) -> QLabel:
        label = ElidedLabel(max_width=max_width)
        label.setObjectName(name)
        label.setContentsMargins(6, 0, 6, 0)
        if stretch:
            self.bar.addWidget(label, stretch)
        else:
            self.bar.addPermanentWidget(label)
        return label

    def update_fields(self) -> None:
        """Re-read the document: run reason, data summary, parameter total, device."""
        doc = self.document
        ok, reason = doc.can_train()
        if not doc.data_loaded:
            ok, reason = False, "loading the data…"
        full = "" if ok else f"Run is disabled: {in_window_words(reason)}"
        self.reason.setText(full)             # elided to the room it has; the whole in its tooltip
        self.reason.setStyleSheet(f"color: {theme.accent('error')}" if not ok and doc.data_loaded else "")
        ds = doc.dataset
        summary = ds.summary() if ds is not None else ("data: error" if doc.data_error else "")
        self.data.setText(summary)
        self.data.set_tip(in_window_words(doc.data_error) or summary)
        self.params.setText(params_text(doc.check))
        self.device.setText(device_text(doc.project.training.device))

    def _on_document_projectChanged(self, kind: str) -> None:
        if kind in ("training", "all"):
            self.update_fields()

    def _on_document_dirtyChanged(self, dirty: bool) -> None:
        self.dirty.setText("● modified" if dirty else "")
        self.dirty.setToolTip("The project has unsaved changes" if dirty else "")

    def _on_document_editRefused(self, reason: str) -> None:
        self.bar.showMessage(f"Change refused: {reason}", 10_000)

    def _on_settings_torchThreadsChanged(self, n: int) -> None:
        self.threads.setText(f"{n} torch thread" + ("" if n == 1 else "s"))

