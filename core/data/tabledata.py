"""A CSV data source end to end: read the table, pick targets and features, drop or fill missing
values, split, one-hot the categories and build the :class:`Dataset`.

Fill values come from the training split only (no information leaks from validation); the
categories come from the whole training file, or from the project when it stores them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.data.columns import (CATEGORICAL, EncodingReport, MISSING_CHOICES, TableEncoding, check_feature,
                               default_features, fit_encoding)
from core.data.csvfile import Progress, Table, read_table, short
from core.data.dataset import RawData, TargetInfo, build_dataset, split_indices
from core.data.errors import DataError
from core.data.names import names_arg
from core.data.targets import encode_target


@dataclass
class PreparedTable:
    """Everything decided about a training table before tensors are built."""

    table: Table
    rows: np.ndarray                 # the kept rows (indices into the table)
    splits: tuple[np.ndarray, np.ndarray, np.ndarray]  # positions into ``rows``
    ys: dict[str, np.ndarray]
    targets: dict[str, TargetInfo]
    encoding: TableEncoding
    report: EncodingReport
    unlabeled: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # table rows, no label

    def train_rows(self) -> np.ndarray:
        return self.rows[self.splits[0]]


def _names(value: object, key: str) -> list[str] | None:
    return names_arg(value, key, "column name")


def _unknown(key: str, table: Table, name: str) -> DataError:
    return DataError(f"data.{key}", f"{table.shown} has no column {short(name)}; its columns are: "
                                    f"{', '.join(table.header)}")


def _missing_target_error(table: Table, name: str, rows: np.ndarray) -> DataError:
    n = len(rows)
    return DataError(table.where(int(rows[0]), name),
                     f"the target is missing here ({n:,} row{'s' if n != 1 else ''} without a {name!r} value); fill "
                     "it in, delete the row, or set data.missing to \"drop\" to drop rows with missing values")


def prepare_table(table: Table, target: object, features: object, task: str, missing: str,
                  categories: dict[str, list[str]] | None, val_fraction: float, test_fraction: float,
                  seed: int) -> PreparedTable:
    if missing not in MISSING_CHOICES:
        raise DataError("data.missing", f"expected one of {', '.join(MISSING_CHOICES)}, received missing={missing!r}")
    stored = dict(categories or {})
    target_names = _names(target, "target") or [table.header[-1]]
    for name in target_names:
        if name not in table.columns:
            raise _unknown("target", table, name)
    for name in stored:
        if name not in table.columns:
            raise _unknown("categories", table, name)
    report = EncodingReport(kinds={n: c.kind for n, c in table.columns.items()},
                            text_columns={n for n, c in table.columns.items() if not c.is_numeric})
    chosen = _names(features, "features")
    if chosen is None:
        chosen, report.left_out = default_features(table, target_names, set(stored))
    for name in chosen:
        if name not in table.columns:
            raise _unknown("features", table, name)
        if name in target_names:
            raise DataError("data.features", f"column {name!r} is the target; it cannot also be a feature")
    if not chosen:
        raise DataError("data.features", f"{table.shown} has no column left to use as an input; add feature "
                                          "columns or choose another target")
    kinds = {name: check_feature(table, name, set(stored)) for name in chosen}
    report.one_hot = [n for n in chosen if kinds[n] == CATEGORICAL]

    gaps = np.zeros(table.n_rows, dtype=bool)     # rows with an empty target cell
    for name in target_names:
        gaps |= _empty_cells(table.columns[name], table.n_rows)
    complete = np.ones(table.n_rows, dtype=bool)  # rows with every input cell filled
    for name in chosen:
        complete &= ~_empty_cells(table.columns[name], table.n_rows)
    keep = ~gaps & complete if missing == "drop" else ~gaps
    rows = np.flatnonzero(keep)
    if rows.size == 0:
        raise DataError(table.shown, "every row has a missing value; fill the gaps or set data.missing to \"mean\""
                        if not gaps.all() else f"no row has a {target_names[0]!r} value: there is nothing to learn from")

    ys, infos = {}, {}
    for name in target_names:
        col = table.columns[name]
        if col.is_numeric and col.bad is not None:
            row, text = col.bad
            raise DataError(table.where(row, name), f"{short(text)} is not a number, in a column of numbers; fix the "
                                                    "cell or delete the row")
        cells = col.values[rows]
        ys[name], infos[name] = encode_target(name, cells, task, f"{table.shown} column {name!r}",
                                              lambda i, name=name: table.where(int(rows[i]), name))
    unlabeled = _unlabeled_rows(table, target_names, infos, gaps, complete, missing)
    report.unlabeled, report.unlabeled_target = int(unlabeled.size), target_names[0]
    report.dropped_target = int(gaps.sum()) - int(unlabeled.size)
    report.dropped = int(table.n_rows - rows.size - unlabeled.size)
    stratify = next((ys[n] for n, info in infos.items() if info.is_classification), None)
    splits = split_indices(rows.size, val_fraction, test_fraction, seed, stratify, False, table.shown)
    encoding = fit_encoding(table, chosen, kinds, rows, rows[splits[0]], missing, stored)
    return PreparedTable(table, rows, splits, ys, infos, encoding, report, unlabeled)


def _empty_cells(col, n_rows: int) -> np.ndarray:
    return np.isnan(col.values) if col.is_numeric else np.fromiter((v is None for v in col.values), bool, n_rows)


def _unlabeled_rows(table: Table, target_names: list[str], infos: dict[str, TargetInfo], gaps: np.ndarray,
                    complete: np.ndarray, missing: str) -> np.ndarray:
    """The rows kept aside as unlabelled (``Dataset.x_unlabeled``): an empty cell of the one classification
    target and every input filled (a guessed input under a guessed label is two guesses). Pseudo-labels
    learn from them; nothing else uses them. An empty regression target, or one of several targets, has
    no use: it is an error unless ``data.missing`` is "drop"."""
    if not gaps.any():
        return np.zeros(0, dtype=np.int64)
    if len(target_names) == 1 and infos[target_names[0]].is_classification:
        return np.flatnonzero(gaps & complete)
    if missing != "drop":
        name = next(n for n in target_names if _empty_cells(table.columns[n], table.n_rows).any())
        raise _missing_target_error(table, name, np.flatnonzero(_empty_cells(table.columns[name], table.n_rows)))
    return np.zeros(0, dtype=np.int64)


def load_csv_dataset(path: Path, shown: str, target: object, features: object, task: str, missing: str,
                     categories: dict[str, list[str]] | None, val_fraction: float, test_fraction: float,
                     seed: int, normalize: bool, progress: Progress | None = None):
    """The :class:`Dataset` of a CSV source; ``dataset.table_report`` and ``dataset.encoding`` say how."""
    table = read_table(path, shown, progress)
    prep = prepare_table(table, target, features, task, missing, categories, val_fraction, test_fraction, seed)
    x = _numeric_block(prep)
    if x is None:
        x = prep.encoding.encode(table, prep.rows, prep.report)
    x_unl = prep.encoding.encode(table, prep.unlabeled, EncodingReport()) if prep.unlabeled.size else None
    del table, prep.table
    raw = RawData(x, prep.ys, prep.targets, prep.encoding.feature_names)
    ds = build_dataset(Path(shown).stem, raw, prep.splits, normalize=normalize, source="csv")
    ds.table_report = prep.report
    ds.encoding = prep.encoding
    # the split's positions are into the kept rows: name each sample by its row of the file
    ds.index_train, ds.index_val, ds.index_test = (np.asarray(prep.rows)[s].astype(np.int64) for s in prep.splits)
    if x_unl is not None:   # normalized with the training split's statistics, never part of a split
        from core.data.dataset import as_input_tensor
        ds.x_unlabeled = as_input_tensor(ds.normalize_inputs(x_unl))
        ds.index_unlabeled = prep.unlabeled.astype(np.int64)
    return ds


def _numeric_block(prep: PreparedTable) -> np.ndarray | None:
    """The inputs as a view of an all-numeric file's block (no copy of a big table), when they can be."""
    t = prep.table
    if t.block is None or len(prep.rows) != t.n_rows or any(c.kind != "numeric" for c in prep.encoding.inputs):
        return None
    idx = [t.header.index(c.name) for c in prep.encoding.inputs]
    if idx == list(range(idx[0], idx[0] + len(idx))):
        return t.block[:, idx[0]:idx[0] + len(idx)]
    return t.block[:, idx]


def target_values(table: Table, infos: dict[str, TargetInfo]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """A later file's targets, encoded like the training ones: (values, usable-row mask).

    A row whose target is missing or a class the model never saw is not usable (its loss is
    undefined); numeric targets are float32, classes int64 indices into the training classes.
    """
    ok = np.ones(table.n_rows, dtype=bool)
    out: dict[str, np.ndarray] = {}
    for name, info in infos.items():
        col = table.columns[name]
        if info.is_classification:
            index = {c: k for k, c in enumerate(info.classes)}
            if col.is_numeric:
                cells = [None if np.isnan(v) else (str(int(v)) if float(v).is_integer() else f"{v:g}")
                         for v in col.values]
            else:
                cells = list(col.values)
            y = np.fromiter((index.get(c, -1) if c is not None else -1 for c in cells), np.int64, table.n_rows)
            ok &= y >= 0
            out[name] = np.where(y >= 0, y, 0)
        else:
            if not col.is_numeric:
                raise DataError(f"{table.shown} column {name!r}", "holds text, but the model predicts numbers here")
            v = col.values.astype(np.float32)
            ok &= ~np.isnan(v)
            out[name] = np.nan_to_num(v)
    return out, ok
