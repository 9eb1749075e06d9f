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
        self._shown = None
        self.hide()

    def show_finding(self, finding, best_epoch: int | None = None) -> None:
        """Show ``finding``; ``best_epoch`` is the dashed marker's epoch (``RunHistory.best_epoch``).

        The finding's onset is where the *smoothed* validation loss was lowest; the marker is the
        lowest single value (what early stopping keeps). Noise can put them epochs apart, so the
        banner names both."""
        key = (finding, best_epoch)
        if key != self._shown:
            self._shown = key
            self.finding = finding
            message = finding.message
            onset = getattr(finding, "start_epoch", None)
            if not message.lower().startswith("overfitting"):
                message = (f"Overfitting since epoch {onset}: " if onset is not None else "Overfitting: ") + message
            head, _, rest = message.partition(":")
            suggestion = getattr(finding, "suggestion", "")
            legend = ""
            if onset is not None:
                legend = f"Shaded: overfitting since epoch {onset} (smoothed validation minimum)"
                if best_epoch is not None:
                    legend += f"; dashed line: best val epoch {best_epoch} (lowest single validation loss)"
            self.text.setText(f"<b>{_escape(head)}</b>" + (f": {_escape(rest.strip())}." if rest else ".")
                              + (f"<br><i>Try:</i> {_escape(suggestion)}." if suggestion else "")
                              + (f"<br><small>{_escape(legend)}.</small>" if legend else ""))
            self.setToolTip("The validation loss rose while the training loss kept falling: the network "
                            "learns the training set's noise. The shaded range starts where the smoothed "
                            "validation loss was lowest; the dashed line marks the best validation epoch, "
                            "the lowest single value (the weights early stopping would keep).")
        self.show()

    def hide(self) -> None:  # noqa: D102 - also forgets the finding
        self.finding = None
        self._shown = None
        super().hide()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").rstrip(".")
