"""The progress line: epoch, step, steps per second and time left of the running training."""
from __future__ import annotations

import re
import time
from collections import deque

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressBar

from .loss_plots import best_epoch_label

__all__ = ["TrainingProgress", "finish_text", "fmt_duration", "shorter_texts"]

RATE_WINDOW_S = 1.5
UPDATES_PER_S = 5


def fmt_duration(seconds: float, precise: bool = False) -> str:
    """``42 s``, ``3 min 05 s``, ``1 h 02 min``; ``precise``: ``0.03 s``, ``2.4 s`` under 10 s."""
    if precise and 0 <= seconds < 0.995:
        return f"{seconds:.2f} s"
    if precise and 0 <= seconds < 9.95:
        return f"{seconds:.1f} s"
    s = max(0, int(round(seconds)))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {(s % 3600) // 60:02d} min"


def finish_text(result, history) -> str:
    """What a finished Run did, in its own steps and time (``RunResult.steps`` counts since the
    last Reset, ``seconds`` and ``steps_per_second`` only this Run): ``150 epochs, 1,950 steps in
    1.2 s (1,630 steps/s), best val epoch 121``, or for a continued Run ``epoch 73 (20 this run),
    400 steps in 0.3 s (1,300 steps/s), ...``."""
    start_epoch = int(getattr(result, "start_epoch", 0) or 0)
    steps_before = history.segments[-1][0] if start_epoch and history.segments else 0
    steps = max(0, int(result.steps) - steps_before)
    if start_epoch:
        epochs = f"epoch {result.epochs_run} ({result.epochs_run - start_epoch} this run)"
    else:
        epochs = f"{result.epochs_run} epoch{'s' if result.epochs_run != 1 else ''}"
    text = (f"{epochs}, {steps:,} step{'s' if steps != 1 else ''} in {fmt_duration(result.seconds, precise=True)} "
            f"({result.steps_per_second:,.0f} steps/s)")
    if result.best_epoch is not None:
        text += ", " + best_epoch_label(history, result.best_epoch)     # the words of the plot's marker
    return text


def shorter_texts(text: str):
    """``text``, then ever shorter forms of it for a narrow bar: first without the parenthesised
    details ("(1,630 steps/s)"), then without the parts after the first, one at a time, keeping the
    last (``Completed: 2 epochs, best val epoch 14``; ``Epoch 12/150 · 3 s left``): the state and the
    outcome stay, the counts and rates go first (a cut line said "Stopped early: 22 epochs, 550 st…")."""
    yield text
    plain = re.sub(r" \([^)]*\)", "", text)
    if plain != text:
        yield plain
    for sep in (" · ", ", "):
        parts = plain.split(sep)
        while len(parts) > 2:
            del parts[1]
            yield sep.join(parts)
        plain = sep.join(parts)


class TrainingProgress(QProgressBar):
    """A progress bar whose text reads like ``Epoch 12/150 · step 180/2,250 · 1,620 steps/s · 3 s left``.

    The rate is measured over the last 1.5 s of arriving steps (so a pause shows 0 steps/s)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setRange(0, 1000)
        self.setValue(0)
        self.setTextVisible(True)
        self.setFormat("Ready")
        self._samples: deque[tuple[float, int]] = deque()
        self._info = None
        self._start_steps = 0
        self._next_update = 0.0
        self.rate = 0.0

    def format(self) -> str:  # noqa: A003 - Qt's name; the whole line (the bar shows what fits)
        return self._full

    def setFormat(self, text: str) -> None:  # noqa: N802 - Qt's name; the whole line stays in the tooltip
        self._full = text
        self.setToolTip(text)
        self._fit()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        """The bar shows one line that fits it, chosen here when the text or the width changes: not in
        a ``text()`` override, which Qt called from every paint, and each call from C++ into Python
        waited for the GIL (up to the 5 ms switch interval) and took it from the training thread."""
        room = max(40, self.width() - 12)
        metrics = self.fontMetrics()
        for candidate in shorter_texts(self._full):
            if metrics.horizontalAdvance(candidate) <= room:
                break
        else:
            candidate = metrics.elidedText(candidate, Qt.TextElideMode.ElideRight, room)
        if candidate != super().format():
            super().setFormat(candidate)

    def setValue(self, value: int) -> None:  # noqa: N802 - Qt's name
        """Qt's ``QProgressBar.setValue`` repaints the bar at once, inside the call (a synchronous
        paint, ~8 ms per call on the GUI thread while training, measured); here the repaint waits for
        the next paint event, together with the new text."""
        if value == self.value():
            return
        self.setUpdatesEnabled(False)
        try:
            super().setValue(value)
        finally:
            self.setUpdatesEnabled(True)     # (schedules one ordinary update)

    def start(self, info, steps_before: int) -> None:
        self._info = info
        self._start_steps = steps_before
        self._samples.clear()
        self._next_update = 0.0
        self.rate = 0.0
        self.setValue(0)
        what = f"Continuing from epoch {info.start_epoch}" if info.start_epoch else "Starting with fresh weights"
        self.setFormat(f"{what}: {info.n_train:,} training samples, {info.n_params:,} parameters, "
                       f"{info.threads} thread{'s' if info.threads != 1 else ''}")

    def update_from(self, history, paused: bool = False, force: bool = False) -> None:
        """Show where the run is; at most ``UPDATES_PER_S`` times a second unless ``force``
        (QProgressBar repaints itself at once on every change)."""
        info = self._info
        if info is None:
            return
        now = time.perf_counter()
        if not force and now < self._next_update:
            return
        self._next_update = now + 1.0 / UPDATES_PER_S
        done = history.n_steps - self._start_steps
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[0][0] > RATE_WINDOW_S:
            self._samples.popleft()
        t0, s0 = self._samples[0]
        self.rate = (done - s0) / (now - t0) if now > t0 else 0.0
        total = max(1, info.epochs * info.steps_per_epoch)
        self.setValue(int(1000 * min(1.0, done / total)))
        epoch = history.n_epochs - (history.segments[-1][1] if history.segments else 0)
        current = min(info.epochs, epoch + (1 if done < total else 0))
        parts = [f"Epoch {info.start_epoch + current}/{info.start_epoch + info.epochs}"
                 + (f" (continuing from {info.start_epoch})" if info.start_epoch else ""),
                 f"step {history.n_steps:,}/{self._start_steps + total:,}"]
        if paused:
            parts.append("paused")
        else:
            parts.append(f"{self.rate:,.0f} steps/s")
            if self.rate > 0:
                parts.append(f"{fmt_duration((total - done) / self.rate)} left")
        self.setFormat(" · ".join(parts))

    def finish(self, result, history) -> None:
        self._info = None
        words = {"completed": "Completed", "early_stopped": "Stopped early", "stopped": "Stopped",
                 "diverged": "Diverged", "failed": "Failed"}
        text = f"{words.get(result.status, result.status)}: {finish_text(result, history)}"
        if result.status == "diverged" and result.diverged_step:
            text += f", diverged at step {result.diverged_step:,}"
        if result.status in ("completed", "early_stopped"):
            self.setValue(1000)
        self.setFormat(text)
        self.setToolTip(result.message or text)

    def clear(self) -> None:
        self._info = None
        self.setValue(0)
        self.setFormat("Ready")
