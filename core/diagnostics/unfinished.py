"""A run that stopped while its loss still fell clearly: unfinished, not healthy.

Read once the run has ended (while it goes on, every run is "still falling"):
over the last 5 epochs the training loss fell at least 5% and the validation
loss at least 2% (so it is not overfitting), each read on a least-squares line
through the logarithm of the last 6 epochs, and the fall has not died out at
the very end (the last 2 epochs still fell at least a quarter of the window's
pace); and the validation loss (else the training loss) fell by at least 1%
of the trivial predictor's loss (else the first epoch's): a loss creeping
from 0.10 to 0.096 where guessing gives 2.3 is done, not unfinished. The trivial
predictor's loss (predicting the class shares, or the mean) goes beside the
model's: 0.61 means nothing until one knows that guessing gives 0.69.
"""

from __future__ import annotations

import math

import numpy as np

from .curves import History, epoch_numbers, learning_rate_at, quiet_numpy, series
from .findings import DiagnosticContext, Finding
from .wording import num, pct, raise_lr_advice

WINDOW = 5  # epochs the fall is read over
TRAIN_FALL = 0.05  # the training loss fell 5% over the window ...
VAL_FALL = 0.02  # ... and the validation loss 2% (a rising one is overfitting's business)
VISIBLE = 0.01  # ... and by 1% of the trivial predictor's loss (or the first epoch's): a fall one can see
STILL_PACE = 0.25  # the last 2 epochs still fell at least a quarter of the window's pace per epoch


def trivial_name(ctx: DiagnosticContext) -> str:
    """What the baseline loss is the loss of, in words."""
    return "predicting the mean" if ctx.task == "regression" else "predicting the class shares"


def baseline_words(ctx: DiagnosticContext, val_end: float) -> str:
    """"validation loss 0.61 against 0.69 for predicting the class shares (88% of it)", or ``""``."""
    base = ctx.baseline_loss
    if base is None or not base > 0 or not math.isfinite(val_end):
        return ""
    return (f"validation loss {num(val_end)} against {num(float(base))} for {trivial_name(ctx)} "
            f"({pct(100 * val_end / float(base))} of it)")


def _log_fall(x: np.ndarray) -> float:
    """The fall over ``x`` read on a least-squares line through its logarithm: one noisy epoch at either
    end neither makes nor breaks it (``1 - exp(slope * (len - 1))``; NaN when it cannot be read)."""
    if x.size < 2 or not (np.isfinite(x).all() and (x > 0).all()):
        return math.nan
    t = np.arange(x.size, dtype=np.float64)
    slope = float(np.polyfit(t, np.log(x), 1)[0])
    return 1.0 - math.exp(slope * (x.size - 1))


@quiet_numpy
def find_unfinished(history: History, context: DiagnosticContext | None = None, *,
                    final: bool = False) -> Finding | None:
    """The run ended while both losses still fell clearly (see the module's docstring)."""
    if not final:
        return None
    ctx = context or DiagnosticContext()
    tr_all, va_all = series(history, "train_loss"), series(history, "val_loss")
    mask = np.isfinite(tr_all)
    tr, va, epochs = tr_all[mask], va_all[mask], epoch_numbers(history)[mask]
    n = tr.size
    if n < WINDOW + 1:
        return None
    fall, end_slope = _log_fall(tr[-1 - WINDOW :]), _log_fall(tr[-3:])
    if not fall >= TRAIN_FALL:
        return None
    if not end_slope / 2 >= STILL_PACE * fall / WINDOW:
        return None  # flattening out: it has (nearly) arrived
    before, end = float(tr[-1 - WINDOW]), float(tr[-1])
    reference = float(ctx.baseline_loss) if ctx.baseline_loss and ctx.baseline_loss > 0 else float(tr[0])
    seen = va[-1 - WINDOW :] if np.isfinite(va[-1 - WINDOW :]).all() else tr[-1 - WINDOW :]
    if float(seen[0] - seen[-1]) < VISIBLE * abs(reference):
        return None  # 5% of almost nothing: a loss creeping toward zero far below guessing is done
    has_val = bool(np.isfinite(va[-1 - WINDOW :]).all() and (va[-1 - WINDOW :] > 0).all())
    val_fall = math.nan
    if has_val:
        val_fall = _log_fall(va[-1 - WINDOW :])
        if not val_fall >= VAL_FALL:
            return None
    evidence: dict[str, float] = {
        "train_fall_pct": round(100 * fall, 2),
        "epochs": WINDOW,
        "train_loss": end,
    }
    message = (f"Unfinished: still improving at the end: training loss fell {pct(100 * fall)} over the last "
               f"{WINDOW} epochs (from {num(before)} to {num(end)})")
    if has_val:
        val_end = float(va[-1])
        evidence.update(val_fall_pct=round(100 * val_fall, 2), val_loss=val_end)
        message += f" and validation loss {pct(100 * val_fall)}"
        words = baseline_words(ctx, val_end)
        if words:
            evidence["baseline_loss"] = float(ctx.baseline_loss)
            message += f"; {words}"
    rate = learning_rate_at(history, fallback=ctx.lr)
    suggestion = (f"Train longer (Continue the run, or more epochs) or {raise_lr_advice(rate, ctx.optimizer)}; "
                  "judge the model once the validation loss has flattened out.")
    return Finding(
        kind="unfinished",
        severity="warning",
        message=message,
        suggestion=suggestion,
        evidence=evidence,
        start_epoch=int(epochs[-1 - WINDOW]),
        end_epoch=int(epochs[-1]),
    )
