"""Reading a NumPy ``.npz`` file: arrays ``x`` (N, ...) and ``y`` (N,) or (N, k).

Optional arrays: ``feature_names`` (one name per input value) and ``classes`` (class names; ``y``
then holds class indices). Files are opened without pickle, so only plain arrays load.
"""
from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from core.data.dataset import CLASSIFICATION, REGRESSION, RawData, TargetInfo
from core.data.errors import DataError
from core.data.safe_files import DATA_MAX_BYTES, check_npz_arrays, open_regular
from core.project_json import shorten
from core.data.targets import encode_target


def _load(path: Path, shown: str) -> dict[str, np.ndarray]:
    how = "save it with numpy.savez(path, x=..., y=...)"
    try:  # regular files only, size and declared array sizes checked before anything is allocated
        fd, _ = open_regular(path, shown, DATA_MAX_BYTES, "an .npz file")
    except FileNotFoundError:
        raise DataError("data.path", f"file not found: {path}; check data.path (a relative path starts at "
                                     "the project file's folder)") from None
    with os.fdopen(fd, "rb") as f:
        check_npz_arrays(f, shown)
        try:
            obj = np.load(f, allow_pickle=False)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
            raise DataError(shown, f"is not a readable .npz file ({shorten(str(e), 100)}); {how}") from None
        if not isinstance(obj, np.lib.npyio.NpzFile):
            raise DataError(shown, f"holds a single array, not an .npz archive of x and y; {how}")
        return _arrays(obj, shown, how)


def _arrays(obj, shown: str, how: str) -> dict[str, np.ndarray]:
    with obj:
        try:
            return {k: obj[k] for k in obj.files}
        except ValueError as e:
            raise DataError(shown, f"holds arrays of Python objects, which LossLab does not load ({e}); "
                                   "save numbers and text only") from None
        except (zipfile.BadZipFile, OSError, EOFError) as e:
            raise DataError(shown, f"is damaged ({e}); {how}") from None


def _names(arrays: dict[str, np.ndarray], key: str, count: int, shown: str) -> list[str] | None:
    if key not in arrays:
        return None
    a = arrays[key]
    if a.dtype.kind not in "US" or a.ndim != 1:
        raise DataError(f"{shown} array {key!r}", f"expected a 1-D array of text, received dtype {a.dtype} "
                                                  f"with shape {a.shape}")
    names = [str(v) for v in a.tolist()]
    if count and len(names) != count:
        raise DataError(f"{shown} array {key!r}", f"has {len(names)} names, expected {count}")
    return names


def read_npz(path: Path, shown: str, target: object, features: object, task: str) -> RawData:
    """Read ``path`` into :class:`RawData`. ``target`` (a string) renames the target (default "y");
    ``features`` selects inputs by name when ``x`` is a table (N, F)."""
    arrays = _load(path, shown)
    for key in ("x", "y"):
        if key not in arrays:
            raise DataError(shown, f"has no array {key!r} (it has: {', '.join(arrays) or 'none'}); save the "
                                   "inputs as x and the targets as y")
    x, y = arrays["x"], arrays["y"]
    if x.dtype.kind not in "biuf" or y.dtype.kind not in "biuf":
        raise DataError(shown, f"x and y must be numeric arrays, received x {x.dtype} and y {y.dtype}")
    if x.ndim == 1:
        x = x[:, None]
    if x.shape[0] != y.shape[0]:
        raise DataError(shown, f"x has {x.shape[0]} samples but y has {y.shape[0]}; they must match")
    if y.ndim not in (1, 2):
        raise DataError(f"{shown} array 'y'", f"expected shape (N,) or (N, k), received {y.shape}")
    x = x.astype(np.float32)
    if not np.isfinite(x).all():
        i = int(np.flatnonzero(~np.isfinite(x.reshape(len(x), -1)).all(axis=1))[0])
        raise DataError(f"{shown} array 'x' sample {i}", "holds NaN or infinity; fill in or drop that sample")
    n_inputs = int(np.prod(x.shape[1:]))
    feature_names = _names(arrays, "feature_names", n_inputs, shown) or [f"x{i + 1}" for i in range(n_inputs)]
    if features is not None:
        if x.ndim != 2 or not isinstance(features, (list, tuple)) or not features:
            raise DataError("data.features", "selecting features works for table-shaped x (N, F) with a "
                                             "list of names; leave data.features empty for this file")
        for f in features:
            if f not in feature_names:
                raise DataError("data.features", f"{shown} has no feature {f!r}; its features are: "
                                                  f"{', '.join(feature_names)}")
        x = x[:, [feature_names.index(f) for f in features]]
        feature_names = list(features)
    if target is not None and not isinstance(target, str):
        raise DataError("data.target", f"an .npz file has one target array y; give data.target as one name "
                                       f"or leave it empty, received target={target!r}")
    name = target or "y"
    classes = _names(arrays, "classes", 0, shown)

    def cell_where(i: int) -> str:
        return f"{shown} array 'y' sample {i}"

    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim == 2:
        if task == CLASSIFICATION or classes:
            raise DataError(f"{shown} array 'y'", f"has {y.shape[1]} columns; classification needs one column "
                                                  "of class indices")
        yv = y.astype(np.float32)
        if not np.isfinite(yv).all():
            raise DataError(f"{shown} array 'y'", "holds NaN or infinity; fix the target values")
        info = TargetInfo(name, REGRESSION, [], int(y.shape[1]))
    elif classes and task != REGRESSION:
        idx = y.astype(np.int64)
        if not np.array_equal(idx, y) or idx.min() < 0 or idx.max() >= len(classes):
            raise DataError(f"{shown} array 'y'", f"with {len(classes)} class names, y must hold whole numbers "
                                                  f"from 0 to {len(classes) - 1}")
        yv, info = idx, TargetInfo(name, CLASSIFICATION, classes, len(classes))
    else:
        yv, info = encode_target(name, y, task, f"{shown} array 'y'", cell_where)
    return RawData(x, {name: yv}, {name: info}, feature_names)
