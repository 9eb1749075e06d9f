"""One background job on a ``QThread``: ``fn(progress)`` runs off the GUI thread; its progress,
result, failure or cancellation come back as queued signals. Cancel sets a flag that the next
``progress`` call turns into :class:`core.data.csvfile.Cancelled` (the Orange ``TaskState`` idea).

(To fold into ``guiapp/tasks.py`` once the shared task runner lands.)
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QThread, Signal

from core.data.csvfile import Cancelled


class BackgroundTask(QThread):
    """Runs ``fn(progress)`` once; emits exactly one of succeeded / failed / cancelled."""

    progressed = Signal(float)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, fn: Callable[[Callable[[float], None]], Any], parent=None):
        super().__init__(parent)
        self._fn = fn
        self._cancel = False
        self._last = -1.0

    def cancel(self) -> None:
        self._cancel = True

    @property
    def cancel_requested(self) -> bool:
        return self._cancel

    def _progress(self, fraction: float) -> None:
        if self._cancel:
            raise Cancelled()
        if fraction - self._last >= 0.01 or fraction >= 1.0:  # throttled before it crosses threads
            self._last = fraction
            self.progressed.emit(float(fraction))

    def run(self) -> None:  # noqa: D102 - QThread's entry point
        try:
            self._progress(0.0)
            result = self._fn(self._progress)
        except Cancelled:
            self.cancelled.emit()
            return
        except Exception as e:  # a background job never takes the window down: report it
            self.failed.emit(str(e) if isinstance(e, ValueError) else f"{type(e).__name__}: {e}")
            return
        if self._cancel:
            self.cancelled.emit()
        else:
            self.succeeded.emit(result)
