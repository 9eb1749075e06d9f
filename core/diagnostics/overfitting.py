"""Overfitting onset from the smoothed validation curve, with Prechelt's criteria.

Prechelt, "Early Stopping — But When?" (1998):

- generalization loss ``GL(t) = 100 * (E_va(t) / E_opt(t) - 1)``, with
  ``E_opt(t)`` the lowest validation loss up to ``t``;
- training progress ``P_k(t) = 1000 * (sum(E_tr over the strip of k) / (k * min over the strip) - 1)``;
- ``PQ = GL / P_k``;
- ``UP_s``: validation rose at the end of ``s`` consecutive strips.

LossLab computes GL and UP on the validation curve smoothed over a fixed
5-epoch window (a window that grew with the run moved the onset and made the
verdict depend on when it was asked) and flags overfitting only when the rise
is sustained, larger than the curve's own noise, and training loss still falls.
Two epochs are reported: ``best_epoch``, the lowest validation loss (the
checkpoint early stopping keeps; the finding's start), and
``rise_start_epoch``, where the sustained rise began (where the smoothed
curve leaves the valley around its minimum for good: the end of a flat
valley, right after the best epoch on a V).

A rise that meets these criteria is ``overfitting``, a ``warning``, whatever
the accuracy does: a validation loss that climbs while the training loss falls
is the network fitting the training set's noise. What the accuracy did is
evidence inside that finding, judged against sampling noise: on ``n``
validation samples an accuracy ``p`` has a binomial standard error
``sqrt(p (1 - p) / n)`` (on 30 samples at 80% that is 7 points, so "held within
one point" means nothing there). ``evidence.accuracy_held`` is 1 when the
accuracy now is within one standard error of both its value around the best
epoch and the best it reached (a 3-epoch mean), else 0; the message then says
"validation accuracy has not fallen yet": the network grows over-confident on
the samples it gets wrong, and its probabilities can no longer be trusted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .curves import History, epoch_numbers, noise_sigma, quiet_numpy, series
from .curves import smooth as smooth_curve
from .findings import Finding
from .wording import fell_to, num, pct

MIN_EPOCHS = 10  # fewer validation points cannot tell a rise from noise
GL_THRESHOLD = 5.0  # Prechelt's GL_alpha range is 1..5; 5% on a smoothed curve is a visible rise
UP_STRIPS = 3  # Prechelt found UP_2..UP_4 the useful range
MIN_SUSTAIN = 2  # settled epochs (past the clipped end window) the smoothed GL must stay above threshold
LOW_SUSTAIN = 10  # ... when it stays under 10% (the plain reading's rise): a small rise must last
SMOOTH = 5  # epochs, fixed: the same history always gives the same onset
METRIC_HELD = 0.01  # without the validation set's size: accuracy within 1 point counts as held
ACC_WINDOW = 3  # epochs averaged for "accuracy now", "around the best epoch" and "the best reached"
PLAIN_WINDOW = 5  # the plain reading's 5-epoch means ...
PLAIN_RISE = 0.10  # ... ending 10% above their minimum, 5 epochs or more after it
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


def _plain_rise(va: np.ndarray, tr: np.ndarray) -> tuple[int, float] | None:
    """The rise a person reads off the raw curves: 5-epoch means of the validation loss end >= 10% above
    their minimum, >= 5 epochs after it, while the training loss (its 5-epoch mean) is lower than there.
    ``(index of the lowest window's first epoch, rise in %)`` or ``None``."""
    k = PLAIN_WINDOW
    if va.size < 2 * k:
        return None
    mv = np.convolve(va, np.ones(k) / k, "valid")
    mt = np.convolve(tr, np.ones(k) / k, "valid")
    j = int(np.argmin(mv))
    if not (mv[j] > 0 and mv.size - 1 - j >= k and mv[-1] >= (1 + PLAIN_RISE) * mv[j] and mt[-1] < mt[j]):
        return None
    return j, 100.0 * (float(mv[-1]) / float(mv[j]) - 1.0)


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


def _rise_start(va: np.ndarray, sv: np.ndarray, best: int) -> int:
    """Index where the sustained rise began: where the smoothed curve left the valley for good.

    The valley is everything within one standard error of a 5-epoch mean (the noise read from the raw
    curve after ``best``), and at least 1%, of the smoothed minimum after ``best``: a flat bottom that
    lasts ends where the climb starts. (Measured against a 2,000-sample generalization curve, a wider
    band placed the rise late, a least-squares hinge early.)"""
    after = sv[best:]
    low = float(np.min(after))
    sigma = noise_sigma(va[best:])
    band = low + max(sigma / math.sqrt(SMOOTH), 0.01 * abs(low))
    inside = np.flatnonzero(after <= band)
    return min(va.size - 1, best + (int(inside[-1]) + 1 if inside.size else 0))


def _accuracy_fraction(history: History, mask: np.ndarray) -> np.ndarray | None:
    acc = series(history, "val_accuracy")[mask]
    if not np.isfinite(acc).any():
        return None
    return acc / 100.0 if np.nanmax(acc) > 1.0 + 1e-9 else acc


def accuracy_evidence(history: History, mask: np.ndarray, best: int, val_samples: int | None) -> dict[str, float]:
    """What validation accuracy did while the loss rose, judged against its binomial standard error.

    ``metric_change``: the mean of the last 3 epochs minus the mean of the 3 around ``best`` (the loss
    minimum); ``accuracy_best``: the highest 3-epoch mean the run reached; ``accuracy_se``: the binomial
    standard error of the accuracy now on ``val_samples`` samples (unknown size: 1 point);
    ``accuracy_held``: 1 when the accuracy now is within one standard error of both. Empty without
    accuracy."""
    acc = _accuracy_fraction(history, mask)
    if acc is None:
        return {}
    around = acc[max(0, best - 1) : best + 2]
    now = acc[-ACC_WINDOW:]
    if not (np.isfinite(around).any() and np.isfinite(now).any()):
        return {}
    acc_now, acc_around = float(np.nanmean(now)), float(np.nanmean(around))
    finite = np.where(np.isfinite(acc), acc, np.nan)
    k = min(ACC_WINDOW, finite.size)
    means = np.convolve(np.nan_to_num(finite, nan=0.0), np.ones(k), "valid") / np.maximum(
        np.convolve(np.isfinite(finite).astype(float), np.ones(k), "valid"), 1.0)
    acc_best = max(float(np.max(means)), acc_now)
    if val_samples and val_samples > 0:
        p = min(max(acc_now, 0.5 / val_samples), 1.0 - 0.5 / val_samples)
        se = math.sqrt(p * (1.0 - p) / val_samples)
    else:
        se = METRIC_HELD
    held = acc_now >= acc_around - se and acc_now >= acc_best - se
    evidence = {
        "metric_change": round(acc_now - acc_around, 4),
        "accuracy_now": round(acc_now, 4),
        "accuracy_at_best": round(acc_around, 4),
        "accuracy_best": round(acc_best, 4),
        "accuracy_se": round(se, 4),
        "accuracy_held": 1 if held else 0,
    }
    if val_samples:
        evidence["val_samples"] = int(val_samples)
    return evidence


def _accuracy_words(ev: dict[str, float]) -> str:
    """The accuracy part of the message: held (over-confidence) or fell, with the noise it was judged on."""
    if "accuracy_se" not in ev:
        return ""  # no accuracy was logged
    n = ev.get("val_samples")
    noise = f"one standard error is {100 * ev['accuracy_se']:.1f} points" + (f" on {int(n)} validation samples"
                                                                            if n else "")
    now, best = 100 * ev["accuracy_now"], 100 * ev["accuracy_best"]
    if ev["accuracy_held"]:
        return (f"; validation accuracy has not fallen yet ({now:.1f}% now, best {best:.1f}%; {noise}): the "
                "network is growing over-confident on the samples it gets wrong, so its probabilities can no "
                "longer be trusted")
    drop = max(best - now, 100 * ev["accuracy_at_best"] - now)
    return f"; validation accuracy fell {drop:.1f} points from its best {best:.1f}% to {now:.1f}% ({noise})"


def _prechelt(va, sv, st, smin: int, gl_curve, strip: int, gl_threshold: float, min_sustain: int, min_z: float,
              window: int) -> tuple[bool, int, int, float]:
    """Prechelt's criteria with the noise guard (see :func:`find_overfitting_onset`): (hold, sustained, UP, z)."""
    n, gl = va.size, float(gl_curve[-1])
    # The last window//2 smoothed points share one clipped window: count only settled points.
    settled = gl_curve[: n - window // 2] if gl >= gl_threshold else gl_curve[:0]
    sustained = 0
    for value in settled[::-1]:
        if value < gl_threshold:
            break
        sustained += 1
    up = _up_count(sv, strip)
    # Noise from the stretch around and after the minimum: the steep early descent would inflate it.
    near_min = va[max(0, min(smin - 2 * window, n - 15)) :]
    sigma = max(noise_sigma(near_min), 1e-3 * float(np.median(np.abs(va))), 1e-12)
    after = n - 1 - smin >= min_sustain
    z = _rise_z(va, smin, window // 2, sigma) if after else 0.0
    # 10% (the plain reading's rise) for 2 settled epochs or 3 rising strips; 5% only when it lasts 10 epochs
    strong = gl >= 100 * PLAIN_RISE and (sustained >= min_sustain or up >= UP_STRIPS)
    rising = strong or (gl >= gl_threshold and sustained >= LOW_SUSTAIN)
    # sigma comes from the same few points: demand more of short runs (roughly a t quantile)
    holds = after and st[-1] < st[smin] and rising and z >= min_z * (1.0 + 3.0 / (n - 2))
    return bool(holds), sustained, up, z


@quiet_numpy
def find_overfitting_onset(
    history: History,
    *,
    strip: int = 5,
    smooth: int = SMOOTH,
    gl_threshold: float = GL_THRESHOLD,
    min_sustain: int = MIN_SUSTAIN,
    min_z: float = MIN_Z,
    val_samples: int | None = None,
) -> Finding | None:
    """Overfitting: validation loss rose from its minimum while training loss fell.

    Flagged when the plain reading holds (5-epoch means of the validation
    loss end 10% or more above their minimum, 5 or more epochs after it, with
    the training loss lower than there: what a person reads off the raw
    curves), or when all three hold:

    - the smoothed training loss is lower now than at the validation minimum;
    - the smoothed GL is at least 10% now and was for ``min_sustain``
      settled epochs before (or UP_3 holds), or it is at least
      ``gl_threshold`` and was for ``LOW_SUSTAIN`` settled epochs (a 5-9% rise
      that early stopping's patience cut short is the wobble of a healthy
      bottom, not a warning);
    - the recent raw validation mean sits ``min_z`` standard errors (more for
      short runs) above the mean around the minimum, the noise read from the
      curve itself.

    ``strip`` is Prechelt's k; ``smooth`` the odd width of the
    median-then-mean smoother. ``val_samples`` (the validation set's size) is
    reported with the metric change: on 12 samples one mistake is 8 points.
    """
    va_all = series(history, "val_loss")
    tr_all = series(history, "train_loss")
    mask = np.isfinite(va_all) & np.isfinite(tr_all)
    if int(mask.sum()) < MIN_EPOCHS:
        return None
    va, tr, epochs = va_all[mask], tr_all[mask], epoch_numbers(history)[mask]
    n = va.size
    window = smooth
    sv = smooth_curve(va, window)

    smin = n - 1 - int(np.argmin(sv[::-1]))  # the last epoch at the smoothed minimum
    plain = _plain_rise(va, tr)
    gl_curve = _generalization_loss(sv)
    gl = float(gl_curve[-1])
    if plain is None and (n - 1 - smin < min_sustain or gl < gl_threshold):
        return None  # neither criterion below can hold (the cheap exit of most epochs)
    st = smooth_curve(tr, window)
    prechelt, sustained, up, z = _prechelt(va, sv, st, smin, gl_curve, strip, gl_threshold, min_sustain, min_z, window)
    if not prechelt and plain is None:
        return None
    if not prechelt:  # the plain reading holds: its minimum is the valley (the centre of its 5-epoch window)
        smin = min(smin, plain[0] + PLAIN_WINDOW // 2)

    curves = _Curves(va, sv, tr, st, epochs)
    evidence, best, patience = _onset_evidence(history, mask, curves, smin, window, strip, gl, plain,
                                               (up, z, sustained), val_samples)
    shown = max(gl, plain[1]) if plain is not None else gl
    return _finding(evidence, shown, float(st[best]), float(st[-1]), patience, int(epochs[-1]))


@dataclass(frozen=True)
class _Curves:
    """The finite epochs' curves: raw and smoothed validation and training loss, and their epoch numbers."""
    va: np.ndarray
    sv: np.ndarray
    tr: np.ndarray
    st: np.ndarray
    epochs: np.ndarray


def _onset_evidence(history: History, mask: np.ndarray, c: _Curves, smin: int, window: int, strip: int, gl: float,
                    plain: tuple | None, prechelt: tuple, val_samples: int | None) -> tuple[dict, int, int]:
    """(evidence, index of the best epoch, the early-stopping patience that would have kept it)."""
    va, sv, tr, st, epochs = c.va, c.sv, c.tr, c.st, c.epochs
    up, z, sustained = prechelt
    n = va.size
    # The checkpoint worth keeping: the lowest single value up to where the rise began (what early
    # stopping's restore_best keeps); the rise starts where the smoothed curve left the valley.
    best = int(np.argmin(va[: smin + window // 2 + 1]))
    rise = _rise_start(va, sv, best)
    best_epoch, rise_epoch = int(epochs[best]), int(epochs[min(rise, n - 1)])
    train_fall = 100.0 * (1.0 - st[-1] / st[best]) if st[best] > 0 else 0.0
    p_k = _training_progress(tr, min(strip, n))
    gl_raw = 100.0 * (va[-1] / float(va[best]) - 1.0) if va[best] > 0 else math.nan
    patience = max(5, rise - best + 3)
    evidence = {
        "GL": round(gl, 2),
        "GL_raw": round(gl_raw, 2),
        f"P{strip}": round(p_k, 3),
        "PQ": round(gl / p_k, 3) if p_k > 0 else math.inf,
        "UP": up,
        "best_epoch": best_epoch,
        "best_val_loss": float(va[best]),
        "rise_start_epoch": rise_epoch,
        "val_loss_now": float(sv[-1]),
        "train_fall_pct": round(train_fall, 2),
        "gap_at_best": float(sv[best] - st[best]),
        "gap_now": float(sv[-1] - st[-1]),
        "z": round(z, 2),
        "sustained_epochs": sustained,
        "smooth_window": window,
    }
    if plain is not None:
        evidence["plain_rise_pct"] = round(plain[1], 2)
    accuracy = accuracy_evidence(history, mask, best, val_samples)
    evidence.update(accuracy)
    return evidence, best, patience


def _finding(evidence: dict, rise_pct: float, train_at_best: float, train_now: float, patience: int,
             last_epoch: int) -> Finding:
    """The overfitting warning, in words, with its evidence."""
    best_epoch, rise_epoch = int(evidence["best_epoch"]), int(evidence["rise_start_epoch"])
    rose = f"validation loss up {pct(rise_pct)} from its lowest {num(evidence['best_val_loss'])} at epoch {best_epoch}"
    since = f", rising since epoch {rise_epoch}" if rise_epoch > best_epoch + 1 else ""
    trained = f"while training loss fell {fell_to(train_at_best, train_now)}"
    message = f"Overfitting since epoch {best_epoch}: {rose}{since}, {trained}{_accuracy_words(evidence)}"
    suggestion = (
        f"Use the weights of epoch {best_epoch}, the lowest validation loss (early stopping with "
        f"restore_best, patience {patience}), raise L2 (weight decay 1e-4 to 1e-3) or dropout to 0.3, "
        "shrink the network, or add data."
    )
    if evidence.get("accuracy_held"):
        suggestion += " Label smoothing (0.1) keeps the probabilities honest if they matter."
    return Finding(
        kind="overfitting",
        severity="warning",
        message=message,
        suggestion=suggestion,
        evidence=evidence,
        start_epoch=best_epoch,
        end_epoch=last_epoch,
    )
