"""Findings that hold still while a run goes on.

:func:`diagnose` re-reads the whole history each time, so near a threshold a
rule can say yes, no, yes from one epoch to the next. The tracker adds
hysteresis both ways: a finding is reported once the rule has supported it
at ``confirm`` consecutive updates (a divergence, and anything at
:meth:`~DiagnosticsTracker.finish`, at once); once reported it stays (its range
end extending) until the rule has not supported it for ``hold`` consecutive
updates; a divergence never goes away.

An update reads a bounded part of the run: the last ``LIVE_EPOCHS`` epochs
(the step rules read their own fixed tails, and the divergence scan keeps its
place between calls: :class:`~core.diagnostics.divergence.DivergenceScan`), so
its cost does not grow with the run (re-reading the whole history every epoch
made a 3,000-epoch run a third slower than a 300-epoch one). Runs up to
``LIVE_EPOCHS`` epochs are read whole while they go; on longer runs a live
finding's range starts at most ``LIVE_EPOCHS`` epochs back. The findings
depend on the history only (never on when or how often the tracker was
asked), and :meth:`~DiagnosticsTracker.finish` reads the whole history: it
returns exactly what a fresh :func:`diagnose` of the whole run returns.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .curves import step_at_end_of
from .findings import DiagnosticContext, Finding, sort_findings
from .divergence import DivergenceScan
from .rules import diagnose

LIVE_EPOCHS = 200  # epochs an update reads: what the rules' windows need, with room, and no more
HOLD_EPOCHS = 5
CONFIRM_EPOCHS = 2
STICKY_KINDS = frozenset({"divergence"})
SUPERSEDES = {"stalled": "plateau"}  # a stall that lasted to the end is no longer "a plateau so far"


@dataclass
class _Tracked:
    finding: Finding
    ongoing: bool  # its range reached the latest epoch when the rule last supported it
    misses: int = 0


def _key(finding: Finding) -> tuple[str, str | None]:
    return finding.kind, finding.node


def _overlaps(a: Finding, b: Finding) -> bool:
    if None in (a.start_epoch, a.end_epoch, b.start_epoch, b.end_epoch):
        return True
    return a.start_epoch <= b.end_epoch and b.start_epoch <= a.end_epoch


def _last_epoch(history: list) -> int:
    """The last record's epoch, read from that record alone (epoch_numbers of the whole run costs O(n))."""
    value = history[-1].get("epoch")
    try:
        number = float(value)
    except (TypeError, ValueError):
        return len(history)
    return int(number) if math.isfinite(number) and abs(number) < 2**62 else len(history)


class DiagnosticsTracker:
    """Incremental, stable diagnosis: call :meth:`update` after each epoch, :meth:`finish` at the end."""

    def __init__(
        self,
        context: DiagnosticContext | None = None,
        *,
        hold: int = HOLD_EPOCHS,
        confirm: int = CONFIRM_EPOCHS,
        live_epochs: int = LIVE_EPOCHS,
    ) -> None:
        self.context = context
        self.live_epochs = max(1, int(live_epochs))
        self.hold = hold
        self.confirm = confirm
        self._tracked: dict[tuple[str, str | None], _Tracked] = {}
        self._pending: dict[tuple[str, str | None], int] = {}
        self._new: list[Finding] = []
        self._last_epoch: int | None = None
        self._scan = DivergenceScan()

    def update(
        self, history: Sequence[Mapping[str, float]], steps: Mapping[str, np.ndarray] | None = None
    ) -> list[Finding]:
        """The current findings after the latest epoch of ``history``."""
        return self._observe(history, steps, final=False)

    def finish(
        self, history: Sequence[Mapping[str, float]], steps: Mapping[str, np.ndarray] | None = None
    ) -> list[Finding]:
        """The findings of the ended run (rules that can only conclude at the end do so)."""
        return self._observe(history, steps, final=True)

    def new_since_last(self) -> list[Finding]:
        """Findings that appeared at the last :meth:`update` or :meth:`finish`."""
        return list(self._new)

    @property
    def findings(self) -> list[Finding]:
        return sort_findings([t.finding for t in self._tracked.values()])

    def reset(self) -> None:
        self._tracked.clear()
        self._pending.clear()
        self._new = []
        self._last_epoch = None
        self._scan = DivergenceScan()

    def _observe(self, history, steps, *, final: bool) -> list[Finding]:
        history = list(history)
        if not history:
            self._new = []
            return self.findings
        last_epoch = _last_epoch(history)
        if self._last_epoch is not None and last_epoch < self._last_epoch:
            self.reset()  # a new run fed to the same tracker
        # Support and misses count epochs, not calls: a second look at the same epoch adds nothing.
        advanced = self._last_epoch is None or last_epoch > self._last_epoch
        self._last_epoch = last_epoch
        last_step = step_at_end_of(history, len(history) - 1)

        view = history if final else history[-self.live_epochs :]  # bounded: see the module's docstring
        current = diagnose(view, steps=steps, context=self.context, final=final, state=self._scan)
        if final:  # the run's verdict is the history's, whatever was shown while it ran
            before = set(self._tracked)
            self._tracked = {_key(f): _Tracked(f, True) for f in current}
            self._pending.clear()
            self._new = [f for f in current if _key(f) not in before]
            return self.findings
        new: list[Finding] = []
        seen = set()
        for finding in current:
            key = _key(finding)
            seen.add(key)
            tracked = self._tracked.get(key)
            ongoing = finding.end_epoch is not None and finding.end_epoch >= last_epoch
            if tracked is not None:
                tracked.finding, tracked.ongoing, tracked.misses = finding, ongoing, 0
                continue
            support = self._pending.get(key, 0) + (1 if advanced or key not in self._pending else 0)
            if final or support >= self.confirm or finding.kind in STICKY_KINDS:
                self._pending.pop(key, None)
                self._tracked[key] = _Tracked(finding, ongoing)
                new.append(finding)
            else:
                self._pending[key] = support
        for key in list(self._pending):
            if key not in seen:
                del self._pending[key]

        for key, tracked in list(self._tracked.items()):
            if key in seen or key[0] in STICKY_KINDS or not advanced:
                continue
            tracked.misses += 1
            if tracked.misses >= self.hold:
                del self._tracked[key]
            elif tracked.ongoing:
                changes = {"end_epoch": last_epoch}
                if tracked.finding.end_step is not None and last_step is not None:
                    changes["end_step"] = max(tracked.finding.end_step, last_step)
                tracked.finding = dataclasses.replace(tracked.finding, **changes)

        for winner, loser in SUPERSEDES.items():
            for key, tracked in list(self._tracked.items()):
                if key[0] != loser:
                    continue
                if any(k[0] == winner and _overlaps(t.finding, tracked.finding) for k, t in self._tracked.items()):
                    del self._tracked[key]
        self._new = [f for f in new if _key(f) in self._tracked]
        return self.findings
