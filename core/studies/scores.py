"""What a study ranks by, per run: a robust end-of-run value, and the "early dip" warning.

The lowest validation loss at any epoch is picked on the validation set itself and rewards a noisy
early dip (a learning rate of 0.1 on a small table reached 0.029 at epoch 1, then its curve rose to
0.3 and ended 5x above the others). A study ranks by where each run *ends*: the mean validation loss
over its last :data:`LAST_K` epochs (all epochs in a shorter run), or the training loss when the
project has no validation split. The lowest value and its epoch stay in the table as information.

A run has an *early dip* when its lowest validation loss falls in its first few epochs (the first
:data:`EARLY_SHARE` of the run, at least the first :data:`EARLY_MIN` epochs) and it then ends at least
:data:`DIP_RISE` times that low: its "best" is a lucky moment, not a setting to keep.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

LAST_K = 5
EARLY_SHARE = 0.1
EARLY_MIN = 3
DIP_RISE = 1.5
MIN_EPOCHS_FOR_DIP = 6            # a shorter run has no "first few epochs" and "later" to tell apart

SCORE_KEYS = ("end_val_loss", "end_train_loss")
SCORE_WORDS = {"end_val_loss": "validation loss at the end", "end_train_loss": "training loss at the end"}


def score_description(score: str) -> str:
    """How the score is computed, in words (JSON ``score_description``, the table's tooltip)."""
    what = "validation" if score == "end_val_loss" else "training"
    return (f"mean {what} loss over each run's last {LAST_K} epochs (all epochs of a shorter run), averaged over "
            "seeds; lower is better. Not the lowest epoch: a low point picked on the validation set rewards a "
            "lucky early dip.")


@dataclass(frozen=True)
class RunScore:
    end: float | None                 # mean of the last LAST_K finite values; None when one of them is not finite
    lowest: float | None
    lowest_epoch: int | None          # 1-based
    epochs: int
    early_dip: bool


def _finite(v: float | None) -> bool:
    return v is not None and math.isfinite(v)


def end_value(curve: Sequence[float | None], k: int = LAST_K) -> float | None:
    """Mean of the curve's last ``k`` epochs; ``None`` for an empty curve or a non-finite value there
    (a run that blew up is not scored as if it had ended well)."""
    tail = list(curve)[-k:]
    if not tail or not all(_finite(v) for v in tail):
        return None
    return float(sum(tail) / len(tail))


def early_window(epochs: int) -> int:
    """The "first few epochs" of a run of ``epochs``: the first tenth, at least the first three."""
    return max(EARLY_MIN, int(math.ceil(EARLY_SHARE * epochs)))


def score_run(curve: Sequence[float | None]) -> RunScore:
    """The end value, the lowest value and its epoch, and whether the lowest was an early dip."""
    values = list(curve)
    finite = [(v, i + 1) for i, v in enumerate(values) if _finite(v)]
    end = end_value(values)
    if not finite:
        return RunScore(end, None, None, len(values), False)
    lowest, epoch = min(finite)
    # a rise of half the low's size (in the difference form so that a negative loss, a Gaussian NLL,
    # is judged alike); an end that is not finite rose as far as it can
    rose = end is None or (end > lowest and end - lowest >= (DIP_RISE - 1.0) * abs(lowest))
    dip = len(values) >= MIN_EPOCHS_FOR_DIP and epoch <= early_window(len(values)) and rose
    return RunScore(end, float(lowest), epoch, len(values), bool(dip))


#: every column of a study in words: the scores and the other figures kept per setting
LABELS = {**SCORE_WORDS, "final_train_loss": "final training loss", "best_val_loss": "lowest validation loss",
          "best_epoch": "epoch of the lowest", "gap": "gap at the end (validation - training)",
          "metric": "metric", "seconds": "time (s)"}
