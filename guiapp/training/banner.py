"""The banner above the loss plots that says, in words, that the model is overfitting."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QStyle

__all__ = ["OverfittingBanner"]


class OverfittingBanner(QFrame):
    """Hidden until ``show_finding``; shows the finding's message and what to try."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("overfittingBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#overfittingBanner { background: rgba(255, 152, 0, 40); "
                           "border: 1px solid rgba(255, 152, 0, 160); border-radius: 4px; }")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.icon = QLabel()
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        self.icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(size, size))
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.icon)
        layout.addWidget(self.text, 1)
        self.finding = None
        self.hide()

    def show_finding(self, finding) -> None:
        if finding != self.finding:
            self.finding = finding
            message = finding.message
            if not message.lower().startswith("overfitting"):
                onset = getattr(finding, "start_epoch", None)
                message = (f"Overfitting since epoch {onset}: " if onset is not None else "Overfitting: ") + message
            head, _, rest = message.partition(":")
            suggestion = getattr(finding, "suggestion", "")
            self.text.setText(f"<b>{_escape(head)}</b>" + (f": {_escape(rest.strip())}." if rest else ".")
                              + (f"<br><i>Try:</i> {_escape(suggestion)}." if suggestion else ""))
            self.setToolTip("The validation loss rose while the training loss kept falling: the network "
                            "learns the training set's noise. The shaded range is the overfitting; the "
                            "dashed line marks the best validation epoch.")
        self.show()

    def hide(self) -> None:  # noqa: D102 - also forgets the finding
        self.finding = None
        super().hide()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").rstrip(".")
