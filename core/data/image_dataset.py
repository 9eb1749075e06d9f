"""An image folder as a split, standardized :class:`Dataset` (``"source": "images"``).

The pixels stay uint8 on disk (memory-mapped from the cache); each split is built as float32 in
blocks of :data:`BLOCK` images, standardized on the way, so the peak memory is the float32 splits
plus one block -- never a float64 or second float32 copy of the whole folder.
"""
from __future__ import annotations

import mmap
import os
from pathlib import Path
from typing import Any, Callable

import numpy as np

from core.data.dataset import CLASSIFICATION, Dataset, TargetInfo, as_input_tensor, split_indices
from core.data.errors import DataError
from core.data.image_cache import load_pixels
from core.data.imagefolder import ImageReport, scan_folder, settings_from_params

BLOCK = 512
DEFAULT_TARGET = "class"


def _release(x: np.ndarray) -> None:
    """Drop the pages of a memory-mapped array from this process (the OS keeps them in its file cache):
    without it every image read so far counts in the resident memory until the array is closed."""
    m = getattr(x, "_mmap", None)
    if m is not None and hasattr(mmap, "MADV_DONTNEED"):
        try:
            m.madvise(mmap.MADV_DONTNEED)
        except (OSError, ValueError):
            pass


def channel_stats(x: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and standard deviation (shape (C, 1, 1), pixel units) of ``x[idx]``, read in
    blocks; a constant channel gets std 1."""
    c = x.shape[1]
    total, sq, count = np.zeros(c), np.zeros(c), 0
    for j in range(0, idx.size, BLOCK):
        b = np.asarray(x[np.sort(idx[j:j + BLOCK])], dtype=np.float64)
        total += b.sum(axis=(0, 2, 3))
        sq += (b * b).sum(axis=(0, 2, 3))
        count += b.shape[0] * b.shape[2] * b.shape[3]
        _release(x)
    mean = total / max(count, 1)
    std = np.sqrt(np.maximum(sq / max(count, 1) - mean * mean, 0.0))
    std = np.where(std < 1e-6, 1.0, std)
    return mean.astype(np.float32).reshape(c, 1, 1), std.astype(np.float32).reshape(c, 1, 1)


def standardized(x: np.ndarray, idx: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """``(x[idx] - mean) / std`` as float32, built block by block (the same float32 operations as the
    exports' in-graph step)."""
    out = np.empty((idx.size, *x.shape[1:]), dtype=np.float32)
    for j in range(0, idx.size, BLOCK):
        part = out[j:j + BLOCK]  # written in place: two passes over the output, no float32 temporary
        np.subtract(x[idx[j:j + BLOCK]], mean, out=part, dtype=np.float32)
        part /= std
        _release(x)
    return out


def _splits(labels: np.ndarray, splits: np.ndarray, vf: float, tf: float, seed: int, shown: str):
    if splits.size and splits[0] >= 0:  # train/ and val/ folders: the person's own split
        return np.flatnonzero(splits == 0), np.flatnonzero(splits == 1), np.zeros(0, np.int64)
    return split_indices(labels.size, vf, tf, seed, labels, False, shown)


def _kept_stats(params: dict[str, Any], channels: int) -> tuple[np.ndarray, np.ndarray] | None:
    mean, std = params.get("mean"), params.get("std")
    if mean is None and std is None:
        return None
    for key, values in (("mean", mean), ("std", std)):
        if values is None or len(values) != channels:
            raise DataError(f"data.params.{key}", f"expected {channels} value{'s' if channels > 1 else ''} (one "
                                                  f"per channel) for mean and std, received {key}={values!r}; "
                                                  "clear both to fit them on the training split")
    if min(std) <= 0:
        raise DataError("data.params.std", f"expected values above 0, received std={std!r}")
    return (np.asarray(mean, np.float32).reshape(channels, 1, 1), np.asarray(std, np.float32).reshape(channels, 1, 1))


def _cached_stats(pixels, train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The training split's channel statistics, remembered in the cache entry per split (a second open
    of a big folder then reads two small arrays instead of every training image)."""
    import hashlib
    path = None
    if pixels.entry is not None:
        path = pixels.entry / f"stats-{hashlib.sha256(np.sort(train).tobytes()).hexdigest()[:20]}.npz"
        try:
            with np.load(path, allow_pickle=False) as f:
                return f["mean"], f["std"]
        except (OSError, KeyError, ValueError):
            pass
    mean, std = channel_stats(pixels.x, train)
    if path is not None:
        try:
            with open(path, "wb") as f:
                np.savez(f, mean=mean, std=std)
        except OSError:
            pass  # a read-only cache: fitted again next time
    return mean, std


def image_stats_params(ds: Dataset) -> dict[str, list[float]]:
    """``{"mean": [...], "std": [...]}`` of an image dataset's standardizing, to keep in ``data.params``."""
    return {"mean": [float(v) for v in np.asarray(ds.mean).ravel()],
            "std": [float(v) for v in np.asarray(ds.std).ravel()]}


def _target_name(target: Any, task: str) -> str:
    if task not in ("auto", CLASSIFICATION):
        raise DataError("data.task", "an image folder is a classification set (one class per subfolder); set "
                                     "data.task to auto or classification")
    if target is None:
        return DEFAULT_TARGET
    if not isinstance(target, str) or not target.strip():
        raise DataError("data.target", f"an image folder has one target, the class; give data.target as one "
                                       f"name or leave it empty, received target={target!r}")
    return target


def load_image_dataset(folder: Path, shown: str, params: dict[str, Any], *, target: Any = None, task: str = "auto",
                       val_fraction: float = 0.2, test_fraction: float = 0.0, seed: int = 0,
                       normalize: bool = True, progress: Callable[[float], None] | None = None) -> Dataset:
    """The :class:`Dataset` of the image folder ``folder`` (``shown``: the path as the project writes it).

    ``params``: validated ``size``, ``color``, ``fit``. ``progress(fraction)`` is called while images
    are decoded and may raise to cancel. The dataset's ``image_report`` lists classes, counts and
    every skipped file; ``image_files`` holds the relative path of each sample per split.
    """
    name = _target_name(target, task)
    settings = settings_from_params(params)
    scan = scan_folder(folder, shown)
    if progress is not None:
        progress(0.0)
    pixels = load_pixels(scan, settings, progress)
    labels = pixels.labels
    counts = {c: int((labels == i).sum()) for i, c in enumerate(scan.classes)}
    skipped = scan.skipped + list(pixels.decode_skipped)
    if labels.size == 0:
        raise DataError("data.path", f"none of the {len(scan.files)} images in {shown} could be decoded "
                                     f"(first: {skipped[0][0]}: {skipped[0][1]})")
    gone = [c for c, k in counts.items() if k == 0]
    if gone:
        raise DataError("data.path", f"{shown}: no image of the class{'es' if len(gone) > 1 else ''} "
                                     f"{', '.join(gone)} could be decoded; see the skipped files")
    train, val, test = _splits(labels, pixels.splits, val_fraction, test_fraction, seed, "data.val_fraction")
    if train.size == 0:
        raise DataError("data.path", f"{shown}/train holds no images that could be decoded")
    kept = _kept_stats(params, settings.channels)
    if normalize and kept is not None:  # the statistics saved in the project
        mean, std = kept
    elif normalize:
        mean, std = _cached_stats(pixels, train)
    else:  # unnormalized: pixels scaled to 0..1, the same step in every export
        mean = np.zeros((settings.channels, 1, 1), np.float32)
        std = np.full((settings.channels, 1, 1), 255.0, np.float32)
    parts = []
    for idx in (train, val, test):
        parts.append(as_input_tensor(standardized(pixels.x, idx, mean, std)))
    import torch
    ys = [{name: torch.from_numpy(np.ascontiguousarray(labels[idx]))} for idx in (train, val, test)]
    c, s = settings.channels, settings.size
    report = ImageReport(shown, list(scan.classes), counts, skipped, scan.split_folders, pixels.from_cache)
    ds = Dataset(
        name=Path(os.path.abspath(folder)).name or "images",
        x_train=parts[0], x_val=parts[1], x_test=parts[2], y_train=ys[0], y_val=ys[1], y_test=ys[2],
        targets={name: TargetInfo(name, CLASSIFICATION, list(scan.classes), len(scan.classes))},
        feature_names=[f"pixel_{k}_{r}_{q}" for k in range(c) for r in range(s) for q in range(s)],
        input_shape=(c, s, s), mean=mean, std=std, source="images")
    ds.image_report = report
    ds.image_files = {split: [pixels.files[i] for i in idx]
                      for split, idx in zip(("train", "val", "test"), (train, val, test))}
    ds.index_train, ds.index_val, ds.index_test = (np.asarray(i, np.int64) for i in (train, val, test))
    return ds
