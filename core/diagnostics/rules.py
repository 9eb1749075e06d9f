"""All curve rules at once: :func:`diagnose`.

One cause, one finding: bouncing weights (noisy) explain a curve that looks
unfinished or underfit; a run still improving at the end (unfinished) is too
early to call underfit; a stall and underfitting on the same run are one
problem (the stall is the cause when the learning rate sits far below the
optimizer's usual one, else the model's capacity is), and a low loss hiding a
poor model explains the stall and underfitting that come with it. The finding
kept carries the other's numbers as evidence (``also_*`` keys).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np

from .curves import epoch_numbers, learning_rate_at
from .divergence import DivergenceScan, find_divergence
from .findings import DiagnosticContext, Finding, sort_findings
from .fit import find_dead_units, find_low_loss_poor_model, find_underfitting
from .noise import find_noisy_training
from .overfitting import find_overfitting_onset
from .plateau import find_plateau
from .unfinished import find_unfinished
from .wording import DEFAULT_TYPICAL_LR, TYPICAL_LR, pct


def _before_divergence(history, steps, found: Finding):
    """The part of the run before it diverged: the other rules must not read NaN or 1e30."""
    if found.start_epoch is not None:
        epochs = epoch_numbers(history)
        history = [rec for rec, e in zip(history, epochs) if e < found.start_epoch]
    if steps is not None and found.start_step is not None:
        cut = max(0, found.start_step - 1)
        steps = {k: (np.asarray(v)[:cut] if v is not None else None) for k, v in steps.items()}
    return history, steps


def diagnose(
    history: Sequence[Mapping[str, float]],
    *,
    steps: Mapping[str, np.ndarray] | None = None,
    context: DiagnosticContext | None = None,
    final: bool = False,
    state: DivergenceScan | None = None,
) -> list[Finding]:
    """Every curve rule over one run's history; errors first, then warnings, then info.

    ``final=True`` once the run has ended: only then can a stall be called
    "stalled" and underfitting be judged while the loss still creeps down.
    """
    ctx = context or DiagnosticContext()
    history = list(history)
    findings: list[Finding] = []
    divergence = find_divergence(history, steps, context=ctx, state=state, final=final)
    if divergence is not None:
        findings.append(divergence)
        history, steps = _before_divergence(history, steps, divergence)
    candidates = (
        find_overfitting_onset(history, val_samples=ctx.val_samples),
        find_plateau(history, final=final, steps=steps, context=ctx),
        find_underfitting(history, ctx, final=final),
        find_noisy_training(history, steps, context=ctx),
        find_low_loss_poor_model(history, ctx, steps),
        find_dead_units(ctx),
        find_unfinished(history, ctx, final=final and divergence is None),  # a blow-up ends the story
    )
    found = {f.kind: f for f in candidates if f is not None}
    _one_cause(found, history, steps, ctx)
    dead = found.pop("dead_units", None) if divergence is not None else None
    if dead is not None:  # units that died in the blow-up are its consequence, not a second problem
        merged = _also(divergence, dead, ("dead_share",))
        findings[0] = dataclasses.replace(merged, message=f"{merged.message}; {dead.message}")
    findings.extend(found.values())
    return sort_findings(findings)


def _also(finding: Finding, other: Finding, keys: tuple[str, ...]) -> Finding:
    evidence = dict(finding.evidence)
    evidence.update({f"also_{other.kind}_{k}": other.evidence[k] for k in keys if k in other.evidence})
    return dataclasses.replace(finding, evidence=evidence)


def _lr_far_too_low(history, steps, ctx: DiagnosticContext) -> bool:
    rate = learning_rate_at(history, steps, fallback=ctx.lr)
    typical = TYPICAL_LR.get((ctx.optimizer or "").lower(), DEFAULT_TYPICAL_LR)
    return rate is not None and rate * 30 <= typical


def _fold(found: dict[str, Finding], keep: str, drop: str, keys: tuple[str, ...]) -> None:
    """``drop`` is part of ``keep``'s story: keep its numbers as evidence of ``keep`` only."""
    if keep in found and drop in found:
        found[keep] = _also(found[keep], found.pop(drop), keys)


def _one_cause(found: dict[str, Finding], history, steps, ctx: DiagnosticContext) -> None:
    """Merge findings that name one problem twice (see the module's docstring)."""
    # Weights that bounce make "still falling" and "barely better than guessing" unreadable: noise first.
    _fold(found, "noisy", "unfinished", ("train_fall_pct",))
    _fold(found, "noisy", "underfitting", ("train_vs_baseline_pct", "baseline_loss"))
    # Still falling clearly at the end: too early to call the model too small (the message has the baseline).
    _fold(found, "unfinished", "underfitting", ("train_vs_baseline_pct", "gap_vs_baseline_pct"))
    stall_kind = "stalled" if "stalled" in found else "plateau"
    stall = found.get(stall_kind)
    if stall is not None and stall.end_epoch is not None and history:
        if stall.end_epoch < int(epoch_numbers(history)[-1]):
            stall = None  # a plateau that broke is its own story
    low = found.get("low_loss_poor_model")
    under = found.get("underfitting")
    if low is not None:
        for other in (under, stall):
            if other is not None:
                low = _also(low, other, ("train_vs_baseline_pct", "epochs"))
                del found[other.kind]
        found["low_loss_poor_model"] = low
        return
    if stall is None or under is None:
        return
    if _lr_far_too_low(history, steps, ctx):
        merged = _also(stall, under, ("train_vs_baseline_pct", "gap_vs_baseline_pct", "val_r2"))
        share = under.evidence.get("train_vs_baseline_pct")
        if share is not None:
            merged = dataclasses.replace(
                merged, message=merged.message + f"; so the model underfits ({pct(share)} of the trivial loss)"
            )
        found[stall_kind] = merged
        del found["underfitting"]
    else:
        merged = _also(under, stall, ("epochs", "level"))
        evidence = dict(merged.evidence, also_stalled_since_epoch=stall.start_epoch)
        message = merged.message + f"; the training loss has been flat since epoch {stall.start_epoch}"
        found["underfitting"] = dataclasses.replace(merged, evidence=evidence, message=message)
        del found[stall_kind]
