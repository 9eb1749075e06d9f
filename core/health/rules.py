"""Health findings: a named problem at a named node, with what to do about it.

Each rule reads the probe series (see :mod:`core.health.monitor`) and reports at most one finding,
naming the worst node (the others in the message). A problem must hold at the last two probes (a
single probe when that is all there is), so one odd batch does not raise a warning:

- ``dead_units``: a ReLU-family node where at least :data:`DEAD` of the units are zero on every
  probe sample (they get no gradient and never recover);
- ``saturated_units``: a Sigmoid/Tanh node with at least :data:`SATURATED` of its outputs beyond
  97% of its range (their gradient is nearly zero);
- ``vanishing_gradients``: a weight layer whose gradient norm is below :data:`VANISHING` times the
  largest layer's;
- ``large_updates``: a node whose update-to-weight ratio (healthy: about 1e-3) reached
  :data:`LARGE_UPDATE` at a probe: its weights changed by that share of their size in one step. Such
  steps are self-limiting (the weights grow, the units die, the loss explodes), so one measured
  step is enough; the first probe follows step 1, where Adam's step is the learning rate itself.

The thresholds were set on the bundled examples (none reaches them: saturated at most 55% on the
xor example, dead at most 36%, update ratio at most 0.10) and the planted faults of
``tests/benchmarks/bench_health.py``.
"""
from __future__ import annotations

import math

from ..catalog import LAYERS
from ..diagnostics.findings import Finding

DEAD = 0.5
SATURATED = 0.8
VANISHING = 1e-4
LARGE_UPDATE = 0.15

__all__ = ["health_findings", "DEAD", "SATURATED", "VANISHING", "LARGE_UPDATE"]


def _pct(share: float) -> str:
    return f"{100 * share:.0f}%"


def _value(probe, node: str, stat: str) -> float:
    v = probe.nodes.get(node, {}).get(stat)
    return v if v is not None else math.nan


def _held(series, node: str, stat: str, test) -> tuple[bool, int | None]:
    """Whether ``test`` holds for the last two probes (or the only one), and since which step it
    has held without a break."""
    recent = series[-2:]
    if not recent or not all(test(_value(p, node, stat)) for p in recent):
        return False, None
    since = recent[0].step
    for probe in reversed(series[:-2]):
        if not test(_value(probe, node, stat)):
            break
        since = probe.step
    return True, since


def _others(ranked: list[tuple[str, float]], fmt) -> str:
    return "" if len(ranked) < 2 else " (also " + ", ".join(f"{n}: {fmt(v)}" for n, v in ranked[1:4]) + ")"


def _ranked_share(series, plans, wants, stat: str, threshold: float) -> list[tuple[str, float, int]]:
    out = []
    for plan in plans:
        if not wants(plan):
            continue
        held, since = _held(series, plan.id, stat, lambda v: v >= threshold)
        if held:
            out.append((plan.id, _value(series[-1], plan.id, stat), since))
    return sorted(out, key=lambda r: -r[1])


def _dead(series, plans) -> Finding | None:
    ranked = _ranked_share(series, plans, lambda p: p.dies, "dead", DEAD)
    if not ranked:
        return None
    node, share, since = ranked[0]
    return Finding(
        kind="dead_units", severity="warning", node=node, start_step=since, end_step=series[-1].step,
        message=f"{node}: {_pct(share)} of its units never fire on the probe batch (since step {since})"
                + _others([(n, s) for n, s, _ in ranked], _pct),
        suggestion=f"Dead units get no gradient and never recover: use He (Kaiming) initialisation for the layer "
                   f"before {node}, a lower learning rate, LeakyReLU(0.01) or GELU instead of "
                   f"{_type(plans, node)}, or BatchNorm before it.",
        evidence={"dead_share": share, "threshold": DEAD, "since_step": since,
                  **{f"dead_share[{n}]": s for n, s, _ in ranked}})


def _saturated(series, plans) -> Finding | None:
    ranked = _ranked_share(series, plans, lambda p: p.saturates is not None, "saturated", SATURATED)
    if not ranked:
        return None
    node, share, since = ranked[0]
    evidence = {"saturated_share": share, "threshold": SATURATED, "since_step": since}
    inputs = [p.id for p in plans if LAYERS.get(p.type).is_input]
    scale = max((_value(series[-1], n, "std") for n in inputs), default=math.nan)
    cause = ""
    if math.isfinite(scale):
        evidence["input_std"] = scale
        if scale > 10:
            cause = f"; the inputs are not normalised (their spread is {scale:.3g})"
    return Finding(
        kind="saturated_units", severity="warning", node=node, start_step=since, end_step=series[-1].step,
        message=f"{node}: {_pct(share)} of its outputs sit at the ends of the {_type(plans, node)} range on the "
                f"probe batch, where its gradient is almost zero{cause}"
                + _others([(n, s) for n, s, _ in ranked], _pct),
        suggestion="Standardise the input features (mean 0, spread 1), add normalisation (BatchNorm or LayerNorm) "
                   f"before {node}, a smaller initialisation or learning rate, or a ReLU-family activation.",
        evidence=evidence)


def _vanishing(series, plans, dead_nodes: set[str]) -> Finding | None:
    layers = [p.id for p in plans if p.has_weights and p.params]
    if len(layers) < 3 or dead_nodes:  # gradients stopped by dead units are the dead-unit finding's story
        return None
    ratios: dict[str, list[float]] = {n: [] for n in layers}
    for probe in series[-2:]:
        norms = {n: _value(probe, n, "grad_norm") for n in layers}
        top = max((v for v in norms.values() if math.isfinite(v)), default=0.0)
        if top <= 0:
            return None
        for n, v in norms.items():
            ratios[n].append(v / top if math.isfinite(v) else math.nan)
    weak = [(n, max(r)) for n, r in ratios.items() if r and all(math.isfinite(x) and x < VANISHING for x in r)]
    if not weak:
        return None
    weak.sort(key=lambda r: r[1])
    node, ratio = weak[0]
    grad = _value(series[-1], node, "grad_norm")
    below = [p.id for p in plans if p.saturates is not None]
    why = f" through {len(below)} saturating activations" if len(below) >= 2 else ""
    return Finding(
        kind="vanishing_gradients", severity="warning", node=node, start_step=series[-2:][0].step,
        end_step=series[-1].step,
        message=f"gradients vanish on the way down to {node}{why}: its gradient norm is {grad:.2g}, "
                f"{ratio:.1e} of the largest layer's" + _others(weak, lambda v: f"{v:.1e}"),
        suggestion="Use ReLU-family activations (with He initialisation) instead of stacked Sigmoid/Tanh, add "
                   "normalisation (BatchNorm or LayerNorm) between the layers or residual connections, or use "
                   "fewer layers.",
        evidence={"grad_norm": grad, "grad_ratio": ratio, "threshold": VANISHING,
                  "saturating_layers": len(below)})


def update_summary(series) -> tuple[dict[str, tuple[float, int, int]], int]:
    """``({node: (largest ratio, first step at or over the threshold, probes over it)}, probes that
    measured updates)`` over a whole series; :class:`~core.health.monitor.HealthMonitor` keeps the
    same summary as it goes (see :func:`add_to_summary`)."""
    summary: dict[str, tuple[float, int, int]] = {}
    measured = 0
    for probe in series:
        measured += add_to_summary(summary, probe)
    return summary, measured


def add_to_summary(summary: dict[str, tuple[float, int, int]], probe) -> int:
    """Fold one probe's large update ratios into ``summary``; 1 when it measured updates, else 0."""
    if not probe.updates_measured:
        return 0
    for node, stats in probe.nodes.items():
        v = stats.get("update_ratio")
        if v is not None and math.isfinite(v) and v >= LARGE_UPDATE:
            top, first, count = summary.get(node, (v, probe.step, 0))
            summary[node] = (max(top, v), first, count + 1)
    return 1


def _large_updates(series, updates: tuple[dict, int] | None = None) -> Finding | None:
    summary, measured = updates if updates is not None else update_summary(series)
    flagged = [(node, top, first, count) for node, (top, first, count) in summary.items()]
    if not flagged:
        return None
    flagged.sort(key=lambda r: -r[1])
    node, ratio, since, count = flagged[0]
    return Finding(
        kind="large_updates", severity="warning", node=node, start_step=since, end_step=series[-1].step,
        message=f"{node}: one step changed its weights by {ratio:.2g} of their size (healthy is about 0.001), "
                f"at {count} of {measured} probes, first at step {since}"
                + _others([(n, r) for n, r, _, _ in flagged], lambda v: f"{v:.2g}"),
        suggestion="Lower the learning rate (by 10x or more), or clip the gradient norm (training.grad_clip); "
                   "a learning-rate warm-up also helps.",
        evidence={"update_ratio": ratio, "threshold": LARGE_UPDATE, "probes_over": count,
                  "probes": measured, "since_step": since})


def _type(plans, node: str) -> str:
    return next((p.type for p in plans if p.id == node), "activation")


def health_findings(series, plans, updates: tuple[dict, int] | None = None) -> list[Finding]:
    """The health findings of a probe series (see the module doc); empty when all is well.
    ``updates``: the series' :func:`update_summary` when the caller keeps it (else computed here)."""
    if not series:
        return []
    dead = _dead(series, plans)
    found = [dead, _saturated(series, plans),
             _vanishing(series, plans, {dead.node} if dead is not None else set()),
             _large_updates(series, updates)]
    return [f for f in found if f is not None]
