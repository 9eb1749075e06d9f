"""The progress line: epoch, step, steps per second and time left of the running training."""
from __future__ import annotations

import time
from collections import deque

from PySide6.QtWidgets import QProgressBar

__all__ = ["TrainingProgress", "fmt_duration"]

RATE_WINDOW_S = 1.5
UPDATES_PER_S = 5


def fmt_duration(seconds: float) -> str:
    """``42 s``, ``3 min 05 s``, ``1 h 02 min``."""
    s = max(0, int(round(seconds)))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {(s % 3600) // 60:02d} min"


class TrainingProgress(QProgressBar):
    """A progress bar whose text reads like ``Epoch 12/150 · step 180/2,250 · 1,620 steps/s · 3 s left``.

    The rate is measured over the last 1.5 s of arriving steps (so a pause shows 0 steps/s)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setRange(0, 1000)
        self.setValue(0)
        self.setTextVisible(True)
        self.setFormat("Ready")
        self._samples: deque[tuple[float, int]] = deque()
        self._info = None
        self._start_steps = 0
        self._next_update = 0.0
        self.rate = 0.0

    def start(self, info, steps_before: int) -> None:
        self._info = info
        self._start_steps = steps_before
        self._samples.clear()
        self._next_update = 0.0
        self.rate = 0.0
        self.setValue(0)
        self.setFormat(f"Starting: {info.n_train:,} training samples, {info.n_params:,} parameters, "
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
        parts = [f"Epoch {info.start_epoch + current}/{info.start_epoch + info.epochs}",
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
        text = (f"{words.get(result.status, result.status)}: {result.epochs_run} epochs, {result.steps:,} steps "
                f"in {fmt_duration(result.seconds)} ({result.steps_per_second:,.0f} steps/s)")
        if result.best_epoch is not None:
            text += f", best epoch {result.best_epoch}"
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
