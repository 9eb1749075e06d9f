"""From a table's columns to model inputs: one-hot categories, filled or dropped missing values.

The recipe (:class:`TableEncoding`) is fitted once, on the training file: which columns are inputs,
each categorical column's categories (kept in the project so a later file maps the same way) and
the value that fills a missing cell (from the training split). Encoding a later file with the same
recipe counts its unseen categories and its filled cells instead of failing.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.data.csvfile import CATEGORICAL, CONSTANT, EMPTY, NUMERIC, TEXT_ID, Column, Table, short
from core.data.errors import DataError

MISSING_CHOICES = ("mean", "most_frequent", "drop")
MISSING_HELP = {"mean": "fill with the training split's mean (most frequent value for categories)",
                "most_frequent": "fill with the training split's most frequent value",
                "drop": "drop the rows"}


@dataclass
class InputColumn:
    """One input column: numeric (one input) or categorical (one input per category)."""

    name: str
    kind: str                          # NUMERIC or CATEGORICAL
    categories: list[str] = field(default_factory=list)
    fill: float | str | None = None    # what a missing cell becomes

    @property
    def feature_names(self) -> list[str]:
        return [self.name] if self.kind == NUMERIC else [f"{self.name}={c}" for c in self.categories]


@dataclass
class EncodingReport:
    """What encoding one file did, for ``check`` and the window."""

    kinds: dict[str, str] = field(default_factory=dict)        # every column of the file
    filled: dict[str, int] = field(default_factory=dict)       # column -> cells filled
    dropped: int = 0                                           # rows dropped for a missing value
    dropped_target: int = 0                                    # ... of which for a missing target
    unlabeled: int = 0                                         # rows with an empty class target, kept aside
    unlabeled_target: str = ""                                 # ... that target's column
    unseen: dict[str, dict[str, int]] = field(default_factory=dict)  # column -> {category: count}
    left_out: list[str] = field(default_factory=list)          # columns not used, and why
    fills: dict[str, float | str] = field(default_factory=dict)
    one_hot: list[str] = field(default_factory=list)              # categorical inputs
    text_columns: set[str] = field(default_factory=set)           # columns holding text (not numbers)

    def notes(self) -> list[str]:
        """Sentences for ``check`` and the Data panel."""
        out = []
        if self.one_hot:
            out.append("one-hot: " + ", ".join(self.one_hot))
        if self.filled:
            out.append("missing values filled: " + ", ".join(
                f"{c} {n:,} cell{'s' if n != 1 else ''} with {_fmt(self.fills.get(c))}" for c, n in self.filled.items()))
        if self.dropped:
            why = f" ({self.dropped_target:,} for a missing target)" if self.dropped_target else ""
            out.append(f"{self.dropped:,} row{'s' if self.dropped != 1 else ''} with missing values dropped{why}")
        if self.unlabeled:
            out.append(f"{self.unlabeled:,} row{'s' if self.unlabeled != 1 else ''} with an empty "
                       f"{self.unlabeled_target!r} kept aside as unlabelled (only pseudo-labels learn from them)")
        for c, counts in self.unseen.items():
            total = sum(counts.values())
            shown = ", ".join(f"{short(k, 20)} x{v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])[:5])
            out.append(f"column {c!r}: {total:,} value{'s' if total != 1 else ''} in categories the training "
                       f"data never had ({shown}); they get no category")
        if self.left_out:
            out.append("left out: " + ", ".join(self.left_out))
        return out


def _fmt(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) else repr(v)


@dataclass
class TableEncoding:
    """The recipe that turns a table into the model's input matrix."""

    inputs: list[InputColumn]
    missing: str = "mean"

    @property
    def feature_names(self) -> list[str]:
        return [n for c in self.inputs for n in c.feature_names]

    @property
    def categories(self) -> dict[str, list[str]]:
        return {c.name: list(c.categories) for c in self.inputs if c.kind == CATEGORICAL}

    def encode(self, table: Table, rows: np.ndarray | None = None,
               report: EncodingReport | None = None) -> np.ndarray:
        """float32 ``(len(rows), n_features)``; missing cells filled, unseen categories all-zero and counted."""
        report = report if report is not None else EncodingReport()
        n = table.n_rows if rows is None else len(rows)
        x = np.zeros((n, len(self.feature_names)), dtype=np.float32)
        j = 0
        for c in self.inputs:
            col = column_of(table, c.name)
            v = col.values if rows is None else col.values[rows]
            if c.kind == NUMERIC:
                if not col.is_numeric:
                    raise DataError(f"{table.shown} column {c.name!r}", "holds text, but the model was trained "
                                    "on numbers in this column; check that the file has the training columns")
                x[:, j] = v
                gaps = np.isnan(x[:, j])
                if gaps.any():
                    x[gaps, j] = float(c.fill)
                    report.filled[c.name] = report.filled.get(c.name, 0) + int(gaps.sum())
                    report.fills[c.name] = c.fill
                j += 1
                continue
            texts = v if not col.is_numeric else _numbers_as_text(v)
            index = {cat: k for k, cat in enumerate(c.categories)}
            unseen: dict[str, int] = {}
            filled = 0
            for i, t in enumerate(texts):
                if t is None:
                    t = c.fill
                    filled += 1
                k = index.get(t)
                if k is None:
                    unseen[t] = unseen.get(t, 0) + 1
                else:
                    x[i, j + k] = 1.0
            if filled:
                report.filled[c.name] = report.filled.get(c.name, 0) + filled
                report.fills[c.name] = c.fill
            if unseen:
                report.unseen[c.name] = unseen
            j += len(c.categories)
        return x


def _numbers_as_text(v: np.ndarray) -> list[str | None]:
    return [None if np.isnan(x) else (str(int(x)) if float(x).is_integer() else f"{x:g}") for x in v]


def column_of(table: Table, name: str) -> Column:
    if name not in table.columns:
        raise DataError(table.shown, f"has no column {name!r}, which the model uses; its columns are: "
                                     f"{', '.join(short(h, 30) for h in table.header[:30])}")
    return table.columns[name]


def default_features(table: Table, targets: list[str], categorical: set[str]) -> tuple[list[str], list[str]]:
    """Every column but the targets, identifiers and empty columns: (features, left-out notes)."""
    features, left = [], []
    for name in table.header:
        if name in targets:
            continue
        kind = table.columns[name].kind
        if kind in (TEXT_ID, EMPTY) and name not in categorical:
            left.append(f"{name} ({kind})")
        else:
            features.append(name)
    return features, left


def check_feature(table: Table, name: str, categorical: set[str]) -> str:
    """The input kind of a chosen feature column, or a :class:`DataError` naming the place."""
    col = table.columns[name]
    if name in categorical:
        return CATEGORICAL
    if col.kind == EMPTY:
        raise DataError(f"{table.shown} column {name!r}", "is empty in every row; leave it out of data.features")
    if col.kind == TEXT_ID:
        n = len(col.distinct())
        raise DataError(f"{table.shown} column {name!r}",
                        f"holds {n:,} different texts in {table.n_rows:,} rows: an identifier or free text, not "
                        "categories; leave it out of data.features")
    if col.is_numeric:
        if col.bad is not None:
            row, text = col.bad
            raise DataError(table.where(row, name), f"{short(text)} is not a number; feature columns must be "
                            "numeric: fix the cell, or leave the column out of data.features"
                            + (f" ({col.n_bad:,} such cells)" if col.n_bad > 1 else ""))
        return NUMERIC
    return CATEGORICAL


def fit_encoding(table: Table, features: list[str], kinds: dict[str, str], rows: np.ndarray,
                 train_rows: np.ndarray, missing: str, stored: dict[str, list[str]]) -> TableEncoding:
    """The recipe for ``features``: categories (``stored`` ones first, else the file's, sorted) and the
    fill values from ``train_rows`` (indices into the table)."""
    inputs = []
    for name in features:
        col = table.columns[name]
        if kinds[name] == NUMERIC:
            v = col.values[train_rows]
            v = v[~np.isnan(v)]
            if v.size == 0:
                fill = 0.0
            elif missing == "most_frequent":
                vals, counts = np.unique(v, return_counts=True)
                fill = float(vals[int(np.argmax(counts))])
            else:
                fill = float(np.mean(v, dtype=np.float64))
            inputs.append(InputColumn(name, NUMERIC, [], fill))
            continue
        texts = col.values if not col.is_numeric else np.asarray(_numbers_as_text(col.values), dtype=object)
        cats = list(stored[name]) if stored.get(name) else sorted({t for t in texts[rows] if t is not None})
        train = [t for t in texts[train_rows] if t is not None]
        if train:
            vals, counts = np.unique(np.asarray(train, dtype=object).astype(str), return_counts=True)
            fill = str(vals[int(np.argmax(counts))])
        else:
            fill = cats[0] if cats else ""
        inputs.append(InputColumn(name, CATEGORICAL, cats, fill))
    return TableEncoding(inputs, missing)


def is_text_kind(kind: str) -> bool:
    return kind in (CATEGORICAL, TEXT_ID)


__all__ = ["CATEGORICAL", "CONSTANT", "EncodingReport", "InputColumn", "MISSING_CHOICES", "NUMERIC",
           "TableEncoding", "check_feature", "column_of", "default_features", "fit_encoding"]
