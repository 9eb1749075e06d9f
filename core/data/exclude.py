"""``data.exclude``: samples left out of the TRAINING split, named so the name survives a reload.

A sample's identifier is what a person can find again in their data:

* an image folder: the file's path relative to ``data.path`` (``"cat/001.png"``);
* a CSV or NPZ table: its data row in the file, 1 for the first row under the header (NPZ: array row + 1);
* a generated or bundled set (spiral, moons, digits...): its 0-based index in the generated order.

Only the training split loses them: validation and test keep every sample, so the losses of a project and
of its cleaned copy measure the same thing. The inputs' normalization is still the one fitted on the whole
training split (an excluded sample's inputs are fine, its label is what is doubted), so the copy's network
sees its inputs scaled exactly as the original's did. Identifiers that name a validation or test sample, or
no sample at all (the file changed), exclude nothing; :func:`exclude_training` counts what it dropped.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from core.data.errors import DataError

TABLE_SOURCES = ("csv", "npz")


def check_exclude(value: Any, where: str = "data.exclude") -> list:
    """``value`` as a list of identifiers (text or whole numbers >= 0), or :class:`DataError` naming the item."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise DataError(where, f"expected a list of sample identifiers (image paths or row numbers), "
                               f"received {type(value).__name__}")
    for k, item in enumerate(value):
        ok = isinstance(item, str) and item or (isinstance(item, int) and not isinstance(item, bool) and item >= 0)
        if not ok:
            raise DataError(f"{where}[{k}]", f"expected an image path (text) or a row number (a whole number "
                                             f">= 0), received {item!r}")
    return list(value)


def sample_ids(ds, split: str) -> list | None:
    """The identifiers of ``split``'s samples in split order (see the module docstring), None when the
    data set does not know where its samples came from."""
    files = getattr(ds, "image_files", None)
    if files is not None:
        return list(files[split])
    idx = getattr(ds, f"index_{split}", None)
    if idx is None:
        return None
    base = 1 if ds.source in TABLE_SOURCES else 0
    return [int(i) + base for i in idx]


def id_key(ds) -> str:
    """How an identifier is labelled in ``losslab errors --json``: ``path`` for images, else ``row`` (a
    table's 1-based file row; a generated set's 0-based index, its row in the generated order)."""
    return "path" if getattr(ds, "image_files", None) is not None else "row"


def id_label(ds) -> str:
    """The identifier's column header for a person: file, row (tables) or index (generated sets)."""
    if getattr(ds, "image_files", None) is not None:
        return "file"
    return "row" if ds.source in TABLE_SOURCES else "index"


def _check_kinds(ds, exclude: list, where: str) -> None:
    images = getattr(ds, "image_files", None) is not None
    for k, item in enumerate(exclude):
        if images and not isinstance(item, str):
            raise DataError(f"{where}[{k}]", f"an image folder names its samples by their file path relative to "
                                             f"data.path (for example \"cat/001.png\"), received {item!r}")
        if not images and not isinstance(item, int):
            what = "a data row number (1 = the first row under the header)" if ds.source in TABLE_SOURCES \
                else "a sample index (0 = the first generated sample)"
            raise DataError(f"{where}[{k}]", f"a {ds.source or 'table'} source names its samples by {what}, "
                                             f"received {item!r}")
        if not images and ds.source in TABLE_SOURCES and item < 1:
            raise DataError(f"{where}[{k}]", "table rows are counted from 1 (the first row under the header)")


def exclude_training(ds, exclude: list | None, where: str = "data.exclude"):
    """``ds`` without the training samples ``exclude`` names; ``.excluded`` says how many went."""
    exclude = check_exclude(exclude, where)
    if not exclude:
        return ds
    _check_kinds(ds, exclude, where)
    ids = sample_ids(ds, "train")
    if ids is None:
        raise DataError(where, f"this {ds.source or 'data'} source does not name its samples, so none can be "
                               "excluded; remove data.exclude")
    wanted = set(exclude)
    drop = np.fromiter((i in wanted for i in ids), dtype=bool, count=len(ids))
    if not drop.any():
        return replace(ds, excluded=0)
    keep = np.flatnonzero(~drop)
    if keep.size == 0:
        raise DataError(where, f"excludes all {len(ids)} training samples; keep some to train on")
    import torch
    k = torch.from_numpy(keep)
    files = getattr(ds, "image_files", None)
    if files is not None:
        files = dict(files, train=[files["train"][i] for i in keep])
    return replace(ds, x_train=ds.x_train[k].contiguous(), y_train={n: y[k] for n, y in ds.y_train.items()},
                   raw_train=None if ds.raw_train is None else ds.raw_train[keep],
                   index_train=None if ds.index_train is None else ds.index_train[keep],
                   image_files=files, excluded=int(drop.sum()))
