"""Findings drawn on the loss plots: an overfitting or a divergence shades its epochs (and their
steps), the finding picked in the findings panel is highlighted, and the banner names the worst."""
from __future__ import annotations

from .loss_plots import HIGHLIGHT, finding_color, finding_epochs

__all__ = ["FindingShades"]


class FindingShades:
    """Shades on ``epoch_plot`` and ``step_plot`` for the findings of ``history``; ``banner`` says the
    worst one; ``on_diverged()`` is called when a divergence is shown (the log scale switches on)."""

    def __init__(self, epoch_plot, step_plot, history, banner, on_diverged) -> None:
        self.epoch_plot, self.step_plot, self.history = epoch_plot, step_plot, history
        self.banner, self.on_diverged = banner, on_diverged
        self.selected = None

    def update(self, findings: list) -> None:
        """The run's findings changed: a selected finding that is gone is no longer highlighted."""
        if self.selected is not None and self.selected not in findings:
            self.selected = None
        self.show(findings)

    def show(self, findings: list) -> None:
        """Shade ``findings`` (and the selected one) and set the banner."""
        last = self.history.n_epochs
        over = next((f for f in findings if getattr(f, "kind", "") == "overfitting"), None)
        diverged = next((f for f in findings if getattr(f, "kind", "") == "divergence"), None)
        self._shade("overfitting", over, last)
        self._shade("divergence", diverged, last)
        self._shade("selected", self.selected, last, HIGHLIGHT, alpha=60)
        if diverged is not None:
            self.on_diverged()
            self.banner.show_finding(diverged)
        elif over is not None:
            best = self.history.best_epoch()
            self.banner.show_finding(over, best[0] if best is not None else None)
        else:
            self.banner.hide()

    def select(self, finding) -> None:
        """Highlight ``finding`` and bring its epochs into view."""
        self.selected = finding
        self.show(self.history.findings)
        span = finding_epochs(finding, self.history.n_epochs)
        if span is not None:
            self.epoch_plot.getPlotItem().vb.setXRange(max(0.0, span[0] - 2), span[1] + 2)

    def _shade(self, key: str, finding, last_epoch: int, color: str | None = None, alpha: int = 40) -> None:
        span = finding_epochs(finding, last_epoch) if finding is not None else None
        if span is None or last_epoch == 0:
            self.epoch_plot.marks.remove_region(key)
            self.step_plot.marks.remove_region(key)
            return
        color = color or finding_color(finding)
        self.epoch_plot.marks.set_region(key, span[0], span[1], color, alpha)
        start_step, end_step = getattr(finding, "start_step", None), getattr(finding, "end_step", None)
        if start_step is None:
            start_step, end_step = self.history.step_range_of_epochs(int(span[0]), int(span[1]))
        self.step_plot.marks.set_region(key, float(start_step), float(end_step or self.history.n_steps), color, alpha)
