"""Turning a column of a user's file into a target: guessing its task and encoding its classes."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from core.data.dataset import CLASSIFICATION, REGRESSION, TargetInfo
from core.data.errors import DataError

TASKS = ("auto", CLASSIFICATION, REGRESSION)
AUTO_MAX_CLASSES = 20
MAX_CLASSES = 1000


def parse_numbers(cells: Sequence[str]) -> tuple[np.ndarray | None, int]:
    """Parse text cells as finite float64; returns (values, -1) or (None, index of the first bad cell)."""
    try:
        values = np.asarray(cells, dtype=np.float64)
    except ValueError:
        values = None
    if values is not None:
        bad = np.flatnonzero(~np.isfinite(values))
        return (values, -1) if bad.size == 0 else (None, int(bad[0]))
    for i, cell in enumerate(cells):
        try:
            v = float(cell)
        except ValueError:
            return None, i
        if not np.isfinite(v):
            return None, i
    raise AssertionError("unreachable: numpy refused cells that float() accepts")


def bad_number_message(cell: str, fix: str) -> str:
    """Why a cell is not usable as a number, and ``fix``."""
    if not cell.strip():
        return f"the cell is empty; {fix}"
    try:
        float(cell)
        return f"{cell.strip()!r} is not a finite number; fill in a real value or delete the row"
    except ValueError:
        return f"{cell.strip()!r} is not a number; {fix}"


def _class_name(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _constant_error(where: str, name: str, value: str) -> DataError:
    return DataError(where, f"target column {name!r} has the same value ({value}) in every row; a model "
                            "cannot learn from a constant target; choose another target column")


def encode_target(name: str, cells: Sequence[str] | np.ndarray, task: str, where: str,
                  cell_where: Callable[[int], str]) -> tuple[np.ndarray, TargetInfo]:
    """Encode one target column.

    ``cells``: text cells (CSV) or a numeric array (NPZ). ``task``: "auto" (integer-valued with at
    most 20 distinct values, or not numeric -> classification; else regression), "classification"
    (classes are the distinct values, sorted) or "regression" (numbers required). ``where``
    names the column for whole-column errors; ``cell_where(i)`` names row ``i`` for cell errors.
    Returns int64 class indices or float32 values, and the target's :class:`TargetInfo`.
    """
    if isinstance(cells, np.ndarray) and cells.dtype.kind in "biuf":
        values, bad = cells.astype(np.float64), -1
        if not np.isfinite(values).all():
            bad = int(np.flatnonzero(~np.isfinite(values))[0])
            raise DataError(cell_where(bad), f"{values[bad]} is not a finite number; fix the target values")
    else:
        cells = [str(c) for c in cells]
        values, bad = parse_numbers(cells)
    if task == REGRESSION:
        if values is None:
            raise DataError(cell_where(bad), bad_number_message(cells[bad], "a regression target must be "
                                             "numeric (or set data.task to classification)"))
        if np.ptp(values) == 0:
            raise _constant_error(where, name, _class_name(values[0]))
        return values.astype(np.float32), TargetInfo(name, REGRESSION, [], 1)

    if values is not None:
        distinct = np.unique(values)
        integer = bool(np.all(values == np.round(values)))
        if task == "auto" and not (integer and distinct.size <= AUTO_MAX_CLASSES):
            if distinct.size == 1:
                raise _constant_error(where, name, _class_name(distinct[0]))
            return values.astype(np.float32), TargetInfo(name, REGRESSION, [], 1)
        classes = [_class_name(v) for v in distinct]
        index = np.searchsorted(distinct, values)
    else:
        text = np.asarray([c.strip() for c in cells])
        distinct_text, index = np.unique(text, return_inverse=True)
        classes = [str(c) for c in distinct_text]
    if len(classes) == 1:
        raise _constant_error(where, name, classes[0] if values is not None else repr(classes[0]))
    if len(classes) > MAX_CLASSES:
        raise DataError(where, f"target column {name!r} has {len(classes)} distinct values, too many to be "
                               f"classes (at most {MAX_CLASSES}); set data.task to regression or pick "
                               "another target column")
    return np.asarray(index, dtype=np.int64).reshape(-1), TargetInfo(name, CLASSIFICATION, classes, len(classes))
