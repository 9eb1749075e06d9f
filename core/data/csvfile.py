"""Reading a plain CSV file (header row, numeric feature columns, one or more target columns).

Only the standard ``csv`` module and numpy. Every error names the file, the line and the
column, and says what to do.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from core.data.dataset import RawData
from core.data.errors import DataError
from core.data.targets import bad_number_message, encode_target, parse_numbers

DELIMITERS = (",", ";", "\t")


def _read_text(path: Path, shown: str) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError("data.path", f"file not found: {path}; check data.path (a relative path starts at "
                                     "the project file's folder)") from None
    except IsADirectoryError:
        raise DataError("data.path", f"{path} is a folder, not a CSV file; point data.path at the file") from None
    except UnicodeDecodeError as e:
        line = path.read_bytes()[:e.start].count(b"\n") + 1
        raise DataError(f"{shown} line {line}", "the file is not UTF-8 text; save it as \"CSV UTF-8\" "
                                                "and load it again") from None
    except OSError as e:
        raise DataError("data.path", f"cannot read {path} ({e.strerror or e}); check the file's permissions") from None


def _delimiter(first_line: str) -> str:
    # A header with no comma but semicolons or tabs is a European or TSV export.
    counts = {d: first_line.count(d) for d in DELIMITERS}
    return "," if counts[","] else max(DELIMITERS, key=lambda d: counts[d]) if any(counts.values()) else ","


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _read_rows(text: str, shown: str) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, data rows and their line numbers; blank lines are skipped."""
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip()), None)
    if first is None:
        raise DataError(shown, "the file is empty; a CSV needs a header row with column names and then one "
                               "row per sample")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    header: list[str] | None = None
    header_line = 0
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    start = 1
    try:
        for row in reader:
            line = start
            start = reader.line_num + 1
            if not row or all(not c.strip() for c in row):
                continue
            if header is None:
                header, header_line = [c.strip() for c in row], line
                continue
            if len(row) != len(header):
                raise DataError(f"{shown} line {line}", f"this row has {len(row)} fields but the header has "
                                                        f"{len(header)}; fix or delete that row")
            rows.append(row)
            line_numbers.append(line)
    except csv.Error as e:
        raise DataError(f"{shown} line {reader.line_num}", f"the CSV is malformed ({e}); check the quotes") from None
    assert header is not None
    for i, name in enumerate(header):
        if not name:
            raise DataError(f"{shown} line {header_line}", f"column {i + 1} of the header has no name; give "
                                                           "every column a name")
    if all(_is_number(c) for c in header):
        raise DataError(f"{shown} line {header_line}", "the first row holds numbers, not column names; add a "
                                                       "header row such as 'x1,x2,label'")
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        raise DataError(f"{shown} line {header_line}", f"the header names column {dupes[0]!r} more than once; "
                                                       "give every column its own name")
    if not rows:
        raise DataError(shown, "the file has a header but no data rows; add one row per sample")
    return header, rows, line_numbers


def _columns_arg(value: object, key: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        return list(value)
    raise DataError(f"data.{key}", f"expected a column name or a list of column names, received {key}={value!r}")


def _unknown_column(key: str, shown: str, name: str, header: list[str]) -> DataError:
    return DataError(f"data.{key}", f"{shown} has no column {name!r}; its columns are: {', '.join(header)}")


def read_csv(path: Path, shown: str, target: object, features: object, task: str) -> RawData:
    """Read ``path`` into :class:`RawData`. ``shown`` is how errors name the file (``data.path`` as written).

    ``target``: a column name or list of names (``None``: the last column); ``features``: the
    input columns (``None``: every other column); ``task``: "auto", "classification" or "regression",
    applied to every target column.
    """
    header, rows, line_numbers = _read_rows(_read_text(path, shown), shown)
    target_names = _columns_arg(target, "target") or [header[-1]]
    for name in target_names:
        if name not in header:
            raise _unknown_column("target", shown, name, header)
    feature_names = _columns_arg(features, "features")
    if feature_names is None:
        feature_names = [c for c in header if c not in target_names]
    for name in feature_names:
        if name not in header:
            raise _unknown_column("features", shown, name, header)
        if name in target_names:
            raise DataError("data.features", f"column {name!r} is the target; it cannot also be a feature")
    if not feature_names:
        raise DataError("data.features", f"{shown} has no column left to use as an input; add feature columns "
                                          "or choose another target")

    columns = list(zip(*rows))

    def cell_where(col: str):
        return lambda i: f"{shown} line {line_numbers[i]}, column {col!r}"

    x = np.empty((len(rows), len(feature_names)), dtype=np.float32)
    for j, name in enumerate(feature_names):
        cells = columns[header.index(name)]
        values, bad = parse_numbers(cells)
        if values is None:
            raise DataError(cell_where(name)(bad), bad_number_message(
                cells[bad], "feature columns must be numeric: fix the cell, or leave the column out of "
                            "data.features"))
        x[:, j] = values
    ys, infos = {}, {}
    for name in target_names:
        ys[name], infos[name] = encode_target(name, columns[header.index(name)], task,
                                              f"{shown} column {name!r}", cell_where(name))
    return RawData(x, ys, infos, list(feature_names))
