"""Ctrl-C, SIGTERM and SIGHUP for the headless commands.

Three phases, one handler:

- ``deferred`` (from the start of ``losslab`` until a command's imports are done): a signal is only
  noted, so it can never interrupt an ``import`` halfway (which printed ``ImportError`` or
  ``KeyboardInterrupt`` tracebacks); the command exits ``128 + signal`` as soon as it is safe.
- ``immediate`` (loading data, checking): a signal raises ``KeyboardInterrupt``, which ``main``
  turns into "interrupted" and ``128 + signal``.
- ``training``: the first signal asks the trainer to stop after the current batch (the summary is
  printed and the model saved, as for Ctrl-C); a second one during training aborts at once; once
  training has returned (summary and save), further signals are noted and ignored, so the exit status
  is the one the first signal led to and a save is never cut short.
"""
from __future__ import annotations

import signal
import sys
from typing import Callable

#: the guard of the command running now (set by ``core.cli.main``), else None
CURRENT: "SignalGuard | None" = None
NAMES = {getattr(signal, n): n for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n)}


class Interrupted(KeyboardInterrupt):
    """A stop signal before training started (or a second one during training): exit ``128 + signum``."""

    def __init__(self, signum: int):
        super().__init__(NAMES.get(signum, str(signum)))
        self.signum = signum

    @property
    def status(self) -> int:
        return 128 + self.signum


class SignalGuard:
    """Owns the handlers of SIGINT/SIGTERM/SIGHUP while a command runs; ``restore()`` puts back the old ones."""

    def __init__(self) -> None:
        self.phase = "deferred"
        self.pending: int | None = None     # a signal received while deferred
        self.first: int | None = None       # the signal that stopped training
        self.on_stop: Callable[[int], None] | None = None
        self.note: Callable[[str], None] = lambda s: print(s, file=sys.stderr, flush=True)
        self._previous: dict[int, object] = {}

    def install(self) -> "SignalGuard":
        try:
            for signum in NAMES:
                self._previous[signum] = signal.signal(signum, self._handle)
        except ValueError:  # not the main thread (an embedding caller): leave signals alone
            self._previous.clear()
        return self

    def restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    # -- phases ----------------------------------------------------------------------------------
    def immediate(self) -> None:
        """Imports are done: a signal received meanwhile ends the command now; later ones interrupt."""
        self.phase = "immediate"
        if self.pending is not None:
            raise Interrupted(self.pending)

    def training(self, on_stop: Callable[[int], None]) -> None:
        self.on_stop = on_stop
        self.phase = "training"
        if self.pending is not None:
            raise Interrupted(self.pending)

    def finishing(self) -> None:
        """Training returned: the summary and the save run to their end whatever arrives now."""
        self.phase = "finishing"

    # -- the handler -----------------------------------------------------------------------------
    def _handle(self, signum: int, frame) -> None:
        name = NAMES.get(signum, str(signum))
        if self.phase == "deferred":
            self.pending = self.pending or signum
        elif self.phase == "immediate":
            raise Interrupted(signum)
        elif self.phase == "training":
            if self.first is None:
                self.first = signum
                self.note(f"stopping after this batch ({name}); the summary follows "
                          f"({'Ctrl-C' if signum == signal.SIGINT else name} again to abort)...")
                if self.on_stop is not None:
                    self.on_stop(signum)
            else:
                self.phase = "aborted"
                raise Interrupted(self.first)
        else:  # finishing or aborted: finish what is being written; the exit status stays the first one's
            self.note(f"{name} received: finishing the summary and the save first")
