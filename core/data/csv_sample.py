"""``losslab check`` on a big table: a sample of its rows instead of all of them.

Within :func:`sampling`, :func:`core.data.csvfile.read_table` reads at most about ``max_rows`` data
rows of a bigger table: :data:`SAMPLE_BLOCKS` blocks of consecutive lines spread evenly through the
file (found with a memory map and byte counts, so the rest is never parsed), with each row's real
line number kept for messages. A problem the sample shows (a row with too many fields, a quoted
field over several lines cut by a block) makes the reader read every row, so an error always names
the real line. A million-row check then costs what a 50,000-row one does.
"""
from __future__ import annotations

import csv
import io
import mmap
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Iterator

import numpy as np

from core.data import csvfile
from core.data.csvfile import DataError, Sample, Table, _blank, _read

#: rows ``losslab check`` reads of a bigger table (see :func:`sampling`)
CHECK_SAMPLE_ROWS = 50_000
SAMPLE_BLOCKS = 20          # blocks of consecutive lines, spread evenly through the file

_SAMPLES_TAKEN: ContextVar[list | None] = ContextVar("csv_samples_taken", default=None)


@contextmanager
def sampling(max_rows: int | None = None) -> Iterator[list[Sample]]:
    """Within the block, :func:`read_table` reads at most about ``max_rows`` data rows of a bigger
    table: blocks of lines spread through the file, so a check of a million-row table costs what one
    of ``max_rows`` does. The checks that need every row (a bad cell on line 900,000) are not made on
    the rest. ``max_rows`` defaults to :data:`CHECK_SAMPLE_ROWS`. Yields the list of :class:`Sample` s
    taken (empty when every table was small enough)."""
    taken: list[Sample] = []
    max_rows = CHECK_SAMPLE_ROWS if max_rows is None else max_rows
    limit = max_rows

    def sampler(path: Path, shown: str, delimiter: str, header_line: int) -> Table | None:
        return read_sample(path, shown, delimiter, header_line, limit)
    rows_token, taken_token = csvfile.SAMPLER.set(sampler), _SAMPLES_TAKEN.set(taken)
    try:
        yield taken
    finally:
        csvfile.SAMPLER.reset(rows_token)
        _SAMPLES_TAKEN.reset(taken_token)


def read_sample(path: Path, shown: str, delimiter: str, header_line: int, limit: int) -> Table | None:
    """The table of a sample of ``path``'s lines, or None when the file is small enough to read whole
    or the sample cannot stand for it (then the caller reads every row, and any error it reports names
    the real line)."""
    picked = _sample_lines(path, header_line, limit)
    if picked is None:
        return None
    text, line_map, total = picked
    try:
        table = _read(path, shown, delimiter, *_header_of(text, delimiter), 0, None, text)
    except DataError:          # a bad cell or a quoted field over several lines: read it all
        return None
    if table._lines is not None:
        table._lines = line_map[table._lines - 1]
    else:                       # the numeric reader keeps no line numbers: every non-blank data line
        data_lines = [i for i, ln in enumerate(text.split("\n")[header_line:], header_line) if ln.strip()]
        table._lines = line_map[data_lines][:table.n_rows]
    table.sample = Sample(shown, table.n_rows, max(total, table.n_rows), SAMPLE_BLOCKS)
    taken = _SAMPLES_TAKEN.get()
    if taken is not None:
        taken.append(table.sample)
    return table


def _header_of(text: str, delimiter: str) -> tuple[list[str] | None, int, int]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    for row in reader:
        line, start = start, reader.line_num + 1
        if not _blank(row):
            return row, line, reader.line_num
    return None, 0, 0


def _sample_lines(path: Path, header_line: int, limit: int) -> tuple[str, np.ndarray, int] | None:
    """(the header lines and :data:`SAMPLE_BLOCKS` blocks of whole lines spread through the file, the
    file line of each of those lines, the data lines in the file), or None when the file has no more
    than about ``limit`` data lines or is not UTF-8."""
    with open(path, "rb") as f:
        try:
            mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except (ValueError, OSError):   # an empty file cannot be mapped
            return None
    with mm:
        start = 0
        for _ in range(header_line):
            start = mm.find(b"\n", start) + 1
            if start == 0:
                return None
        size = len(mm)
        total = _count_newlines(mm, start, size) + (size > start and mm[size - 1:size] != b"\n")
        if total <= limit * 1.2:
            return None
        per_block = max(1, limit // SAMPLE_BLOCKS)
        parts, lines = [mm[:start]], list(range(1, header_line + 1))
        pos, line = start, header_line + 1       # a position at a line start, and its line number
        for k in range(SAMPLE_BLOCKS):
            at = start + k * (size - start) // SAMPLE_BLOCKS
            if at > pos:                         # skip to the start of the next whole line
                nl = mm.find(b"\n", at - 1)
                if nl < 0:
                    break
                line += _count_newlines(mm, pos, nl + 1)
                pos = nl + 1
            end = pos
            for _ in range(per_block):
                nl = mm.find(b"\n", end)
                end = size if nl < 0 else nl + 1
                if end >= size:
                    break
            block = mm[pos:end]
            n = block.count(b"\n") + (not block.endswith(b"\n") and len(block) > 0)
            parts.append(block if block.endswith(b"\n") or not block else block + b"\n")
            lines.extend(range(line, line + n))
            line, pos = line + block.count(b"\n"), end
            if pos >= size:
                break
    try:
        text = b"".join(parts).decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return text, np.asarray(lines + [lines[-1] + 1], dtype=np.int64), total


def _count_newlines(mm: mmap.mmap, start: int, end: int, step: int = 1 << 24) -> int:
    return sum(mm[a:min(a + step, end)].count(b"\n") for a in range(start, end, step))


def header_columns(path: str | Path, base_dir=None, max_rows: int = 2_000) -> tuple[dict[str, str], set[str]]:
    """The table's columns in header order with their detected kinds, and those holding numbers, from a
    sample of at most about ``max_rows`` rows: what a column picker needs when the table cannot be
    prepared (a text cell in a column of numbers), so the person can change the column's kind or role
    instead of the file. Raises :class:`DataError` when the file cannot be read as a table at all."""
    from core.data.loader import data_file_path
    file = data_file_path(path, base_dir)
    with sampling(max_rows):
        table = csvfile.read_table(file, str(path))
    return ({n: c.kind for n, c in table.columns.items()},
            {n for n, c in table.columns.items() if c.is_numeric})
