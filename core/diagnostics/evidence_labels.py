"""Plain words for the evidence numbers of a finding.

A finding keeps its raw keys (``GL``, ``P5``, ``gap_at_best``…) in JSON and the run store; views show
each as a plain label with a tooltip that defines it and a unit. Data only, no Qt.
"""
from __future__ import annotations

import math
import re
from typing import NamedTuple

__all__ = ["EvidenceLabel", "LABELS", "label_for", "format_value", "plain_evidence"]


class EvidenceLabel(NamedTuple):
    label: str        # what a view shows instead of the key
    tip: str          # the definition (a tooltip)
    unit: str = ""    # "%", "epochs", … appended to the value


LABELS: dict[str, EvidenceLabel] = {
    # overfitting (Prechelt's early-stopping criteria)
    "GL": EvidenceLabel("generalization loss", "generalization loss: how far the smoothed validation loss is "
                        "above its best, in %", "%"),
    "GL_raw": EvidenceLabel("generalization loss (raw)", "the same, on the unsmoothed validation loss, in %",
                            "%"),
    "PQ": EvidenceLabel("loss / progress ratio", "generalization loss divided by training progress: high when "
                        "validation worsens while training barely improves"),
    "UP": EvidenceLabel("epochs of rising validation", "how many consecutive checks the validation loss rose",
                        "epochs"),
    "best_epoch": EvidenceLabel("best epoch", "the epoch where the smoothed validation loss was lowest"),
    "best_val_loss": EvidenceLabel("best validation loss", "the lowest smoothed validation loss"),
    "val_loss_now": EvidenceLabel("validation loss now", "the smoothed validation loss at the last epoch"),
    "train_fall_pct": EvidenceLabel("training loss fell", "how much the training loss fell since the best "
                                    "epoch, in %", "%"),
    "gap_at_best": EvidenceLabel("gap at best epoch", "validation minus training loss at the best epoch"),
    "gap_now": EvidenceLabel("gap now", "validation minus training loss at the last epoch"),
    "z": EvidenceLabel("rise over noise", "how many noise widths (standard deviations) the validation loss "
                       "rose: above ~3 is unlikely to be chance"),
    "sustained_epochs": EvidenceLabel("sustained for", "epochs the rise has lasted", "epochs"),
    "smooth_window": EvidenceLabel("smoothing window", "epochs averaged to smooth the curves", "epochs"),
    "lowest_val_epoch": EvidenceLabel("lowest single validation epoch", "the epoch of the lowest unsmoothed "
                                      "validation loss (what early stopping keeps)"),
    "lowest_val_loss": EvidenceLabel("lowest single validation loss", "the lowest unsmoothed validation loss"),
    "metric_change": EvidenceLabel("accuracy change since best epoch", "validation accuracy now (last 3 epochs) "
                                   "minus around the best epoch, as a fraction"),
    "accuracy_now": EvidenceLabel("validation accuracy now", "mean of the last 3 epochs, as a fraction"),
    "accuracy_at_best": EvidenceLabel("validation accuracy at best epoch", "mean of the 3 epochs around the "
                                      "lowest validation loss, as a fraction"),
    "accuracy_best": EvidenceLabel("best validation accuracy", "the highest 3-epoch mean the run reached"),
    "accuracy_se": EvidenceLabel("accuracy noise (1 standard error)", "binomial standard error of the accuracy "
                                 "on this many validation samples: changes inside it are chance"),
    "accuracy_held": EvidenceLabel("accuracy held", "1: accuracy within one standard error of its best (the "
                                   "network grows over-confident), 0: it fell"),
    "val_samples": EvidenceLabel("validation samples", "how many samples the accuracy was measured on"),
    # divergence
    "step": EvidenceLabel("at step", "the step where the loss exploded"),
    "epoch": EvidenceLabel("in epoch", "the epoch of that step"),
    "nonfinite_step": EvidenceLabel("first NaN/inf at step", "the first step whose loss was not a number"),
    "best_loss": EvidenceLabel("best loss before", "the lowest smoothed loss before the explosion"),
    "ratio": EvidenceLabel("times the best loss", "the exploded loss divided by the best loss before it", "×"),
    "lr": EvidenceLabel("learning rate", "the learning rate at that point"),
    "lr_before": EvidenceLabel("learning rate before", "the rate before the schedule changed it"),
    "lr_after": EvidenceLabel("learning rate after", "the rate after the schedule changed it"),
    "never_back": EvidenceLabel("never came back", "1: after the jump the loss never fell back near its level "
                                "before it"),
    "lowest_after": EvidenceLabel("lowest loss after the jump", "the lowest 9-step median of the loss after it"),
    "max_grad_norm": EvidenceLabel("largest gradient norm", "the largest global gradient norm seen"),
    # plateau, fit, noise
    "epochs_stuck": EvidenceLabel("epochs without progress", "epochs the loss stayed within the threshold",
                                  "epochs"),
    "threshold_pct": EvidenceLabel("threshold", "a change smaller than this counts as no progress, in %", "%"),
    "change_pct": EvidenceLabel("change", "how much the loss changed over the window, in %", "%"),
    "drop_after_pct": EvidenceLabel("drop after", "how much the loss fell after the plateau, in %", "%"),
    "level": EvidenceLabel("loss level", "the loss the curve sits at"),
    "level_vs_ref_pct": EvidenceLabel("level vs. reference", "the level compared with the reference loss, in %",
                                      "%"),
    "ref_loss": EvidenceLabel("reference loss", "the loss of always predicting the mean / the class shares"),
    "baseline_loss": EvidenceLabel("baseline loss", "the loss of always predicting the mean / the class shares: "
                                   "a model should beat it"),
    "majority_rate": EvidenceLabel("most common class share", "accuracy of always guessing the most common class"),
    "accuracy": EvidenceLabel("accuracy", "share of validation samples classified right"),
    "val_loss": EvidenceLabel("validation loss", "the validation loss at the end"),
    "val_r2": EvidenceLabel("validation R²", "share of the target's variance the model explains (1 is perfect)"),
    "loss_start": EvidenceLabel("loss at start", "the smoothed loss at the first epoch"),
    "loss_end": EvidenceLabel("loss at end", "the smoothed loss at the last epoch"),
    "loss_fall_pct": EvidenceLabel("loss fell", "how much the loss fell over the run, in %", "%"),
    "scatter": EvidenceLabel("step-to-step scatter", "the spread of the per-step loss around its trend"),
    "scatter_ratio": EvidenceLabel("scatter / level", "the scatter relative to the loss level"),
    "val_scatter_ratio": EvidenceLabel("validation scatter / level", "the validation curve's scatter relative "
                                       "to its level"),
    "spike_share": EvidenceLabel("share of spikes", "share of steps far above the trend"),
    "lag1_autocorr": EvidenceLabel("step-to-step correlation", "correlation of each step's deviation with the "
                                   "next: near 0 is noise, near 1 a slow drift"),
    "trend_level": EvidenceLabel("trend level", "the smoothed loss the scatter is measured against"),
    "trend_window": EvidenceLabel("trend window", "steps averaged for the trend", "steps"),
    "window": EvidenceLabel("window", "the number of points the rule looked at"),
    "steps": EvidenceLabel("steps", "steps the rule looked at"),
    "first_step": EvidenceLabel("from step", "the first step looked at"),
    "last_step": EvidenceLabel("to step", "the last step looked at"),
    "epochs": EvidenceLabel("epochs", "epochs the rule looked at"),
    "val_epochs": EvidenceLabel("validation epochs", "epochs with a validation loss"),
    "val_first_epoch": EvidenceLabel("first validation epoch", "the first epoch with a validation loss"),
    "val_last_epoch": EvidenceLabel("last validation epoch", "the last epoch with a validation loss"),
    "val_max": EvidenceLabel("highest validation loss", "the highest validation loss"),
    "val_max_epoch": EvidenceLabel("epoch of the highest", "the epoch of the highest validation loss"),
    # design (architecture lint)
    "depth": EvidenceLabel("depth", "layers on the longest path"),
    "params": EvidenceLabel("parameters", "trainable parameters"),
    "n_train": EvidenceLabel("training samples", "samples in the training split"),
    "params_per_sample": EvidenceLabel("parameters per sample", "trainable parameters per training sample"),
    "p": EvidenceLabel("dropout rate", "the share of units dropped"),
    "outside_share": EvidenceLabel("targets out of reach", "share of targets the output cannot produce"),
    "target_min": EvidenceLabel("smallest target", "the smallest target value"),
    "target_max": EvidenceLabel("largest target", "the largest target value"),
    "loss_floor": EvidenceLabel("lowest reachable loss", "the loss this output cannot go below"),
    "best_probability": EvidenceLabel("best reachable probability", "the highest probability it can output"),
}

_PROGRESS = re.compile(r"P(\d+)")


def label_for(key: str) -> EvidenceLabel:
    """The label of ``key``; ``P5``-style keys are training progress over that many epochs; an
    unknown key gets its words back ("gap_now" -> "gap now")."""
    if key in LABELS:
        return LABELS[key]
    m = _PROGRESS.fullmatch(key)
    if m:
        k = m.group(1)
        return EvidenceLabel(f"training progress ({k} epochs)", f"training progress over the last {k} epochs: "
                             "how much the training loss still falls, per mille of its mean")
    return EvidenceLabel(key.replace("_", " "), key)


def format_value(value) -> str:
    """Whole numbers as integers, others with four significant digits; NaN/inf as words."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        v = float(value)
        if math.isnan(v):
            return "n/a"
        if math.isinf(v):
            return "∞" if v > 0 else "−∞"
        if v == int(v) and abs(v) < 1e9:
            return f"{int(v):,}"
        return f"{v:.4g}"
    return str(value)


def plain_evidence(evidence: dict) -> list[tuple[str, str, str]]:
    """``[(text, tooltip, raw key)]``: "generalization loss: 12.3%" with its definition."""
    out = []
    for key, value in (evidence or {}).items():
        lab = label_for(str(key))
        text = f"{lab.label}: {format_value(value)}"
        if lab.unit and not (isinstance(value, float) and not math.isfinite(value)):
            text += lab.unit if lab.unit in ("%", "×") else f" {lab.unit}"
        out.append((text, f"{lab.tip} ({key})", str(key)))
    return out
