"""Diagnostics: read a run's metric histories like a practitioner.

Pure functions over histories (numpy + stdlib, no torch, no Qt) that return
:class:`Finding` values: overfitting onset (always a warning; accuracy that
held is evidence inside it), divergence (also a blow-up that never came back),
plateau/stall, underfitting against the trivial predictor's loss, unfinished
runs, noisy training, a low loss hiding a poor model, dead units; the findings
are a function of the history alone;
and, before training, :func:`lint_project` (designs that run but are probably wrong).
:class:`DiagnosticsTracker` keeps the findings stable while a run goes on.
"""

from __future__ import annotations

from .divergence import DivergenceScan, find_divergence
from .findings import DiagnosticContext, Finding, sort_findings
from .fit import find_dead_units, find_low_loss_poor_model, find_underfitting
from .lint import lint_project
from .noise import find_noisy_training
from .overfitting import find_overfitting_onset
from .plateau import find_plateau
from .rules import diagnose
from .unfinished import find_unfinished
from .tracker import DiagnosticsTracker

__all__ = [
    "DiagnosticContext",
    "DiagnosticsTracker",
    "DivergenceScan",
    "Finding",
    "diagnose",
    "find_dead_units",
    "find_divergence",
    "find_low_loss_poor_model",
    "find_noisy_training",
    "find_overfitting_onset",
    "find_plateau",
    "find_underfitting",
    "find_unfinished",
    "lint_project",
    "sort_findings",
]
