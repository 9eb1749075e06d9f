"""Thread-safe control of a running training: pause, resume, stop, single steps, learning rate."""
from __future__ import annotations

import threading


class TrainingControl:
    """Commands from any thread; the trainer polls one attribute per step (``pending``) and handles
    the rest between batches, so a request costs the loop nothing until it is made."""

    def __init__(self) -> None:
        self._cv = threading.Condition()
        self.pending = False          # read by the trainer every step: anything to look at?
        self._paused = False
        self._stopped = False
        self._steps_allowed = 0       # batches to run while paused (Step)
        self._epoch_step = False      # run to the end of the current epoch while paused
        self._lr: float | None = None
        self._waiting = False         # the trainer is blocked at the pause, everything before it flushed

    # -- commands (any thread) -----------------------------------------------------------------
    def pause(self) -> None:
        with self._cv:
            self._paused = True
            self.pending = True

    def resume(self) -> None:
        with self._cv:
            self._paused = False
            self._steps_allowed = 0
            self._epoch_step = False
            self._refresh()
            self._cv.notify_all()

    def stop(self) -> None:
        with self._cv:
            self._stopped = True
            self.pending = True
            self._cv.notify_all()

    def step(self, batches: int = 1) -> None:
        """Run ``batches`` more batches, then stay paused."""
        with self._cv:
            self._paused = True
            self._steps_allowed += max(1, batches)
            self.pending = True
            self._cv.notify_all()

    def step_epoch(self) -> None:
        """Run to the end of the current epoch, then stay paused."""
        with self._cv:
            self._paused = True
            self._epoch_step = True
            self.pending = True
            self._cv.notify_all()

    def set_lr(self, lr: float) -> None:
        if not lr > 0:
            raise ValueError(f"learning rate must be positive, received {lr}")
        with self._cv:
            self._lr = float(lr)
            self.pending = True

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def stopped(self) -> bool:
        return self._stopped

    @property
    def waiting(self) -> bool:
        """True while the trainer is blocked at a pause (its metrics up to there already flushed):
        nothing more happens until the next command."""
        return self._waiting

    # -- trainer side --------------------------------------------------------------------------
    def _refresh(self) -> None:
        self.pending = self._paused or self._stopped or self._lr is not None

    def take_lr(self) -> float | None:
        with self._cv:
            lr, self._lr = self._lr, None
            self._refresh()
            return lr

    def wait_before_batch(self, on_wait=None) -> bool:
        """Block while paused (unless a Step allows a batch). Returns False when stopping.

        ``on_wait`` runs once when the loop starts waiting (to flush metrics to the view).
        """
        with self._cv:
            waited = False
            while self._paused and not self._stopped:
                if self._steps_allowed > 0:
                    self._steps_allowed -= 1
                    break
                if self._epoch_step:
                    break
                if not waited and on_wait is not None:
                    waited = True
                    self._cv.release()
                    try:
                        on_wait()
                    finally:
                        self._cv.acquire()
                    continue
                self._waiting = True
                self._cv.wait(0.1)
            self._waiting = False
            self._refresh()
            return not self._stopped

    def epoch_ended(self) -> None:
        with self._cv:
            self._epoch_step = False
            self._refresh()
