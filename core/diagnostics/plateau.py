"""Plateaus and stalls of the training loss.

A window of ``w`` epochs (10, fixed) is *flat* when a
least-squares line through the training loss over it moves by less than 1%
per 10 epochs (0.1% per epoch) of its level, up or down (or less than 0.3%
and within two standard errors of flat: noisy epoch means); a line, not the
two end points, so that one noisy epoch neither makes nor breaks a stall. Flat
windows join into a stretch while the loss stays within 5% of the stretch's
level. Measured against a reference loss (the trivial predictor's loss when
known, else the starting loss), a stretch is:

- a **plateau** when the loss later fell again by at least 20% below the
  stretch's level and that level was at least 25% of the reference (a saddle
  or flat region the optimizer escaped; the slow last gains of an annealed
  run near zero are not one), or, while the run goes on, when it lasts to the
  latest epoch at 80% or more of the reference;
- **stalled** when it lasts to the end of a finished run at 80% or more of
  the reference: training never got going.

A loss that fell below 80% of the reference and then flattened has converged,
perhaps to the noise floor of the data (which can sit well above half the
baseline); that is left to the underfitting rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .curves import (
    History,
    Steps,
    epoch_numbers,
    learning_rate_at,
    quiet_numpy,
    series,
    smooth,
    step_array,
)
from .findings import DiagnosticContext, Finding
from .wording import lr as fmt_lr
from .wording import fell_to, num, pct, raise_lr_advice

FLAT_RATE = 0.001  # relative improvement per epoch: 1% over 10 epochs
BREAK_DROP = 0.2  # a plateau "broke" when the loss later fell 20% below its level
JOIN_TOLERANCE = 0.05  # flat windows join while the loss stays within 5% below the stretch's level
FAR_FRACTION = 0.8  # still >= 80% of the reference loss: it never got going
PLATEAU_FRACTION = 0.25  # a plateau that broke must have been at >= 25% of the reference
NOISY_RATE = 3.0  # a window whose slope is within 2 standard errors of zero is flat up to 3x FLAT_RATE
LR_STEP = 1.5  # a learning-rate change of 1.5x or more is a schedule step, not cosine drift


PLATEAU_WINDOW = 10  # epochs, fixed: a window that grew with the run made old verdicts change


def plateau_window(n: int) -> int:
    """The flat-window width: 10 epochs whatever the run's length (``n`` is kept for callers)."""
    return PLATEAU_WINDOW


@dataclass
class _Stretch:
    start: int  # indices into the finite training series
    end: int
    level: float


def _flat_stretches(
    tr: np.ndarray, ls: np.ndarray, window: int, rate: float, stall_level: float = np.inf
) -> list[_Stretch]:
    """Stretches covered by flat windows (fit on raw ``tr``; levels and joins read on smoothed ``ls``)."""
    x = np.arange(window + 1, dtype=np.float64)
    x -= x.mean()
    spans = sliding_window_view(tr, window + 1)
    sxx = float(x @ x)
    slopes = spans @ x / sxx
    level = np.maximum(np.abs(spans.mean(axis=1)), 1e-12)
    change = slopes / level  # per epoch, relative
    # Where the loss sits at a stall's level (>= 80% of the reference), a slope within its own noise
    # counts as flat too (up to 3x the rate): at lr 1e-6 the epoch means of a batch-32 loss wobble by
    # 1%, and a line through 11 of them can tilt 0.1%/epoch by chance. Lower down, a noisy descent
    # must not read as a plateau.
    residual = spans - spans.mean(axis=1, keepdims=True) - slopes[:, None] * x[None, :]
    se = np.sqrt((residual * residual).sum(axis=1) / max(1, window - 1) / sxx) / level
    noisy_flat = (np.abs(change) < NOISY_RATE * rate) & (np.abs(change) < 2.0 * se) & (level >= stall_level)
    flat = (np.abs(change) < rate) | noisy_flat
    stretches: list[_Stretch] = []
    for t in np.flatnonzero(flat):
        lo, hi = int(t), int(t) + window
        last = stretches[-1] if stretches else None
        # Join flat windows (overlapping, or split by noise) only while the loss stays at the
        # stretch's level: flat, a drop (or a climb), flat again is two stretches.
        between = ls[last.end : hi + 1] if last is not None else None
        if last is not None and (
            float(np.min(between)) >= last.level * (1 - JOIN_TOLERANCE)
            and float(np.max(between)) <= last.level * (1 + JOIN_TOLERANCE)
        ):
            last.end = hi
        else:
            lo = lo if last is None else max(lo, last.end + 1)
            stretches.append(_Stretch(lo, hi, float(np.median(ls[lo : hi + 1]))))
    return stretches


def _lr_change_near(lrs: np.ndarray, index: int) -> tuple[float, float] | None:
    """A learning-rate step within a few epochs of where a plateau ended (smoothing blurs the edge)."""
    for j in range(max(1, index - 1), min(lrs.size, index + 4)):
        before, after = float(lrs[j - 1]), float(lrs[j])
        if before > 0 and after > 0 and max(before / after, after / before) >= LR_STEP:
            return before, after
    return None


def _reference(tr: np.ndarray, steps: Steps | None, ctx: DiagnosticContext) -> tuple[float, str]:
    if ctx.baseline_loss is not None and ctx.baseline_loss > 0:
        trivial = "predicting the mean" if ctx.task == "regression" else "predicting the class shares"
        return float(ctx.baseline_loss), f"the loss of {trivial}"
    step_loss = step_array(steps, "step_loss")
    if step_loss is not None:
        head = step_loss[: min(10, step_loss.size)]
        head = head[np.isfinite(head)]
        if head.size:
            return float(np.median(head)), "the starting loss"
    return float(tr[0]), "the first epoch's loss"


def _suggestion(history: History, steps: Steps | None, ctx: DiagnosticContext, lead: str) -> str:
    rate = learning_rate_at(history, steps, fallback=ctx.lr)
    parts = [raise_lr_advice(rate, ctx.optimizer)]
    optimizer = (ctx.optimizer or "").lower()
    if optimizer.startswith("adam"):
        parts.append("add a warm-up or one-cycle schedule")
    else:
        parts.append("switch to Adam (lr 1e-3) or add momentum 0.9")
    parts.append("use He (Kaiming) initialization with BatchNorm or LayerNorm, and normalize the inputs")
    return lead + ", ".join(parts[:-1]) + ", or " + parts[-1] + "."


@quiet_numpy
def find_plateau(
    history: History,
    *,
    final: bool = False,
    window: int | None = None,
    flat_rate: float = FLAT_RATE,
    steps: Steps | None = None,
    context: DiagnosticContext | None = None,
) -> Finding | None:
    """A stall of the training loss: ``plateau`` if it broke (or may still), ``stalled`` if it lasted to the end.

    ``window`` is the flat-window width in epochs (default :func:`plateau_window`);
    ``flat_rate`` the relative change per epoch (up or down) below which a window is flat.
    """
    ctx = context or DiagnosticContext()
    tr_all = series(history, "train_loss")
    mask = np.isfinite(tr_all)
    tr, epochs = tr_all[mask], epoch_numbers(history)[mask]
    n = tr.size
    w = window or plateau_window(n)
    if n < w + 1:
        return None
    ls = smooth(tr, 3)
    ref, ref_name = _reference(tr, steps, ctx)
    if not ref > 0:
        return None  # "far from zero" needs a positive reference loss
    stretches = _flat_stretches(tr, ls, w, flat_rate, FAR_FRACTION * ref)
    if not stretches:
        return None
    picked = _choose(stretches, ls, ref, n)
    if picked is None:
        return None
    chosen, ongoing = picked
    s_ep, e_ep = int(epochs[chosen.start]), int(epochs[chosen.end])
    length = chosen.end - chosen.start + 1
    change = _change_pct(tr, chosen, length)
    evidence: dict[str, float] = {
        "epochs": length,
        "level": chosen.level,
        "change_pct": round(change, 3),
        "window": w,
        "threshold_pct": 100.0 * flat_rate * w,
        "ref_loss": ref,
        "level_vs_ref_pct": round(100.0 * chosen.level / ref, 2),
    }
    of_ref = f"{pct(100.0 * float(ls[-1] if ongoing else chosen.level) / ref)} of {ref_name} {num(ref)}"
    where = _Where(s_ep, e_ep, length, change, of_ref)
    kind, severity, message, suggestion = _words(history, steps, ctx, mask, ls, chosen, ongoing, final, where,
                                                 evidence)
    return Finding(
        kind=kind,
        severity=severity,
        message=message,
        suggestion=suggestion,
        evidence=evidence,
        start_epoch=s_ep,
        end_epoch=e_ep,
    )


def _choose(stretches: list, ls: np.ndarray, ref: float, n: int) -> tuple[Any, bool] | None:
    """(the stretch to report, whether it is still going on): an ongoing last stretch far from zero,
    else the longest one that broke with a clear drop; None when neither exists."""
    last = stretches[-1]
    ongoing = last.end == n - 1 and ls[-1] >= FAR_FRACTION * ref
    broken = [
        s
        for s in stretches
        if s.end < n - 1
        and s.level >= PLATEAU_FRACTION * ref
        and float(np.min(ls[s.end + 1 :])) <= s.level * (1 - BREAK_DROP)
    ]
    if not ongoing and not broken:
        return None
    return (last if ongoing else max(broken, key=lambda s: s.end - s.start)), ongoing


def _change_pct(tr: np.ndarray, chosen: Any, length: int) -> float:
    """Across the stretch, first third against last third: the end points sit on the edges of drops."""
    k = max(2, length // 3)
    head = float(np.median(tr[chosen.start : chosen.start + k]))
    tail = float(np.median(tr[chosen.end + 1 - k : chosen.end + 1]))
    return 100.0 * (head - tail) / abs(head) if head else 0.0


@dataclass(frozen=True)
class _Where:
    """The reported stretch in words' terms: first and last epoch, length, change and level vs the reference."""
    s_ep: int
    e_ep: int
    length: int
    change: float
    of_ref: str


def _words(history: History, steps: Steps | None, ctx: DiagnosticContext, mask: np.ndarray, ls: np.ndarray,
           chosen: Any, ongoing: bool, final: bool, where: _Where, evidence: dict[str, float]
           ) -> tuple[str, str, str, str]:
    """(kind, severity, message, suggestion) of a stalled, stalling or broken plateau; adds the drop after
    a broken one (and the learning-rate change that broke it) to ``evidence``."""
    s_ep, e_ep, length, change, of_ref = where.s_ep, where.e_ep, where.length, where.change, where.of_ref
    if ongoing and final:
        kind, severity = "stalled", "warning"
        message = (
            f"Stalled: training loss stopped improving at epoch {s_ep} and stayed near {num(float(ls[-1]))} "
            f"to the end ({pct(change)} change over {length} epochs), {of_ref}"
        )
        suggestion = _suggestion(history, steps, ctx, "Training never left this plateau: ")
    elif ongoing:
        kind, severity = "plateau", "info"
        message = (
            f"Training loss has stalled since epoch {s_ep}: {pct(change)} change over {length} epochs, "
            f"at {num(float(ls[-1]))} ({of_ref})"
        )
        suggestion = _suggestion(history, steps, ctx, "If it does not break soon: ")
    else:
        kind, severity = "plateau", "info"
        drop = 100.0 * (1.0 - float(np.min(ls[chosen.end + 1 :])) / chosen.level)
        evidence["drop_after_pct"] = round(drop, 2)
        message = (
            f"Plateau from epoch {s_ep} to {e_ep}: training loss stayed near {num(chosen.level)} "
            f"({pct(change)} change over {length} epochs), then fell "
            f"{fell_to(chosen.level, float(np.min(ls[chosen.end + 1 :])))}"
        )
        change_at = _lr_change_near(series(history, "lr")[mask], chosen.end)
        if change_at is not None:
            before, after = change_at
            message += f" after the learning rate changed from {fmt_lr(before)} to {fmt_lr(after)}"
            evidence["lr_before"], evidence["lr_after"] = before, after
        suggestion = _suggestion(history, steps, ctx, f"It cost {length} epochs; to shorten such plateaus ")
    return kind, severity, message, suggestion
