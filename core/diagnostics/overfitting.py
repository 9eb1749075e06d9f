"""Overfitting onset from the smoothed validation curve, with Prechelt's criteria.

Prechelt, "Early Stopping — But When?" (1998):

- generalization loss ``GL(t) = 100 * (E_va(t) / E_opt(t) - 1)``, with
  ``E_opt(t)`` the lowest validation loss up to ``t``;
- training progress ``P_k(t) = 1000 * (sum(E_tr over the strip of k) / (k * min over the strip) - 1)``;
- ``PQ = GL / P_k``;
- ``UP_s``: validation rose at the end of ``s`` consecutive strips.

LossLab computes GL and UP on the *smoothed* validation curve and flags
overfitting only when the rise is sustained, larger than the curve's own
noise, and training loss still falls. The onset is the epoch of the smoothed
validation minimum.
"""

from __future__ import annotations

import math

import numpy as np

from .curves import History, auto_window, epoch_numbers, noise_sigma, quiet_numpy, series
from .curves import smooth as smooth_curve
from .findings import Finding
from .wording import num, pct

MIN_EPOCHS = 10  # fewer validation points cannot tell a rise from noise
GL_THRESHOLD = 5.0  # Prechelt's GL_alpha range is 1..5; 5% on a smoothed curve is a visible rise
GL_SLOW = 2.0  # a slow rise must still reach 2% when it is confirmed by UP_3
UP_STRIPS = 3  # Prechelt found UP_2..UP_4 the useful range
MIN_SUSTAIN = 2  # settled epochs (past the clipped end window) the smoothed GL must stay above threshold
MIN_Z = 3.5  # rise over its standard error; picking the minimum (and a high end) biases z up by ~2 on pure noise


def _generalization_loss(sv: np.ndarray) -> np.ndarray:
    best = np.minimum.accumulate(sv)
    return 100.0 * (sv - best) / np.maximum(np.abs(best), 1e-12)


def _up_count(sv: np.ndarray, strip: int) -> int:
    """Prechelt's UP: how many consecutive strips, counted back from the end, ended higher."""
    count, t = 0, sv.size - 1
    while t - strip >= 0 and sv[t] > sv[t - strip]:
        count += 1
        t -= strip
    return count


def _training_progress(tr: np.ndarray, strip: int) -> float:
    """Prechelt's P_k over the last strip of raw training losses."""
    window = tr[-strip:]
    low = float(np.min(window))
    if low <= 0:
        return math.inf
    return 1000.0 * (float(np.sum(window)) / (window.size * low) - 1.0)


def _rise_z(va: np.ndarray, best: int, half: int, sigma: float) -> float:
    """How many standard errors the recent raw validation mean sits above the mean near the minimum."""
    n = va.size
    around = va[max(0, best - half) : best + half + 1]
    tail_len = max(3, min(2 * half + 1, (n - 1 - best) // 2))
    recent = va[n - tail_len :]
    se = sigma * math.sqrt(1.0 / around.size + 1.0 / recent.size)
    return (float(np.mean(recent)) - float(np.mean(around))) / se


@quiet_numpy
def find_overfitting_onset(
    history: History,
    *,
    strip: int = 5,
    smooth: int | None = None,
    gl_threshold: float = GL_THRESHOLD,
    min_sustain: int = MIN_SUSTAIN,
    min_z: float = MIN_Z,
) -> Finding | None:
    """Overfitting: validation loss rose from its smoothed minimum while training loss fell.

    Flagged when all three hold:

    - the smoothed training loss is lower now than at the validation minimum;
    - the smoothed GL is at least ``gl_threshold`` now and was for
      ``min_sustain`` settled epochs before, or UP_3 holds with GL >= 2;
    - the recent raw validation mean sits ``min_z`` standard errors (more for
      short runs) above the mean around the minimum, the noise read from the
      curve itself.

    ``strip`` is Prechelt's k; ``smooth`` the odd width of the
    median-then-mean smoother (default: grows with the run, 3 to 9 epochs).
    """
    va_all = series(history, "val_loss")
    tr_all = series(history, "train_loss")
    mask = np.isfinite(va_all) & np.isfinite(tr_all)
    if int(mask.sum()) < MIN_EPOCHS:
        return None
    va, tr, epochs = va_all[mask], tr_all[mask], epoch_numbers(history)[mask]
    n = va.size
    window = smooth or auto_window(n)
    sv, st = smooth_curve(va, window), smooth_curve(tr, window)

    best = n - 1 - int(np.argmin(sv[::-1]))  # the last epoch at the minimum
    if n - 1 - best < min_sustain:
        return None
    gl_curve = _generalization_loss(sv)
    gl = float(gl_curve[-1])
    # The last window//2 smoothed points share one clipped window: count only settled points.
    settled = gl_curve[: n - window // 2] if gl >= gl_threshold else gl_curve[:0]
    sustained = 0
    for value in settled[::-1]:
        if value < gl_threshold:
            break
        sustained += 1
    up = _up_count(sv, strip)
    train_fall = 100.0 * (1.0 - st[-1] / st[best]) if st[best] > 0 else 0.0
    if not st[-1] < st[best]:
        return None
    if not ((gl >= gl_threshold and sustained >= min_sustain) or (up >= UP_STRIPS and gl >= GL_SLOW)):
        return None
    # Noise from the stretch around and after the minimum: the steep early descent would inflate it.
    near_min = va[max(0, min(best - 2 * window, n - 15)) :]
    sigma = max(noise_sigma(near_min), 1e-3 * float(np.median(np.abs(va))), 1e-12)
    z = _rise_z(va, best, window // 2, sigma)
    # Sigma comes from the same few points: demand more of short runs (roughly a t quantile).
    if z < min_z * (1.0 + 3.0 / (n - 2)):
        return None

    p_k = _training_progress(tr, min(strip, n))
    onset = int(epochs[best])
    gl_raw = 100.0 * (va[-1] / float(np.min(va)) - 1.0) if np.min(va) > 0 else math.nan
    patience = max(5, window)
    evidence = {
        "GL": round(gl, 2),
        "GL_raw": round(gl_raw, 2),
        f"P{strip}": round(p_k, 3),
        "PQ": round(gl / p_k, 3) if p_k > 0 else math.inf,
        "UP": up,
        "best_epoch": onset,
        "best_val_loss": float(sv[best]),
        "val_loss_now": float(sv[-1]),
        "train_fall_pct": round(train_fall, 2),
        "gap_at_best": float(sv[best] - st[best]),
        "gap_now": float(sv[-1] - st[-1]),
        "z": round(z, 2),
        "sustained_epochs": sustained,
        "smooth_window": window,
    }
    # The onset is read on the smoothed curve; the checkpoint worth keeping is the lowest single value
    # (what early stopping's restore_best keeps), which noise can put a few epochs away.
    lowest = int(np.argmin(va))
    lowest_epoch = int(epochs[lowest])
    evidence["lowest_val_epoch"] = lowest_epoch
    evidence["lowest_val_loss"] = float(va[lowest])
    also = (f" (lowest single value {num(float(va[lowest]))} at epoch {lowest_epoch})"
            if lowest_epoch != onset else "")
    message = (
        f"Overfitting since epoch {onset}: smoothed validation loss up {pct(gl)} from its minimum "
        f"{num(float(sv[best]))} at epoch {onset}{also} while training loss fell {pct(train_fall)}"
    )
    suggestion = (
        f"Use the weights of epoch {lowest_epoch}, the lowest validation loss (early stopping with restore_best, "
        f"patience {patience}), raise L2 (weight decay 1e-4 to 1e-3) or dropout to 0.3, shrink the network, "
        "or add data."
    )
    return Finding(
        kind="overfitting",
        severity="warning",
        message=message,
        suggestion=suggestion,
        evidence=evidence,
        start_epoch=onset,
        end_epoch=int(epochs[-1]),
    )
