"""How good the model is, beyond the loss going down: underfitting, a low loss
that hides a poor model, and dead ReLU units."""

from __future__ import annotations

import math

import numpy as np

from .curves import History, Steps, epoch_numbers, learning_rate_at, quiet_numpy, series, smooth, step_array
from .findings import DiagnosticContext, Finding
from .wording import fell_to, num, pct, raise_lr_advice

UNDERFIT_RATIO = 0.8  # training loss still above 80% of the trivial predictor's
TRAIN_NOT_MEMORIZED = 0.6  # validation at 80% of the trivial loss with training above 60% of it: barely better
UNDERFIT_GAP = 0.1  # validation within 10% of the baseline above training: not overfitting
STILL_LEARNING = 0.02  # >2% better over the last window: too early to judge while running
ACCURACY_TOLERANCE = 0.01  # "stuck at the majority rate": within 1 point
MIN_LOSS_FALL = 0.05
IMBALANCED = 0.6  # majority share from which "accuracy = majority rate" can hide behind a falling loss
BASELINE_SLACK = 1.05  # "low loss": down to (about) the trivial predictor's loss or below
DEAD_SHARE = 0.5
RECENT_EPOCHS = 10  # "still learning" is judged over the last 10 epochs, whatever the run's length
BALANCED_BETTER = 0.6  # balanced accuracy a majority-class rule never reaches (it scores 1/classes <= 0.5)
STUCK_EPOCHS = 5  # accuracy at the majority rate for the last 5 epochs (or the whole run, if shorter)


def _tail_mean(x: np.ndarray, k: int) -> float:
    tail = x[np.isfinite(x)][-k:]
    return float(np.mean(tail)) if tail.size else math.nan


@quiet_numpy
def find_underfitting(
    history: History, context: DiagnosticContext | None, *, final: bool = False
) -> Finding | None:
    """Training and validation loss both high and close, measured against the trivial predictor.

    Needs ``context.baseline_loss`` (or, for regression, ``val_r2``, since
    1 − R² is the MSE relative to predicting the mean). While the run goes on
    (``final=False``) it waits until the training loss has flattened.
    """
    ctx = context or DiagnosticContext()
    tr_all = series(history, "train_loss")
    mask = np.isfinite(tr_all)
    tr = tr_all[mask]
    n = tr.size
    if n < 3:
        return None
    va = series(history, "val_loss")[mask]
    k = min(3, n)
    tr_end, va_end = _tail_mean(tr, k), _tail_mean(va, k)
    if ctx.baseline_loss is not None and ctx.baseline_loss > 0 and not _barely_better(tr_end, va_end, ctx.baseline_loss):
        return None  # well below the trivial predictor: the cheap exit of most epochs
    w = RECENT_EPOCHS
    st = smooth(tr, 3)
    recent_gain = (st[-w - 1] - st[-1]) / abs(st[-w - 1]) if n > w else math.inf
    if not final and (n < 5 or recent_gain > STILL_LEARNING):
        return None

    evidence: dict[str, float] = {"train_loss": tr_end, "recent_gain_pct": round(100.0 * recent_gain, 2)}
    if math.isfinite(va_end):
        evidence["val_loss"] = va_end
    message = _underfit_message(history, ctx, mask, k, tr_end, va_end, evidence)
    if message is None:
        return None
    rate = learning_rate_at(history, fallback=ctx.lr)
    more_epochs = (
        f"train longer (the loss still fell {pct(100 * recent_gain)} over the last {w} epochs), "
        if recent_gain > STILL_LEARNING
        else "train longer, "
    )
    higher = raise_lr_advice(rate, ctx.optimizer, gentle="3×")
    suggestion = (
        "Give the model more capacity (twice the hidden units or one more hidden layer), "
        f"{more_epochs}or {higher}; check that the inputs are normalized and informative."
    )
    epochs = epoch_numbers(history)[mask]
    return Finding(
        kind="underfitting",
        severity="warning",
        message=message,
        suggestion=suggestion,
        evidence=evidence,
        start_epoch=int(epochs[0]),
        end_epoch=int(epochs[-1]),
    )


def _barely_better(tr_end: float, va_end: float, baseline: float) -> bool:
    """Training loss above 80% of the trivial loss, or validation above 80% with training above 60%."""
    if tr_end / baseline > UNDERFIT_RATIO:
        return True
    return math.isfinite(va_end) and va_end / baseline >= UNDERFIT_RATIO and tr_end / baseline >= TRAIN_NOT_MEMORIZED


def _as_fraction(x: np.ndarray | float) -> np.ndarray | float:
    """Accuracies may come as 0..1 or as percentages."""
    arr = np.asarray(x, dtype=np.float64)
    finite = arr[np.isfinite(arr)]
    if finite.size and float(np.max(finite)) > 1.0 + 1e-9:
        return arr / 100.0 if arr.ndim else float(arr) / 100.0
    return arr if arr.ndim else float(arr)


@quiet_numpy
def _underfit_message(history: History, ctx: DiagnosticContext, mask: np.ndarray, k: int, tr_end: float,
                      va_end: float, evidence: dict[str, float]) -> str | None:
    """The underfitting sentence against the trivial predictor (or, for regression, validation R²), or
    None when the losses are not high and close enough; adds what it measured to ``evidence``."""
    baseline = ctx.baseline_loss
    r2 = _tail_mean(series(history, "val_r2")[mask], k)
    if baseline is not None and baseline > 0:
        ratio = tr_end / baseline
        gap = (va_end - tr_end) / baseline if math.isfinite(va_end) else 0.0
        val_barely = math.isfinite(va_end) and va_end / baseline >= UNDERFIT_RATIO and ratio >= TRAIN_NOT_MEMORIZED
        if not val_barely and (ratio <= UNDERFIT_RATIO or gap > UNDERFIT_GAP):
            return None
        trivial = "predicting the mean" if ctx.task == "regression" else "predicting the class shares"
        evidence.update(
            baseline_loss=float(baseline),
            train_vs_baseline_pct=round(100 * ratio, 2),
            gap_vs_baseline_pct=round(100 * gap, 2),
        )
        relation = "no better than" if ratio >= 1.0 else "both close to"
        if math.isfinite(va_end):
            message = (
                f"Underfitting: training loss {num(tr_end)} and validation loss {num(va_end)} are {relation} "
                f"the {num(baseline)} of {trivial} ({pct(100 * ratio)} and {pct(100 * va_end / baseline)} of it)"
            )
        else:
            message = (
                f"Underfitting: training loss {num(tr_end)} is {pct(100 * ratio)} of the {num(baseline)} of {trivial}"
            )
    elif ctx.task == "regression" and math.isfinite(r2):
        if r2 >= 1 - UNDERFIT_RATIO or (math.isfinite(va_end) and va_end - tr_end > UNDERFIT_GAP * va_end):
            return None
        evidence["val_r2"] = r2
        message = (
            f"Underfitting: validation R² is only {r2:.2f} "
            f"(the model explains {pct(100 * max(r2, 0))} of the variance) "
            f"and training loss {num(tr_end)} is close to validation loss {num(va_end)}"
        )
    else:
        return None
    return message


def _epochs_at_majority(acc: np.ndarray, majority: float) -> int:
    """How many of the last epochs had an accuracy no better than the majority class's share."""
    stuck = 0
    for value in acc[::-1]:
        if value > majority + ACCURACY_TOLERANCE:
            break
        stuck += 1
    return stuck


def _loss_start(sl: np.ndarray, steps: Steps | None) -> float:
    """Where the loss started: the first smoothed epoch, or the first batches' median when higher."""
    loss_start = float(sl[0])
    step_loss = step_array(steps, "step_loss")
    if step_loss is not None:
        head = step_loss[: min(10, step_loss.size)]
        head = head[np.isfinite(head)]
        if head.size:
            loss_start = max(loss_start, float(np.median(head)))
    return loss_start


def _weigh_classes(majority: float) -> str:
    weight = majority / max(1.0 - majority, 1e-9)
    return (
        "Weight the classes in CrossEntropyLoss by 1/frequency "
        f"(two classes at {100 * majority:.0f}/{100 - 100 * majority:.0f}: {weight:.0f}× for the rarer one) "
        "or oversample the rare classes, "
        "and judge the model by balanced accuracy, F1 or per-class recall, not accuracy."
    )


def find_low_loss_poor_model(
    history: History, context: DiagnosticContext | None, steps: Steps | None = None
) -> Finding | None:
    """The loss falls but accuracy stays at what always predicting the majority class gives.

    The fall is measured from the first batches' loss when the step losses are known: on an
    imbalanced table the loss drops to the prior's within epoch 1, so the epoch means alone
    never fall again."""
    ctx = context or DiagnosticContext()
    if ctx.task != "classification" or ctx.majority_rate is None:
        return None
    majority = _as_fraction(float(ctx.majority_rate))
    if not majority >= IMBALANCED:
        return None  # on balanced classes a loss cannot look low while accuracy sits at chance
    acc_key = "val_accuracy" if np.isfinite(series(history, "val_accuracy")).any() else "train_accuracy"
    acc_all = _as_fraction(series(history, acc_key))
    loss_key = "val_loss" if np.isfinite(series(history, "val_loss")).any() else "train_loss"
    loss_all = series(history, loss_key)
    mask = np.isfinite(acc_all) & np.isfinite(loss_all)
    acc, loss, epochs = acc_all[mask], loss_all[mask], epoch_numbers(history)[mask]
    n = acc.size
    if n < 3:
        return None
    window = min(STUCK_EPOCHS, n)
    stuck = _epochs_at_majority(acc, majority)
    sl = smooth(loss, 3)
    loss_start = _loss_start(sl, steps)
    fall = 1.0 - sl[-1] / loss_start if loss_start > 0 else 0.0
    if stuck < window or fall < MIN_LOSS_FALL:
        return None
    baseline = ctx.baseline_loss
    if baseline is not None and baseline > 0 and sl[-1] > BASELINE_SLACK * baseline:
        return None  # not a low loss at all: still above the trivial predictor's (underfitting, stall)
    bal_key = "val_balanced_accuracy" if acc_key == "val_accuracy" else "train_balanced_accuracy"
    bal = _as_fraction(series(history, bal_key))
    bal = bal[np.isfinite(bal)]
    if bal.size and _tail_mean(bal, 3) >= BALANCED_BETTER:
        return None  # it finds the minority classes (class weights trade accuracy for that): not the majority rule
    acc_now = _tail_mean(acc, 3)
    start = int(epochs[n - stuck])
    which = "validation" if acc_key == "val_accuracy" else "training"
    evidence: dict[str, float] = {
        "accuracy": acc_now,
        "majority_rate": majority,
        "loss_start": loss_start,
        "loss_end": float(sl[-1]),
        "loss_fall_pct": round(100 * fall, 2),
        "epochs_stuck": stuck,
    }
    message = (
        f"{'Validation' if loss_key == 'val_loss' else 'Training'} loss fell {fell_to(loss_start, float(sl[-1]))} "
        f"from {num(loss_start)} but {which} accuracy stays at "
        f"{100 * acc_now:.1f}%, no better than the {100 * majority:.1f}% of always predicting the majority class"
    )
    if ctx.baseline_loss is not None and ctx.baseline_loss > 0:
        evidence["baseline_loss"] = float(ctx.baseline_loss)
        message += f" (whose loss is {num(float(ctx.baseline_loss))})"
    return Finding(
        kind="low_loss_poor_model",
        severity="warning",
        message=message,
        suggestion=_weigh_classes(majority),
        evidence=evidence,
        start_epoch=start,
        end_epoch=int(epochs[-1]),
    )


@quiet_numpy
def find_dead_units(context: DiagnosticContext | None, *, threshold: float = DEAD_SHARE) -> Finding | None:
    """ReLU nodes where most units output zero for the whole validation set."""
    shares = (context.dead_unit_share if context else None) or {}
    flagged = {}
    for node, share in shares.items():
        value = float(share)
        if value > 1.0:
            value /= 100.0
        if math.isfinite(value) and value >= threshold:
            flagged[str(node)] = value
    if not flagged:
        return None
    ranked = sorted(flagged.items(), key=lambda item: -item[1])
    node, share = ranked[0]
    message = f"{pct(100 * share)} of the units of ReLU node {node} are dead: they output 0 for every validation sample"
    if len(ranked) > 1:
        message += " (also " + ", ".join(f"{n}: {pct(100 * s)}" for n, s in ranked[1:]) + ")"
    evidence: dict[str, float] = {"dead_share": share, "threshold": threshold}
    evidence.update({f"dead_share[{n}]": s for n, s in ranked})
    return Finding(
        kind="dead_units",
        severity="warning",
        message=message,
        suggestion=(
            "Dead units get no gradient and never recover: lower the learning rate, use LeakyReLU(0.01) or GELU, "
            "He (Kaiming) initialization, or BatchNorm before the ReLU."
        ),
        evidence=evidence,
        node=node,
    )
