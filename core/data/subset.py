"""A subset of a loaded data set by class: ``data.classes`` and ``data.per_class``.

``classes`` keeps the rows of those classes of the first classification target, in every split, and
relabels them 0..k-1 in the order given (so a network for digits 5-9 has 5 outputs). ``per_class``
keeps at most N training rows of each class (a seeded, stratified choice: "20 labelled images per
class"); validation and test keep every row of the kept classes, so the validation loss measures the
same thing whatever N is. When the inputs are normalized, the statistics are fitted again on the
training rows that remain (the network sees what it would if only these rows existed).
"""
from __future__ import annotations

import numpy as np

from core.data.dataset import Dataset, fit_normalization
from core.data.errors import DataError


def _class_target(ds: Dataset) -> str:
    for name, info in ds.targets.items():
        if info.is_classification:
            return name
    raise DataError("data.classes", "data.classes and data.per_class pick classes, but this data set has no "
                                    "classification target: remove them")


def subset_by_class(ds: Dataset, classes: list[str] | None, per_class: int | None, seed: int,
                    stats: tuple | None = None) -> Dataset:
    """``ds`` restricted to ``classes`` (relabelled) with at most ``per_class`` training rows each;
    ``stats`` (mean, std) normalizes instead of a fit on the remaining training rows (a shifted variant)."""
    import torch
    if classes is None and per_class is None:
        return ds
    name = _class_target(ds)
    info = ds.targets[name]
    if classes is not None:
        unknown = [c for c in classes if c not in info.classes]
        if unknown:
            raise DataError("data.classes", f"target {name!r} has no class {unknown[0]!r}; its classes are: "
                                            f"{', '.join(info.classes[:30])}")
        old = [info.classes.index(c) for c in classes]
    else:
        old = list(range(info.width))
    remap = torch.full((info.width,), -1, dtype=torch.int64)
    remap[old] = torch.arange(len(old))
    parts = {}
    for split in ("train", "val", "test"):
        y = getattr(ds, f"y_{split}")[name]
        keep = remap[y] >= 0
        idx = torch.nonzero(keep).flatten()
        if split == "train" and per_class is not None:
            idx = _per_class(idx, remap[y[idx]], per_class, seed)
        parts[split] = idx
    if parts["train"].numel() == 0:
        raise DataError("data.classes", "no training rows are left: check data.classes")
    x_raw = {s: _raw(ds, getattr(ds, f"x_{s}")[parts[s]]) for s in parts}
    mean, std = ds.mean, ds.std
    if mean is not None and stats is not None:
        mean, std = stats
    elif mean is not None:
        mean, std = fit_normalization(x_raw["train"].numpy(), len(ds.input_shape) > 1)
    xs = {s: (x if mean is None else (x - torch.from_numpy(mean)) / torch.from_numpy(std)).float().contiguous()
          for s, x in x_raw.items()}
    ys = {}
    for s, idx in parts.items():
        y = {k: v[idx] for k, v in getattr(ds, f"y_{s}").items()}
        y[name] = remap[y[name]]
        ys[s] = y
    targets = dict(ds.targets)
    from core.data.dataset import TargetInfo
    targets[name] = TargetInfo(name, info.task, [info.classes[i] for i in old], len(old))
    raws = {s: (getattr(ds, f"raw_{s}")[parts[s].numpy()] if getattr(ds, f"raw_{s}") is not None else None)
            for s in parts}
    return Dataset(name=ds.name, x_train=xs["train"], x_val=xs["val"], x_test=xs["test"], y_train=ys["train"],
                   y_val=ys["val"], y_test=ys["test"], targets=targets, feature_names=ds.feature_names,
                   input_shape=ds.input_shape, mean=mean, std=std, raw_train=raws["train"], raw_val=raws["val"],
                   raw_test=raws["test"], source=ds.source, shifted=ds.shifted, time_ordered=ds.time_ordered,
                   table_report=ds.table_report, encoding=ds.encoding, image_report=ds.image_report,
                   image_files=_files(ds, parts), excluded=ds.excluded,
                   x_unlabeled=_unlabeled(ds, mean, std), index_unlabeled=ds.index_unlabeled,
                   **{f"index_{s}": _index(ds, s, parts[s]) for s in parts})


def _unlabeled(ds: Dataset, mean, std):
    """The unlabelled rows (no class to subset by: all kept) normalized like the subset's training rows."""
    if ds.x_unlabeled is None:
        return None
    import torch
    x = _raw(ds, ds.x_unlabeled)
    return (x if mean is None else (x - torch.from_numpy(mean)) / torch.from_numpy(std)).float().contiguous()


def _index(ds: Dataset, split: str, idx):
    index = getattr(ds, f"index_{split}")
    return None if index is None else index[idx.numpy()]


def _files(ds: Dataset, parts: dict):
    """Each split's image paths, kept with their samples (sample names survive the subset)."""
    if ds.image_files is None:
        return None
    return {s: [ds.image_files[s][i] for i in parts[s].tolist()] for s in parts}


def _raw(ds: Dataset, x):
    if ds.mean is None:
        return x
    import torch
    return x * torch.from_numpy(np.asarray(ds.std)) + torch.from_numpy(np.asarray(ds.mean))


def _per_class(idx, labels, n: int, seed: int):
    """At most ``n`` of each class among ``idx`` (labels ``labels``), a seeded choice kept in row order."""
    import torch
    rng = np.random.default_rng([int(seed), 0xC1A55])
    labels = labels.numpy()
    chosen = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        chosen.append(rng.permutation(members)[:n])
    pick = np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, dtype=np.int64)
    return idx[torch.from_numpy(pick)]
