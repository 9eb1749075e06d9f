"""How much a trained model relies on each input column: permutation importance on the validation split.

A column's *reliance* is the rise in the model's validation loss when that column's values are
shuffled across the validation rows (its link to the target broken, its distribution kept),
averaged over a few shuffles; negative rises (noise) count as 0. Shares are the rises divided by
their sum, so "these 3 features carry 61% of the model's reliance" reads directly. A categorical
column is shuffled as one block (all its one-hot inputs together).

It is computed once per trained model and kept beside it: in memory, keyed by the module (and its
weights' version counters, so a model trained further is measured again) or by a weights file's
path, size and modification time. A 30-feature table with a few hundred validation rows costs a
few milliseconds.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

REPEATS = 5


@dataclass(frozen=True)
class Reliance:
    """Per input column: the rise of the validation loss when it is shuffled, and its share of all rises."""

    rises: dict[str, float]
    shares: dict[str, float]
    base_loss: float
    n_rows: int

    def share_of(self, names) -> float:
        """The share of the model's reliance that ``names`` carry together (0..1)."""
        return float(sum(self.shares.get(n, 0.0) for n in names))

    def ranked(self) -> list[str]:
        return sorted(self.shares, key=lambda n: -self.shares[n])


def column_groups(encoding) -> dict[str, list[int]]:
    """Input column name -> its positions in the model's input matrix (one, or one per category)."""
    groups, j = {}, 0
    for c in encoding.inputs:
        width = len(c.feature_names)
        groups[c.name] = list(range(j, j + width))
        j += width
    return groups


def permutation_reliance(loss_of: Callable[[np.ndarray], float], x: np.ndarray, groups: dict[str, list[int]],
                         repeats: int = REPEATS, seed: int = 0) -> Reliance:
    """Permutation importance of each group of columns of ``x`` for ``loss_of`` (lower is better)."""
    x = np.asarray(x, dtype=np.float32)
    base = float(loss_of(x))
    rng = np.random.default_rng(seed)
    rises = {}
    shuffled = x.copy()
    for name, cols in groups.items():
        total = 0.0
        for _ in range(repeats):
            perm = rng.permutation(len(x))
            shuffled[:, cols] = x[perm][:, cols]
            total += float(loss_of(shuffled)) - base
        shuffled[:, cols] = x[:, cols]
        rises[name] = max(0.0, total / repeats) if np.isfinite(total) else 0.0
    whole = sum(rises.values())
    shares = {n: (r / whole if whole > 0 else 1.0 / len(rises)) for n, r in rises.items()}
    return Reliance(rises, shares, base, len(x))


# the cache that keeps a model's reliance beside it
_BY_MODULE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_BY_FILE: dict[tuple, Reliance] = {}


def _weights_version(module) -> tuple:
    # an optimizer step or load_state_dict changes a parameter in place, which bumps its version counter
    return tuple((p.data_ptr(), p._version) for p in module.parameters())


def model_reliance(scorer, encoding, source: str | Path | None = None) -> Reliance | None:
    """The reliance of ``scorer``'s model on ``encoding``'s input columns, on its validation split; cached.

    ``source`` is the weights file the scorer loaded (None: its module is the key). None when there are
    fewer than 10 validation rows to measure on."""
    if len(scorer.x_val) < 10:
        return None
    key = None
    if source is not None:
        p = Path(source)
        st = p.stat()
        key = (str(p.resolve()), st.st_size, st.st_mtime_ns)
        if key in _BY_FILE:
            return _BY_FILE[key]
    else:
        held = _BY_MODULE.get(scorer.model)
        if held is not None and held[0] == _weights_version(scorer.model):
            return held[1]
    y = scorer.y_val

    def loss_of(x: np.ndarray) -> float:
        return scorer.loss_metric(scorer.outputs(x), y)[0]
    result = permutation_reliance(loss_of, scorer.x_val.numpy(), column_groups(encoding))
    if key is not None:
        _BY_FILE[key] = result
    else:
        _BY_MODULE[scorer.model] = (_weights_version(scorer.model), result)
    return result
