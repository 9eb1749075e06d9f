"""Reads for ``core.data.process_load``'s child process, held at half way on a FIFO until the test
lets them go (module-level functions: they are pickled to the child by name)."""
from __future__ import annotations

import os
from pathlib import Path

from core.data import load_dataset

GATE = "gate.fifo"
PID = "child.pid"


def open_gate(folder: Path) -> int:
    """Make the gate in ``folder``; returns the test's descriptor for :func:`release` (keep it open
    until the read has gone on: a FIFO's bytes last only while one end is open)."""
    os.mkfifo(folder / GATE)
    return os.open(folder / GATE, os.O_RDWR)     # O_RDWR never blocks, whether or not the child has opened it


def release(fd: int) -> None:
    os.write(fd, b"1")


def held_read(spec, base_dir, *, progress):
    """Say 50%, record this process's id, wait for :func:`release`, then read the data for real."""
    progress(0.5)
    folder = Path(base_dir)
    (folder / PID).write_text(str(os.getpid()))
    fd = os.open(folder / GATE, os.O_RDWR)
    try:
        os.read(fd, 1)
    finally:
        os.close(fd)
    return load_dataset(spec, base_dir, progress=progress)
