"""All curve rules at once: :func:`diagnose`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .curves import epoch_numbers
from .divergence import find_divergence
from .findings import DiagnosticContext, Finding, sort_findings
from .fit import find_dead_units, find_low_loss_poor_model, find_underfitting
from .noise import find_noisy_training
from .overfitting import find_overfitting_onset
from .plateau import find_plateau


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
) -> list[Finding]:
    """Every curve rule over one run's history; errors first, then warnings, then info.

    ``final=True`` once the run has ended: only then can a stall be called
    "stalled" and underfitting be judged while the loss still creeps down.
    """
    ctx = context or DiagnosticContext()
    history = list(history)
    findings: list[Finding] = []
    divergence = find_divergence(history, steps, context=ctx)
    if divergence is not None:
        findings.append(divergence)
        history, steps = _before_divergence(history, steps, divergence)
    candidates = (
        find_overfitting_onset(history),
        find_plateau(history, final=final, steps=steps, context=ctx),
        find_underfitting(history, ctx, final=final),
        find_noisy_training(history, steps, context=ctx),
        find_low_loss_poor_model(history, ctx),
        find_dead_units(ctx),
    )
    findings.extend(f for f in candidates if f is not None)
    return sort_findings(findings)
