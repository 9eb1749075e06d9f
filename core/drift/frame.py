"""A :class:`Frame`: the raw (unnormalized) columns that drift statistics compare.

Numeric columns are float arrays (NaN = missing); categorical columns are object arrays of text
(``None`` = missing). Built from a CSV :class:`~core.data.csvfile.Table` or from a numeric matrix.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.data.csvfile import CATEGORICAL, CONSTANT, NUMERIC, Table

NUMERIC_KIND, CATEGORICAL_KIND = "numeric", "categorical"


@dataclass
class Frame:
    """Named columns of equal length, each numeric or categorical."""

    columns: dict[str, np.ndarray]
    kinds: dict[str, str]

    @property
    def n(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    @property
    def names(self) -> list[str]:
        return list(self.columns)

    def take(self, rows) -> Frame:
        return Frame({k: v[rows] for k, v in self.columns.items()}, dict(self.kinds))

    def resample(self, n: int | None = None, seed: int = 0) -> Frame:
        """Rows drawn with replacement (a bootstrap sample): the same distribution."""
        rng = np.random.default_rng(seed)
        return self.take(rng.integers(0, self.n, self.n if n is None else n))

    def select(self, names: list[str]) -> Frame:
        return Frame({k: self.columns[k] for k in names}, {k: self.kinds[k] for k in names})


def frame_from_array(x: np.ndarray, names: list[str]) -> Frame:
    x = np.asarray(x, dtype=np.float64)
    return Frame({n: x[:, j] for j, n in enumerate(names)}, {n: NUMERIC_KIND for n in names})


def frame_from_table(table: Table, names: list[str] | None = None,
                     categorical: set[str] | frozenset[str] = frozenset()) -> Frame:
    """The table's usable columns (numeric, categorical, constant), or ``names`` when given."""
    cols, kinds = {}, {}
    for name in names if names is not None else table.header:
        col = table.columns[name]
        if names is None and col.kind not in (NUMERIC, CATEGORICAL, CONSTANT):
            continue
        if col.is_numeric and name not in categorical and col.bad is None:
            cols[name], kinds[name] = col.values.astype(np.float64), NUMERIC_KIND
        else:
            vals = col.values if not col.is_numeric else np.asarray(
                [None if np.isnan(v) else (str(int(v)) if float(v).is_integer() else f"{v:g}") for v in col.values],
                dtype=object)
            cols[name], kinds[name] = vals, CATEGORICAL_KIND
    return Frame(cols, kinds)
