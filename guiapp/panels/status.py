"""The status bar's permanent fields: why Run is disabled, the data, the parameter count, the device,
the torch thread cap and the unsaved-changes marker.

Two levels, so nothing important is cut at 1280 px: each field shows a short text that fits, and a
click on it (or the tooltip) gives the whole ("Run is disabled: …" in full, the data set's split)."""
from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QStatusBar, QVBoxLayout

from .. import settings, theme
from ..widgets.elided_label import ElidedLabel
from .window_words import in_window_words

DATA_MAX_PX = 300     # the data summary gives way to the reason Run is disabled (whole in its tooltip)
SHORT_CHARS = 70      # a reason longer than this shows its first words; a click shows the rest


def short_reason(reason: str, limit: int = SHORT_CHARS) -> str:
    """The head of a long reason, cut at a sentence or clause end (else a word) within ``limit``
    characters, with "… (details)" when something was left out; short reasons unchanged."""
    reason = reason.strip()
    if len(reason) <= limit:
        return reason
    head = reason[:limit]
    for stop in (". ", "; ", ": ", ", ", " ("):
        cut = head.rfind(stop)
        if cut >= limit // 3:
            return reason[:cut].rstrip(".;:,") + " … (click for details)"
    cut = head.rfind(" ")
    return reason[:cut if cut > 0 else limit] + " … (click for details)"


def short_data_text(ds) -> str:
    """"diagnosis: 2,000 rows, 8 features" (targets and the split are in the details)."""
    inputs = ds.inputs_text()
    rows = ds.n_train + ds.n_val + ds.n_test
    # samples of an image set are images, of a table rows ("flowers: 3,670 images, 3x32x32 inputs")
    what = "images" if len(ds.input_shape) == 3 else "rows"
    return f"{ds.name}: {rows:,} {what}, {inputs}"


class DetailsPopup(QFrame):
    """The whole text of a status field, word-wrapped above it (closes on the next click)."""

    def __init__(self, parent=None):
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("status.details")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setMaximumWidth(520)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.label)

    def show_for(self, field: QLabel, text: str) -> None:
        self.label.setText(text)
        self.adjustSize()
        corner = field.mapToGlobal(QPoint(0, 0))
        self.move(corner.x(), corner.y() - self.height() - 2)
        self.show()


class DetailLabel(ElidedLabel):
    """A status field with a short text and details shown on click (and as its tooltip)."""

    def __init__(self, max_width: int = 16_777_215):
        super().__init__(max_width=max_width)
        self.details = ""
        self.popup: DetailsPopup | None = None

    def set_texts(self, short: str, details: str = "") -> None:
        """Show ``short``; ``details`` (when it says more) on click and in the tooltip."""
        self.details = details if details and details != short else ""
        self.setText(short)
        self.set_tip(self.details)
        self.setCursor(Qt.CursorShape.PointingHandCursor if self.details else Qt.CursorShape.ArrowCursor)

    def show_details(self) -> None:
        text = self.details or self.text()
        if not text:
            return
        if self.popup is None:
            self.popup = DetailsPopup(self)
        self.popup.show_for(self, text)

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.button() == Qt.MouseButton.LeftButton:
            self.show_details()
            event.accept()
            return
        super().mousePressEvent(event)


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
        document.trainingChanged.connect(self._on_document_trainingChanged)
        document.checkUpdated.connect(lambda _c: document.show_in_turn(self.update_fields, self))
        document.dataErrorChanged.connect(lambda _m: document.show_in_turn(self.update_fields, self))
        document.dirtyChanged.connect(self._on_document_dirtyChanged)
        document.editRefused.connect(self._on_document_editRefused)
        settings.signals().torchThreadsChanged.connect(self._on_settings_torchThreadsChanged)
        self._on_settings_torchThreadsChanged(settings.torch_threads())
        self._on_document_dirtyChanged(document.dirty)
        self.update_fields()

    def _label(self, name: str, stretch: int = 0, max_width: int = 16_777_215) -> DetailLabel:
        label = DetailLabel(max_width=max_width)
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
        words = in_window_words(reason) if not ok else ""
        self.reason.set_texts(f"Run is disabled: {short_reason(words)}" if words else "",
                              f"Run is disabled: {words}" if words else "")
        self.reason.setStyleSheet(f"color: {theme.accent('error')}" if not ok and doc.data_loaded else "")
        ds = doc.dataset
        if ds is not None:
            self.data.set_texts(short_data_text(ds), ds.summary())
        else:
            self.data.set_texts("data: error — click for details" if doc.data_error else "",
                                in_window_words(doc.data_error))
        self.params.setText(params_text(doc.check))
        self.device.setText(device_text(doc.project.training.device))

    def _on_document_trainingChanged(self, _fields: list) -> None:
        self.document.show_in_turn(self.update_fields, self)

    def _on_document_dirtyChanged(self, dirty: bool) -> None:
        self.dirty.setText("● modified" if dirty else "")
        self.dirty.setToolTip("The project has unsaved changes" if dirty else "")

    def _on_document_editRefused(self, reason: str) -> None:
        self.bar.showMessage(f"Change refused: {reason}", 10_000)

    def _on_settings_torchThreadsChanged(self, n: int) -> None:
        self.threads.setText(f"{n} torch thread" + ("" if n == 1 else "s"))

