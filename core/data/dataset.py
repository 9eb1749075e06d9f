"""The :class:`Dataset` every data source ends as, and the splitting and normalization behind it."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # torch is heavy: imported only when tensors are built, so parsing a project stays fast
    import torch

from core.data.errors import DataError

CLASSIFICATION = "classification"
REGRESSION = "regression"


@dataclass
class TargetInfo:
    """What one target is: its name, its task, its class names and its width.

    ``width`` is the number of classes for classification and the number of columns for
    regression (1 for a single number per sample).
    """

    name: str
    task: str
    classes: list[str]
    width: int

    @property
    def is_classification(self) -> bool:
        return self.task == CLASSIFICATION


@dataclass
class RawData:
    """What a generator or file reader hands over, before splitting: numpy arrays, unnormalized.

    ``x`` has shape ``(N, *input_shape)``; ``ys[name]`` is int64 class indices ``(N,)`` for a
    classification target, float ``(N,)`` or ``(N, width)`` for regression. ``ordered`` marks a
    time series: its splits keep time order (validation and test are the last parts).
    """

    x: np.ndarray
    ys: dict[str, np.ndarray]
    targets: dict[str, TargetInfo]
    feature_names: list[str]
    ordered: bool = False

    @property
    def n(self) -> int:
        return int(self.x.shape[0])

    def take(self, idx: np.ndarray) -> RawData:
        """The rows ``idx`` (a view-free copy)."""
        return RawData(self.x[idx], {k: v[idx] for k, v in self.ys.items()}, self.targets,
                       self.feature_names, self.ordered)


@dataclass
class Dataset:
    """A data set in memory, split and (optionally) normalized, ready for training.

    Inputs are float32 tensors of shape ``(N, *input_shape)``; the test split may be empty.
    ``y_*[name]`` is int64 ``(N,)`` for a classification target and float32 ``(N,)`` (width 1)
    or ``(N, width)`` for regression. ``targets`` is ordered; the first is the default target.
    ``mean``/``std`` are the normalization fitted on the training split (per feature, or one
    global value for image-like inputs), ``None`` when the inputs are not normalized.
    ``raw_*`` hold the unnormalized inputs of 1-D and 2-D sets for plotting, else ``None``.
    """

    name: str
    x_train: torch.Tensor
    x_val: torch.Tensor
    x_test: torch.Tensor
    y_train: dict[str, torch.Tensor]
    y_val: dict[str, torch.Tensor]
    y_test: dict[str, torch.Tensor]
    targets: dict[str, TargetInfo]
    feature_names: list[str]
    input_shape: tuple[int, ...]
    mean: np.ndarray | None = None
    std: np.ndarray | None = None
    raw_train: np.ndarray | None = None
    raw_val: np.ndarray | None = None
    raw_test: np.ndarray | None = None
    source: str = ""
    shifted: bool = False
    time_ordered: bool = False
    #: CSV sources: how the table became inputs (core.data.columns EncodingReport / TableEncoding)
    table_report: Any = None
    encoding: Any = None
    #: image folders: classes, counts and skipped files (core.data.imagefolder.ImageReport), and each
    #: split's relative file paths ({"train": [...], "val": [...], "test": [...]})
    image_report: Any = None
    image_files: Any = None
    #: each split's samples as positions in the source's own order (a table's 0-based data row, a generated
    #: or bundled set's index, an image folder's scan order): a sample keeps its name whatever the split
    index_train: np.ndarray | None = None
    index_val: np.ndarray | None = None
    index_test: np.ndarray | None = None
    #: training samples dropped by ``data.exclude`` (core.data.exclude)
    excluded: int = 0
    #: rows without a label (a table's empty class cells), normalized like the training split and in no
    #: split: only ``training.pseudo_labels`` learns from them (core.training.pseudo_labels)
    x_unlabeled: torch.Tensor | None = None
    index_unlabeled: np.ndarray | None = None

    @property
    def n_unlabeled(self) -> int:
        return 0 if self.x_unlabeled is None else int(self.x_unlabeled.shape[0])

    @property
    def n_train(self) -> int:
        return int(self.x_train.shape[0])

    @property
    def n_val(self) -> int:
        return int(self.x_val.shape[0])

    @property
    def n_test(self) -> int:
        return int(self.x_test.shape[0])

    @property
    def default_target(self) -> str:
        """Name of the first (default) target."""
        return next(iter(self.targets))

    def normalize_inputs(self, x_raw: np.ndarray) -> np.ndarray:
        """Apply the training split's normalization to raw inputs ``(M, *input_shape)``.

        Used to push a grid of raw 2-D points through a trained model to draw its decision
        boundary. Returns float32; a copy of the input when the set is not normalized.
        """
        x = np.asarray(x_raw, dtype=np.float32)
        if self.mean is None or self.std is None:
            return x.copy()
        return ((x - self.mean) / self.std).astype(np.float32)

    def inputs_text(self) -> str:
        """What one sample is: ``"8 features"`` (a row) or ``"3x32x32 inputs"`` (an image, a sequence)."""
        if len(self.input_shape) == 1:
            nf = self.input_shape[0]
            return f"{nf} feature" + ("" if nf == 1 else "s")
        return "x".join(str(d) for d in self.input_shape) + " inputs"

    def summary(self) -> str:
        """One line, e.g. ``"spiral: 2 features, 3 classes, 480 train / 120 val / 0 test"``."""
        inputs = self.inputs_text()
        parts = []
        for t in self.targets.values():
            if t.is_classification:
                parts.append(f"{t.width} classes")
            else:
                parts.append("regression" if t.width == 1 else f"regression ({t.width} values)")
        if len(self.targets) > 1:
            what = "targets " + " + ".join(f"{n} ({p})" for n, p in zip(self.targets, parts))
        else:
            what = parts[0] if parts else "no target"
        name = self.name + (" (shifted)" if self.shifted else "")
        unlabelled = f" + {self.n_unlabeled} unlabelled" if self.n_unlabeled else ""
        return f"{name}: {inputs}, {what}, {self.n_train} train / {self.n_val} val / {self.n_test} test{unlabelled}"


# --- splitting ------------------------------------------------------------------------------

def check_fractions(val_fraction: object, test_fraction: object) -> tuple[float, float]:
    """Validate the split fractions (each in [0, 1), sum below 1)."""
    out = []
    for name, v in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not 0 <= v < 1:
            raise DataError(f"data.{name}", f"expected a number from 0 up to (not including) 1, received {name}={v!r}")
        out.append(float(v))
    vf, tf = out
    if vf + tf >= 1:
        raise DataError("data.val_fraction",
                        f"val_fraction {vf:g} + test_fraction {tf:g} = {vf + tf:g} leaves no training data; "
                        "keep their sum below 1 (for example 0.2 and 0.1)")
    return vf, tf


def split_sizes(n: int, val_fraction: float, test_fraction: float, where: str = "data") -> tuple[int, int, int]:
    """(train, val, test) sizes: each split with a fraction > 0 gets at least one sample."""
    def size(frac: float) -> int:
        return 0 if frac <= 0 else max(1, int(math.floor(n * frac + 0.5)))

    n_val, n_test = size(val_fraction), size(test_fraction)
    n_train = n - n_val - n_test
    if n_train < 1:
        need = 1 + (val_fraction > 0) + (test_fraction > 0)
        raise DataError(where, f"only {n} samples, too few to split into training, validation and test "
                               f"sets (at least {need} needed, more to learn anything); add rows or lower "
                               "val_fraction/test_fraction")
    return n_train, n_val, n_test


def split_indices(n: int, val_fraction: float, test_fraction: float, seed: int,
                  stratify: np.ndarray | None = None, ordered: bool = False,
                  where: str = "data") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices of the (train, val, test) splits; together they partition ``range(n)``.

    ``ordered``: keep time order, validation then test are the last samples. ``stratify``:
    class labels; every class is then spread over the splits in proportion (each split's
    count of a class is within one or two of its share).
    """
    n_train, n_val, n_test = split_sizes(n, val_fraction, test_fraction, where)
    if ordered:
        order = np.arange(n)
        return order[:n_train], order[n_train:n_train + n_val], order[n_train + n_val:]
    rng = np.random.default_rng([int(seed), 0x5EED])
    perm = rng.permutation(n)
    if stratify is not None:
        # Systematic stratification: the k-th of n_c shuffled members of class c gets the key
        # (k + 0.5) / n_c; sorting by key interleaves the classes so that any prefix of the order
        # holds each class in proportion. Ties are broken by the random permutation.
        labels = np.asarray(stratify)[perm]
        key = np.empty(n, dtype=np.float64)
        for c in np.unique(labels):
            members = np.flatnonzero(labels == c)
            key[members] = (np.arange(members.size) + 0.5) / members.size
        perm = perm[np.argsort(key, kind="stable")]
    val, test, train = perm[:n_val], perm[n_val:n_val + n_test], perm[n_val + n_test:]
    return train, val, test


# --- normalization --------------------------------------------------------------------------

def fit_normalization(x_train: np.ndarray, global_stats: bool) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std of the training inputs: per feature, or one value for all (images).

    A std of zero (a constant feature) becomes 1 so that normalization never divides by zero.
    """
    x = np.asarray(x_train)
    if global_stats:
        x64 = x.astype(np.float64)
        mean, std = np.asarray(x64.mean()), np.asarray(x64.std())
    else:
        # Two passes over row blocks in float64: exact like a float64 copy, without holding one
        # (a million-row table would need 2x its float32 size more).
        n = max(x.shape[0], 1)
        mean = sum((x[i:i + 65536].sum(axis=0, dtype=np.float64) for i in range(0, x.shape[0], 65536)),
                   np.zeros(x.shape[1:], np.float64)) / n
        sq = sum((((x[i:i + 65536] - mean) ** 2).sum(axis=0) for i in range(0, x.shape[0], 65536)),
                 np.zeros(x.shape[1:], np.float64))
        std = np.sqrt(sq / n)
    std = np.where(std < 1e-12, 1.0, std)
    return mean.astype(np.float32), std.astype(np.float32)


def as_input_tensor(x: np.ndarray) -> torch.Tensor:
    import torch
    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))


def as_target_tensor(y: np.ndarray, info: TargetInfo) -> torch.Tensor:
    import torch
    if info.is_classification:
        return torch.from_numpy(np.ascontiguousarray(y, dtype=np.int64))
    return torch.from_numpy(np.ascontiguousarray(y, dtype=np.float32))


def build_dataset(name: str, raw: RawData, splits: tuple[np.ndarray, np.ndarray, np.ndarray], *,
                  normalize: bool, stats: tuple[np.ndarray, np.ndarray] | None = None,
                  source: str = "", shifted: bool = False) -> Dataset:
    """Turn split numpy data into a :class:`Dataset`.

    ``stats``: normalization to apply instead of fitting one on this data's training split (the
    shifted variant reuses the original's); ignored when ``normalize`` is false.
    """
    input_shape = tuple(int(d) for d in raw.x.shape[1:])
    parts = [raw.x[idx].astype(np.float32, copy=False) for idx in splits]
    mean = std = None
    plot = input_shape in ((1,), (2,))
    raw_parts = [p.copy() for p in parts] if plot else [None, None, None]
    if normalize:
        mean, std = stats if stats is not None else fit_normalization(parts[0], len(input_shape) > 1)
        for p in parts:  # in place: a big table is never held twice
            p -= mean
            p /= std
    parts_n = parts
    ys = [{k: as_target_tensor(v[idx], raw.targets[k]) for k, v in raw.ys.items()} for idx in splits]
    return Dataset(
        name=name,
        x_train=as_input_tensor(parts_n[0]), x_val=as_input_tensor(parts_n[1]), x_test=as_input_tensor(parts_n[2]),
        y_train=ys[0], y_val=ys[1], y_test=ys[2],
        targets=dict(raw.targets), feature_names=list(raw.feature_names), input_shape=input_shape,
        mean=mean, std=std,
        raw_train=raw_parts[0], raw_val=raw_parts[1], raw_test=raw_parts[2],
        source=source, shifted=shifted, time_ordered=raw.ordered,
        index_train=np.asarray(splits[0], np.int64), index_val=np.asarray(splits[1], np.int64),
        index_test=np.asarray(splits[2], np.int64),
    )
