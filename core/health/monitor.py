"""``HealthMonitor``: every N steps, one probe of every node's health; N keeps the cost in budget.

The trainer makes one monitor in its setup and asks :meth:`HealthMonitor.due` once per step (an
integer countdown). On a due step it calls :meth:`before_step` (a copy of the parameters, for the
update-to-weight ratio), takes the step, and calls :meth:`after_step`: the probe batch goes through
every node (eval mode, no gradient), the statistics are reduced on the device and copied once.

N comes from a cost model, not from a clock, so the probed steps (and the findings) are the same
on a busy machine as on an idle one: a probe is one forward pass of the probe batch plus the
statistics, about ``1 + samples / (3 * batch)`` training steps (a step is a forward and a backward
pass of one batch), and N makes that :data:`BUDGET` of the steps between two probes. The first
probe follows step 1, so a run that diverges at once still has one, and a final probe measures the
final weights. ``tests/benchmarks/bench_health.py`` measures the real cost side by side. Probing
never changes the training: eval mode draws no dropout and moves no BatchNorm statistics, and the
random generators are untouched.
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

#: the training thread's CPU time (what ``probe_seconds`` counts)
_clock = time.thread_time

#: the share of the training time the probes may take (the limit is 3%; the first probe, which pays
#: torch's one-time costs, and a final one come on top)
BUDGET = 0.015
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


def probe_interval(samples: int, batch: int) -> int:
    """Steps between two probes: a probe costs about ``1 + samples / (3 * batch)`` steps (see the
    module doc), and the probes may take :data:`BUDGET` of the time."""
    cost_in_steps = 1.0 + samples / (3.0 * batch)
    return int(min(MAX_EVERY, max(MIN_EVERY, math.ceil(cost_in_steps / BUDGET))))


class HealthMonitor:
    """Probes the health of every node of ``setup.model`` during training (see the module doc)."""

    def __init__(self, setup, *, every: int | None = None, samples: int = PROBE_SAMPLES):
        self.model = setup.model
        x = setup.x_val if setup.x_val.shape[0] else setup.x_train
        self.x = x[:samples]
        self.plans = plan_nodes(self.model)
        self.types = {p.id: p.type for p in self.plans}
        self.order = [p.id for p in self.plans]
        batch = max(1, min(int(setup.project.training.batch_size), int(setup.x_train.shape[0]) or 1))
        self.every = every or probe_interval(int(self.x.shape[0]), batch)
        self.series: list[HealthProbe] = []
        self.probe_seconds = 0.0                 # the training thread's CPU time spent probing
        self._countdown = 1                      # the first probe follows step 1
        self._before: list[torch.Tensor] | None = None
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
        self.probe_seconds += _clock() - t
        self._countdown = self.every
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
        current, mine = fold_into_curve_findings(current, self.findings())
        fresh = [f for f in mine if (f.kind, f.node) not in self._reported]
        self._reported.update((f.kind, f.node) for f in mine)
        kinds = {f.kind for f in mine}
        # the health probe measures dead units itself: the trainer's own count then says nothing new
        current = [f for f in current if f.kind not in kinds]
        return sort_findings(current + mine), list(new) + fresh


def fold_into_curve_findings(current: list, mine: list) -> tuple[list, list]:
    """One cause, one finding: health findings that a curve finding already explains are said inside
    it instead of beside it (the badges and the series still show each node).

    - After a divergence, dead units and huge updates are its consequences; the dead units are named in
      its message, as the diagnostics name their own count (:mod:`core.diagnostics.rules`).
    - Beside ``noisy`` (a learning rate too high for the batch), huge updates are its mechanism: named
      in its message, not a second warning."""
    import dataclasses

    def said_in(finding, extra) -> list:
        if extra is None:
            return current
        folded = dataclasses.replace(finding, message=f"{finding.message}; {extra.message}")
        return [folded if f is finding else f for f in current]

    divergence = next((f for f in current if f.kind == "divergence"), None)
    if divergence is not None:
        dead = next((f for f in mine if f.kind == "dead_units"), None)
        return said_in(divergence, dead if dead is not None and "dead" not in divergence.message else None), []
    noisy = next((f for f in current if f.kind == "noisy"), None)
    if noisy is not None:
        large = next((f for f in mine if f.kind == "large_updates"), None)
        return said_in(noisy, large), [f for f in mine if f.kind != "large_updates"]
    return current, mine


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
