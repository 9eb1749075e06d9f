"""The banner above the loss plots that says, in words, that the model overfits or diverged.

It takes one line (the finding's headline, elided to the width) with a "more" toggle that unfolds
what to try and what the shading means, so the plots below keep their room."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QStyle, QToolButton, QVBoxLayout

__all__ = ["FindingBanner", "OverfittingBanner", "BANNER_KINDS"]

#: finding kind -> (RGB of the banner, the headline's first words when the message lacks them)
BANNER_KINDS = {"overfitting": ((255, 152, 0), "Overfitting"), "divergence": ((211, 47, 47), "Diverged")}
_TIPS = {
    "overfitting": "The validation loss rose while the training loss kept falling: the network learns the "
                   "training set's noise. The shaded range starts where the smoothed validation loss was "
                   "lowest; the dashed line marks the best validation epoch, the lowest single value (the "
                   "weights early stopping would keep).",
    "divergence": "The loss became NaN/inf or exploded: the steps were too large for this model. The loss "
                  "plots switch to a log scale so the curve before the explosion stays readable.",
}


class FindingBanner(QFrame):
    """Hidden until ``show_finding``; one line with the headline, and the details behind "more"."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("findingBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.icon = QLabel()
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        self.icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(size, size))
        self.line = QLabel()                       # the headline, one line, elided
        self.line.setTextFormat(Qt.TextFormat.PlainText)
        self.line.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.more = QToolButton()
        self.more.setText("more")
        self.more.setCheckable(True)
        self.more.setAutoRaise(True)
        self.more.setToolTip("Show what to try and what the shading means")
        self.text = QLabel()                       # everything: headline, what to try, the legend
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.hide()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.icon)
        row.addWidget(self.line, 1)
        row.addWidget(self.more)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 2, 4, 2)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.text)
        self.more.toggled.connect(self._on_more_toggled)
        self.finding = None
        self._shown = None
        self._headline = ""
        self.hide()

    @property
    def expanded(self) -> bool:
        return self.more.isChecked()

    def set_expanded(self, on: bool) -> None:
        self.more.setChecked(on)

    def show_finding(self, finding, best_epoch: int | None = None) -> None:
        """Show ``finding`` (overfitting or divergence); ``best_epoch`` is the dashed marker's epoch
        (``RunHistory.best_epoch``).

        An overfitting onset is where the *smoothed* validation loss was lowest; the marker is the
        lowest single value (what early stopping keeps). Noise can put them epochs apart, so the
        details name both."""
        key = (finding, best_epoch)
        if key != self._shown:
            self._shown = key
            self.finding = finding
            kind = getattr(finding, "kind", "overfitting")
            (r, g, b), word = BANNER_KINDS.get(kind, BANNER_KINDS["overfitting"])
            self.setStyleSheet(f"#findingBanner {{ background: rgba({r}, {g}, {b}, 40); "
                               f"border: 1px solid rgba({r}, {g}, {b}, 160); border-radius: 4px; }}")
            message = finding.message
            onset = getattr(finding, "start_epoch", None)
            if not message.lower().startswith(word.lower()):
                since = f" since epoch {onset}" if onset is not None and kind == "overfitting" else ""
                message = f"{word}{since}: {message}"
            head, _, rest = message.partition(":")
            suggestion = getattr(finding, "suggestion", "")
            legend = ""
            if kind == "overfitting" and onset is not None:
                legend = f"Shaded: overfitting since epoch {onset} (smoothed validation minimum)"
                if best_epoch is not None:
                    legend += f"; dashed line: best val epoch {best_epoch} (lowest single validation loss)"
            self._headline = f"{head.strip()}: {rest.strip().rstrip('.')}" if rest else head.strip()
            self.text.setText(f"<b>{_escape(head)}</b>" + (f": {_escape(rest.strip())}." if rest else ".")
                              + (f"<br><i>Try:</i> {_escape(suggestion)}." if suggestion else "")
                              + (f"<br><small>{_escape(legend)}.</small>" if legend else ""))
            self.setToolTip(_TIPS.get(kind, ""))
            self._show_line()
        self.show()

    def hide(self) -> None:  # noqa: D102 - also forgets the finding
        self.finding = None
        self._shown = None
        super().hide()

    def _show_line(self) -> None:
        metrics = QFontMetrics(self.line.font())
        width = max(40, self.line.width())
        elided = metrics.elidedText(self._headline, Qt.TextElideMode.ElideRight, width)
        self.line.setText(elided)
        self.line.setToolTip(self._headline if elided != self._headline else "")
        self.line.setVisible(not self.expanded)
        self.text.setVisible(self.expanded)

    def _on_more_toggled(self, on: bool) -> None:
        self.more.setText("less" if on else "more")
        self._show_line()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self._headline:
            self._show_line()


#: the name the training panel used before divergences got a banner too
OverfittingBanner = FindingBanner


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").rstrip(".")
