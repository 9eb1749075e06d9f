"""``HealthMonitor``: every N steps, one probe of every node's health; N keeps the cost in budget.

The trainer makes one monitor in its setup and asks :meth:`HealthMonitor.due` once per step (an
integer countdown). On a due step it calls :meth:`before_step` (a copy of the parameters, for the
update-to-weight ratio), takes the step, and calls :meth:`after_step`: the probe batch goes through
every node (eval mode, no gradient), the statistics are reduced on the device and copied once.

N adapts to the measured cost: after each probe the next one is scheduled so that the probes take
at most :data:`BUDGET` of the training time, both timed in the training thread's CPU time (the
first probe is at step 1, so a run that diverges at once still has one). Probing never changes the
training: eval mode draws no dropout and moves no BatchNorm statistics, and the random generators
are untouched.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import torch

from ..log import get_logger
from .rules import add_to_summary, health_findings
from .stats import STATISTICS, activation_stats, forward_all_eval, parameter_stats, plan_nodes, snapshot, to_host

_log = get_logger(__name__)

#: the training thread's CPU time: the probes and the steps are timed alike, and a machine busy with
#: other work (the GUI, other processes) stretches neither
_clock = time.thread_time

#: the share of the training time the probes may take between the first and the last probe (the limit
#: is 3%; the first probe, which pays torch's one-time costs, and a final one come on top)
BUDGET = 0.01
#: fewest and most steps between two probes
MIN_EVERY = 8
MAX_EVERY = 5000
#: samples in the probe batch (the first ones of the validation split, else of the training split)
PROBE_SAMPLES = 256


@dataclass(frozen=True)
class HealthProbe:
    """One probe: the global step and epoch it followed, and ``{node: {statistic: value}}``."""
    step: int
    epoch: int
    nodes: dict[str, dict[str, float]] = field(default_factory=dict)
    #: the update-to-weight ratios were measured at this step (a final probe carries the last ones over)
    updates_measured: bool = True

    def to_dict(self) -> dict:
        return {"step": self.step, "epoch": self.epoch, "nodes": _json_nodes(self.nodes)}


def _json_nodes(nodes: dict[str, dict[str, float]]) -> dict[str, dict[str, float | None]]:
    """JSON has no NaN: a non-finite statistic becomes None."""
    return {n: {k: (v if math.isfinite(v) else None) for k, v in s.items()} for n, s in nodes.items()}


class HealthMonitor:
    """Probes the health of every node of ``setup.model`` during training (see the module doc)."""

    def __init__(self, setup, *, every: int | None = None, samples: int = PROBE_SAMPLES, lr: float | None = None):
        self.model = setup.model
        x = setup.x_val if setup.x_val.shape[0] else setup.x_train
        self.x = x[:samples]
        self.plans = plan_nodes(self.model)
        self.types = {p.id: p.type for p in self.plans}
        self.order = [p.id for p in self.plans]
        self.fixed_every = every
        self.every = every or MIN_EVERY
        self.lr = lr
        self.series: list[HealthProbe] = []
        self.probe_seconds = 0.0                 # total time spent probing (what the budget limits)
        self._countdown = 1                      # the first probe follows step 1
        self._before: list[torch.Tensor] | None = None
        self._since = _clock()        # when the steps since the last probe began
        self._scheduled = 1                      # how many steps the last schedule allowed
        self._costs: list[float] = []            # the last few probes' costs (seconds)
        self._reported: set[tuple[str, str | None]] = set()
        self._updates: dict[str, tuple[float, int, int]] = {}   # large update ratios so far (see rules)
        self._measured = 0
        self._findings: tuple[int, list] = (0, [])               # (probes, findings) of the last look

    # -- the trainer's calls ---------------------------------------------------------------------
    def due(self) -> bool:
        """Called once per step, before it: True when this step is probed."""
        self._countdown -= 1
        return self._countdown <= 0

    def before_step(self) -> None:
        t = _clock()
        self._before = snapshot(self.plans)
        self.probe_seconds += _clock() - t

    def after_step(self, step: int, epoch: int) -> HealthProbe:
        """Probe after the step ``step`` (1-based, global) and schedule the next probe."""
        t = _clock()
        probe = self.probe(step, epoch, self._before)
        self._before = None
        cost = _clock() - t
        self.probe_seconds += cost
        self._schedule(t, cost)
        return probe

    def probe(self, step: int, epoch: int, before: list[torch.Tensor] | None = None) -> HealthProbe:
        """Measure now (activations on the probe batch; gradients still in ``.grad``) and keep it."""
        outs = forward_all_eval(self.model, self.x)
        keys, values = activation_stats(self.plans, outs)
        pk, pv = parameter_stats(self.plans, before)
        nodes = to_host(keys + pk, values + pv)
        if before is None and self.series:  # a final probe has no step of its own: keep the last ratios
            for node, stats in self.series[-1].nodes.items():
                if "update_ratio" in stats and node in nodes:
                    nodes[node].setdefault("update_ratio", stats["update_ratio"])
        probe = HealthProbe(step, epoch, nodes, before is not None)
        self.series.append(probe)
        self._measured += add_to_summary(self._updates, probe)
        return probe

    def final(self, step: int, epoch: int) -> None:
        """A last probe on the final weights, unless the last step was probed already."""
        if step > 0 and (not self.series or self.series[-1].step != step):
            t = _clock()
            try:
                self.probe(step, epoch)
            except (RuntimeError, ValueError) as exc:  # a model that fails now must not lose the run's result
                _log.error("the final health probe failed; the run is kept", exc_info=exc)
            self.probe_seconds += _clock() - t

    def _schedule(self, started: float, cost: float) -> None:
        """The next interval: probes cost at most BUDGET of the time the steps between them take. The
        first probe pays one-time costs (torch's first calls), so the interval it gives is on the
        safe side (and at least twice the shortest); later ones take the cheapest of the last few
        probes."""
        if self.fixed_every:
            self._countdown = self.every
            return
        self._costs = (self._costs + [cost])[-3:] if len(self.series) > 1 else [cost]
        step_seconds = max(1e-7, (started - self._since) / self._scheduled)
        need = math.ceil(min(self._costs) / (BUDGET * step_seconds))
        shortest = MIN_EVERY if len(self.series) > 1 else 2 * MIN_EVERY
        self.every = int(min(MAX_EVERY, max(shortest, need)))
        self._countdown = self._scheduled = self.every
        self._since = _clock()

    # -- what the run reports --------------------------------------------------------------------
    @property
    def last(self) -> HealthProbe | None:
        return self.series[-1] if self.series else None

    def last_nodes(self) -> dict[str, dict[str, float | None]]:
        """The last probe as ``{node: {statistic: value}}`` (JSON-safe)."""
        return _json_nodes(self.series[-1].nodes) if self.series else {}

    def findings(self) -> list:
        """The health findings of the series so far (computed again only after a new probe)."""
        if self._findings[0] != len(self.series):
            self._findings = (len(self.series), health_findings(self.series, self.plans,
                                                                (self._updates, self._measured)))
        return self._findings[1]

    def merge(self, current: list, new: list) -> tuple[list, list]:
        """The trainer's findings plus the health findings; ``new`` gains the health findings not
        reported before (each (kind, node) is announced once)."""
        from ..diagnostics import sort_findings
        mine = self.findings()
        fresh = [f for f in mine if (f.kind, f.node) not in self._reported]
        self._reported.update((f.kind, f.node) for f in mine)
        kinds = {f.kind for f in mine}
        # the health probe measures dead units itself: the trainer's own count then says nothing new
        current = [f for f in current if f.kind not in kinds]
        return sort_findings(current + mine), list(new) + fresh


def series_rows(series: list[HealthProbe]) -> list[dict]:
    """The series as flat rows: step, epoch, node, then every statistic (empty when not measured)."""
    rows = []
    for probe in series:
        for node, stats in probe.nodes.items():
            row = {"step": probe.step, "epoch": probe.epoch, "node": node}
            row.update({k: stats.get(k) for k in STATISTICS})
            rows.append(row)
    return rows


def write_series_csv(path, series: list[HealthProbe]) -> None:
    """The series as CSV (one row per probe and node; see :func:`series_rows`), written atomically."""
    import csv
    import io

    from ..atomic_files import write_atomic
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=["step", "epoch", "node", *STATISTICS], lineterminator="\n")
    writer.writeheader()
    for row in series_rows(series):
        writer.writerow({k: ("" if v is None or (isinstance(v, float) and not math.isfinite(v)) else v)
                         for k, v in row.items()})
    data = buf.getvalue().encode("utf-8")
    write_atomic(path, lambda f: f.write(data))
