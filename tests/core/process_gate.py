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
    """Record this process's id, say 50%, wait for :func:`release`, then read the data for real. The id
    file appears whole (written aside, then renamed): the test read it empty once, between its
    creation and its write."""
    folder = Path(base_dir)
    aside = folder / (PID + ".part")
    aside.write_text(str(os.getpid()))
    os.replace(aside, folder / PID)
    progress(0.5)
    fd = os.open(folder / GATE, os.O_RDWR)
    try:
        os.read(fd, 1)
    finally:
        os.close(fd)
    return load_dataset(spec, base_dir, progress=progress)
