"""Reading a CSV file into a :class:`Table` of typed columns.

What real files hold is handled here: the delimiter (comma, semicolon or tab) is detected, a UTF-8
byte-order mark is skipped, quoted fields may hold delimiters and line breaks, Windows line ends
are fine, and ``NA``/empty cells are missing values. Every error names the file, the line and the
column, and says what to do; the contents of a file that is not a table are never echoed.

Two readers, one result. A file whose cells are all numbers goes through numpy's C parser
(``np.loadtxt``) in chunks, straight into float32: about 4x faster than the ``csv`` module and
with peak memory near the size of the data (see ``tests/benchmarks/bench_csv_load.py``). Anything
else (missing cells, text columns, a bad cell) is read again by the standard ``csv`` module, in
chunks, which knows every line number and so can say where a problem is.
"""
from __future__ import annotations

import csv
import io
import os
import warnings
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from core.data.errors import DataError
from core.data.safe_files import DATA_MAX_BYTES, open_regular
from core.tasks import TaskCancelled


#: set by :func:`core.data.csv_sample.sampling`: reads a sample of a big table's lines (None: read every row)
SAMPLER: ContextVar[Callable[[Path, str, str, int], "Table | None"] | None] = ContextVar("csv_sampler", default=None)


@dataclass(frozen=True)
class Sample:
    """What a sampled read took: ``rows`` data rows of about ``total`` in the file, in ``blocks``
    blocks of consecutive lines spread evenly through it."""
    shown: str
    rows: int
    total: int
    blocks: int

    def note(self) -> str:
        return (f"{self.shown}: checked on a sample of {self.rows:,} of about {self.total:,} rows ({self.blocks} "
                f"blocks spread through the file), so the split counts above are the sample's; a bad cell or a "
                f"class or category found only outside the sample is not seen here: `losslab train` reads every row")



DELIMITERS = (",", ";", "\t")
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "#n/a"})
CHUNK_ROWS = 65536
F32_MAX = float(np.finfo(np.float32).max)
NUMERIC, CATEGORICAL, TEXT_ID, CONSTANT, EMPTY = "numeric", "categorical", "text id", "constant", "empty"
MAX_CATEGORIES = 100          # more distinct texts than this: an identifier or free text, not categories

Progress = Callable[[float], None]


class Cancelled(TaskCancelled):
    """Raised by a progress callback to stop reading (the Cancel button); a :class:`TaskCancelled`,
    so a task that stops this way ends as cancelled (``core.tasks.run_task``)."""


def short(text: str, limit: int = 40) -> str:
    """``repr`` of a cell for a message, cut to ``limit`` characters."""
    text = text.strip()
    return repr(text if len(text) <= limit else text[:limit] + "…")


@dataclass
class Column:
    """One column. ``values``: float32 with NaN for missing (numeric kinds) or an object array of
    stripped strings with ``None`` for missing (text kinds). ``bad``: for a numeric column, the
    first cell that is not a number as ``(row, text)`` and how many such cells there are."""

    name: str
    kind: str
    values: np.ndarray
    missing: int = 0
    bad: tuple[int, str] | None = None
    n_bad: int = 0

    @property
    def is_numeric(self) -> bool:
        return self.values.dtype.kind == "f"

    def distinct(self) -> list[str]:
        """Sorted distinct non-missing texts (text columns only)."""
        return sorted({v for v in self.values if v is not None})


@dataclass
class Table:
    """A CSV file's columns, in header order, and where each row came from."""

    shown: str
    path: Path
    header: list[str]
    columns: dict[str, Column]
    delimiter: str
    n_rows: int
    _lines: np.ndarray | None = field(default=None, repr=False)
    #: all-numeric files: the (rows, columns) float32 block the columns are views of
    block: np.ndarray | None = field(default=None, repr=False)
    #: set when only a sample of the rows was read (see :func:`core.data.csv_sample.sampling`)
    sample: Sample | None = None

    def line_of(self, row: int) -> int:
        """The file line (1-based) where data row ``row`` starts."""
        if self._lines is None:  # the fast reader keeps no line numbers: recount (only on an error)
            self._lines = _scan(self.path, self.shown, self.delimiter, None)[2]
        return int(self._lines[row])

    def where(self, row: int, column: str) -> str:
        return f"{self.shown} line {self.line_of(row)}, column {column!r}"


# --- opening -------------------------------------------------------------------------------------

def _check_file(path: Path, shown: str) -> int:
    """The file's size; a folder, pipe, device or too big a file is refused before reading (the shared
    :mod:`core.data.safe_files` rules)."""
    try:
        fd, size = open_regular(path, shown, DATA_MAX_BYTES, "a CSV file")
    except FileNotFoundError:
        raise DataError("data.path", f"file not found: {path}; check data.path (a relative path starts at "
                                     "the project file's folder)") from None
    os.close(fd)
    return size


def _open(path: Path) -> io.TextIOWrapper:
    try:
        return io.TextIOWrapper(open(path, "rb"), encoding="utf-8-sig", newline="")
    except OSError as e:
        raise DataError("data.path", f"cannot read {path} ({e.strerror or e}); check the file's permissions") from None


def _head(path: Path, shown: str) -> str:
    """The first 64 KiB as text; refuses binary files and non-UTF-8 text without quoting them."""
    with open(path, "rb") as f:
        raw = f.read(65536)
    if b"\x00" in raw:
        raise DataError(shown, "this is a binary file, not a CSV table (its contents are not shown); point "
                               "data.path at a text file with a header row")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        if len(raw) < 65536 or e.start < len(raw) - 4:  # not just a character cut at the 64 KiB boundary
            line = raw[:e.start].count(b"\n") + 1
            raise DataError(f"{shown} line {line}", "the file is not UTF-8 text; save it as \"CSV UTF-8\" and "
                                                    "load it again") from None
        return raw[:e.start].decode("utf-8-sig")


def _blank(row: list[str]) -> bool:
    return not row or not "".join(row).strip()   # one C call per row (a generator per row cost 10% of a read)


def detect_delimiter(head: str) -> str:
    """The delimiter whose parse of the first rows gives the most fields, consistently."""
    best, best_score = ",", 0
    for d in DELIMITERS:
        rows = []
        try:
            for row in csv.reader(io.StringIO(head, newline=""), delimiter=d):
                if not _blank(row):
                    rows.append(len(row))
                if len(rows) >= 20:
                    break
        except csv.Error:
            continue
        if not rows or rows[0] < 2:
            continue
        consistent = sum(n == rows[0] for n in rows[1:-1] or rows)  # the last row may be cut at 64 KiB
        score = rows[0] * 1000 + consistent
        if score > best_score:
            best, best_score = d, score
    return best


# --- the general reader (csv module) ------------------------------------------------------------

def _scan(path: Path, shown: str, delimiter: str, progress: Progress | None, size: int = 0,
          text: str | None = None):
    """Read every row with the ``csv`` module: (header, header line, data lines, column builders).
    ``text``: read it instead of the file (a sample of the file's lines)."""
    builders: list[_ColumnBuilder] | None = None
    header: list[str] = []
    header_line = 0
    lines: list[int] = []
    chunk: list[list[str]] = []
    chunk_lines: list[int] = []
    with (_open(path) if text is None else io.StringIO(text, newline="")) as f:
        reader = csv.reader(f, delimiter=delimiter)
        start = 1
        try:
            for row in reader:
                line, start = start, reader.line_num + 1
                if (not row or not row[0].strip()) and _blank(row):   # (the call only when it may be blank)
                    continue
                if builders is None:
                    header, header_line = _check_header(row, shown, line), line
                    builders = [_ColumnBuilder(name, delimiter != ",") for name in header]
                    continue
                if len(row) != len(header):
                    raise DataError(f"{shown} line {line}", f"this row has {len(row)} fields but the header has "
                                                            f"{len(header)}; fix or delete that row")
                chunk.append(row)
                chunk_lines.append(line)
                if len(chunk) == CHUNK_ROWS:
                    _add_chunk(builders, chunk, chunk_lines, shown)
                    lines.extend(chunk_lines)
                    chunk, chunk_lines = [], []
                    if progress is not None and size and text is None:
                        progress(min(f.buffer.tell() / size, 1.0))
        except csv.Error as e:
            raise DataError(f"{shown} line {reader.line_num}", f"the CSV is malformed ({e}); check the quotes") from None
        except UnicodeDecodeError:
            raise DataError(f"{shown} line {start}", "the file is not UTF-8 text; save it as \"CSV UTF-8\" and "
                                                     "load it again") from None
    if builders is None:
        raise DataError(shown, "the file is empty; a CSV needs a header row with column names and then one "
                               "row per sample")
    if chunk:
        _add_chunk(builders, chunk, chunk_lines, shown)
        lines.extend(chunk_lines)
    return header, header_line, np.asarray(lines, dtype=np.int64), builders


def _check_header(row: list[str], shown: str, line: int) -> list[str]:
    header = [c.strip() for c in row]
    if len(header) < 2:
        raise DataError(f"{shown} line {line}", "found no comma, semicolon or tab in the first row: this does "
                                                "not look like a CSV table (its contents are not shown); a CSV "
                                                "needs a header row such as 'x1,x2,label'")
    for i, name in enumerate(header):
        if not name:
            raise DataError(f"{shown} line {line}", f"column {i + 1} of the header has no name; give every "
                                                    "column a name")
    if all(_is_number(c) for c in header):
        raise DataError(f"{shown} line {line}", "the first row holds numbers, not column names; add a header "
                                                "row such as 'x1,x2,label'")
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        raise DataError(f"{shown} line {line}", f"the header names column {short(dupes[0])} more than once; "
                                                "give every column its own name")
    return header


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


class _ColumnBuilder:
    """Collects one column chunk by chunk: float32 values, and the texts of chunks that held any."""

    def __init__(self, name: str, decimal_comma: bool = False):
        self.name = name
        self.decimal_comma = decimal_comma  # semicolon files from European spreadsheets write 1,5
        self.values: list[np.ndarray] = []
        self.texts: list[np.ndarray | None] = []
        self.n_text = 0
        self.missing = 0
        self.first_text: tuple[int, str] | None = None

    def add(self, cells: tuple[str, ...], offset: int, lines: list[int], shown: str) -> None:
        try:
            v = np.asarray(cells, dtype=np.float64)
            texts = None
        except ValueError:
            v, texts = self._parse_cells(cells, offset)
        with np.errstate(invalid="ignore"):
            big = np.abs(v) > F32_MAX
        if big.any():
            i = int(np.flatnonzero(big)[0])
            cell = cells[i].strip()
            what = (f"{short(cell)} is not a finite number" if not np.isfinite(v[i]) else
                    f"{short(cell)} is too large for LossLab's 32-bit numbers (at most about 3.4e38)")
            raise DataError(f"{shown} line {lines[i]}, column {self.name!r}",
                            f"{what}; fix the value or delete the row")
        if texts is None and np.isnan(v).any():  # the literal 'nan' parses as a number: it is missing
            texts_needed = False
            self.missing += int(np.isnan(v).sum())
        else:
            texts_needed = texts is not None
            self.missing += int(np.equal(texts, None).sum()) if texts is not None else 0
        self.values.append(v.astype(np.float32))
        self.texts.append(texts if texts_needed else None)

    def _parse_cells(self, cells: tuple[str, ...], offset: int) -> tuple[np.ndarray, np.ndarray]:
        """Values and texts of a chunk that is not all numbers. Each distinct cell is parsed once
        (a category column holds a few distinct texts in 65,536 cells: parsing every cell, with an
        exception per text, was most of a big table's read); the cells then index the results."""
        codes: dict[str, int] = {}
        inv = np.fromiter((codes.setdefault(c, len(codes)) for c in cells), dtype=np.intp, count=len(cells))
        v_u = np.empty(len(codes), dtype=np.float64)
        t_u = np.empty(len(codes), dtype=object)
        is_text = np.zeros(len(codes), dtype=bool)
        for k, c in enumerate(codes):            # in order of first appearance
            s = c.strip()
            if s.lower() in MISSING_TOKENS:
                v_u[k], t_u[k] = np.nan, None
                continue
            try:
                v_u[k] = float(s.replace(",", ".") if self.decimal_comma else s)
                t_u[k] = s
            except ValueError:
                v_u[k], t_u[k], is_text[k] = np.nan, s, True
        text_cells = is_text[inv]
        n_text = int(text_cells.sum())
        if n_text:
            self.n_text += n_text
            if self.first_text is None:
                i = int(np.argmax(text_cells))
                self.first_text = (offset + i, t_u[inv[i]])
        return v_u[inv], t_u[inv]

    def build(self, n: int) -> Column:
        values = np.concatenate(self.values) if self.values else np.empty(0, np.float32)
        present = n - self.missing
        if self.n_text == 0:
            kind = EMPTY if present == 0 else CONSTANT if np.nanmin(values) == np.nanmax(values) else NUMERIC
            return Column(self.name, kind, values, self.missing)
        if self.n_text * 2 < present:  # mostly numbers: the texts are typos, reported when the column is used
            return Column(self.name, NUMERIC, values, self.missing, self.first_text, self.n_text)
        texts = np.concatenate([t if t is not None else _format_numbers(v)
                                for t, v in zip(self.texts, self.values)])
        col = Column(self.name, CATEGORICAL, texts, self.missing)
        distinct = len(col.distinct())
        if distinct == 1:
            col.kind = CONSTANT
        elif distinct > MAX_CATEGORIES or (distinct > 20 and distinct > 0.5 * present):
            col.kind = TEXT_ID
        return col


def _format_numbers(v: np.ndarray) -> np.ndarray:
    out = np.empty(len(v), dtype=object)
    for i, x in enumerate(v):
        out[i] = None if np.isnan(x) else (str(int(x)) if float(x).is_integer() else
                                           np.format_float_positional(x, trim="-"))
    return out


def _add_chunk(builders: list[_ColumnBuilder], rows: list[list[str]], lines: list[int], shown: str) -> None:
    offset = sum(len(v) for v in builders[0].values)
    for b, cells in zip(builders, zip(*rows)):
        b.add(cells, offset, lines, shown)


# --- the fast reader (numpy) --------------------------------------------------------------------

def _fast_numeric(path: Path, header_line: int, delimiter: str, n_cols: int, size: int,
                  progress: Progress | None, text: str | None = None) -> np.ndarray | None:
    """All-numeric files: float32 ``(rows, n_cols)``, or ``None`` when anything needs the general reader.
    ``text``: read it instead of the file (a sample of the file's lines)."""
    n_lines = _count_lines(path) if text is None else text.count("\n") + 1
    out = np.empty((n_lines, n_cols), dtype=np.float32)  # an upper bound: blank lines count too
    at = 0
    with (_open(path) if text is None else io.StringIO(text, newline="")) as f:
        for _ in range(header_line):
            f.readline()
        while True:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # "input contained no data" at the end
                    c = np.loadtxt(f, delimiter=delimiter, dtype=np.float64, max_rows=CHUNK_ROWS, ndmin=2,
                                   comments=None, quotechar='"')
            except (ValueError, UnicodeDecodeError, OverflowError):
                return None
            if c.shape[0] == 0:
                break
            if c.shape[1] != n_cols or not np.isfinite(c).all() or (np.abs(c) > F32_MAX).any():
                return None
            if at + len(c) > len(out):  # cannot happen (every row ends a line); stay safe
                return None
            out[at:at + len(c)] = c
            at += len(c)
            del c
            if progress is not None and size and text is None:
                progress(min(f.buffer.tell() / size, 1.0))
    return out[:at] if at else None


def _count_lines(path: Path) -> int:
    n = 1
    with open(path, "rb") as f:
        while block := f.read(1 << 24):
            n += block.count(b"\n")
    return n


def read_table(path: Path, shown: str, progress: Progress | None = None) -> Table:
    """Read ``path`` (errors name it as ``shown``, e.g. ``data.path`` as written) into a :class:`Table`.

    ``progress(fraction)`` is called now and then; it may raise :class:`Cancelled` to stop.
    """
    size = _check_file(path, shown)
    head = _head(path, shown)
    if not head.strip():
        raise DataError(shown, "the file is empty; a CSV needs a header row with column names and then one "
                               "row per sample")
    if not any(ch not in ",;\t\r\n \"" for ch in head):
        raise DataError(shown, "the file holds only delimiters and no values; a CSV needs a header row with "
                               "column names and then one row per sample")
    delimiter = detect_delimiter(head)
    # The header: the first non-blank row. One physical line lets the fast reader skip it.
    header_row, header_line = None, 0
    reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
    start = 1
    for row in reader:
        line, start = start, reader.line_num + 1
        if not _blank(row):
            header_row, header_line = row, line
            break
    sampler = SAMPLER.get()
    if sampler is not None and header_row is not None and reader.line_num == header_line:
        table = sampler(path, shown, delimiter, header_line)
        if table is not None:
            return table
    return _read(path, shown, delimiter, header_row, header_line, reader.line_num, size, progress)


def _read(path: Path, shown: str, delimiter: str, header_row: list[str] | None, header_line: int,
          header_end: int, size: int, progress: Progress | None, text: str | None = None) -> Table:
    """Both readers over the file (or over ``text``, a sample of its lines in the same layout)."""
    if header_row is not None and header_end == header_line:
        header = _check_header(header_row, shown, header_line)
        block = _fast_numeric(path, header_line, delimiter, len(header), size, progress, text)
        if block is not None:
            columns = {}
            for j, name in enumerate(header):
                v = block[:, j]
                kind = CONSTANT if v.min() == v.max() else NUMERIC
                columns[name] = Column(name, kind, v)
            if progress is not None:
                progress(1.0)
            return Table(shown, path, header, columns, delimiter, block.shape[0], block=block)
    header, _, lines, builders = _scan(path, shown, delimiter, progress, size, text)
    if len(lines) == 0:
        raise DataError(shown, "the file has a header but no data rows; add one row per sample")
    columns = {b.name: b.build(len(lines)) for b in builders}
    if progress is not None:
        progress(1.0)
    return Table(shown, path, header, columns, delimiter, len(lines), lines)

