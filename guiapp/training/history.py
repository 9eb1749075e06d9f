"""Everything trained since the last Reset, on the GUI thread: step buffers and epoch records.

A continued Run (same model, see :class:`TrainingController`) appends to the same history, so the
curves go on where they stopped; ``segments`` remembers where each Run began.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from ..plots.buffers import GrowingArray
from .payloads import StepChunk

__all__ = ["RunHistory"]

STEP_KEYS = ("loss", "lr", "grad_norm", "penalty")


class RunHistory:
    """Per-step columns (``steps``, ``loss``, ``lr``, ``grad_norm``, ``penalty``, ``head:<name>``)
    as growing float64 arrays, and one :class:`EpochRecord` per epoch with its values as columns."""

    def __init__(self) -> None:
        self._step_cols: dict[str, GrowingArray] = {}
        self._epoch_cols: dict[str, GrowingArray] = {}
        self.records: list = []
        self.findings: list = []
        self.segments: list[tuple[int, int]] = []     # (steps before, epochs before) of each Run
        self.heads: tuple[str, ...] = ()
        self.task = ""
        self.info = None                              # RunInfo of the latest Run
        self.result = None                            # RunResult of the latest finished Run
        self.has_penalty = False
        self.clear()

    # -- sizes ------------------------------------------------------------------------------------
    @property
    def n_steps(self) -> int:
        return len(self._step_cols["steps"])

    @property
    def n_epochs(self) -> int:
        return len(self.records)

    def clear(self) -> None:
        self._step_cols = {k: GrowingArray(4096) for k in ("steps",) + STEP_KEYS}
        self._epoch_cols = {}
        self.records = []
        self.findings = []
        self.segments = []
        self.heads, self.task, self.info, self.result = (), "", None, None
        self.has_penalty = False

    # -- appending --------------------------------------------------------------------------------
    def start_segment(self, info) -> None:
        self.segments.append((self.n_steps, self.n_epochs))
        self.info = info
        self.heads = tuple(info.heads)
        self.task = info.task

    def add_steps(self, chunk: StepChunk) -> None:
        cols = self._step_cols
        n = self.n_steps
        cols["steps"].extend(chunk.steps)
        cols["loss"].extend(chunk.loss)
        cols["lr"].extend(chunk.lr)
        cols["grad_norm"].extend(chunk.grad_norm)
        if chunk.penalty.size:
            self.has_penalty = True
            cols["penalty"].pad_to(n)
            cols["penalty"].extend(chunk.penalty)
        for name, values in chunk.heads.items():
            col = cols.setdefault(f"head:{name}", GrowingArray(4096))
            col.pad_to(n)
            col.extend(values)

    def add_epoch(self, record) -> None:
        self.records.append(record)
        row = self.epoch_row(record)
        n = len(self.records) - 1
        for key in row:
            if key not in self._epoch_cols:
                col = GrowingArray(256)
                col.pad_to(n)
                self._epoch_cols[key] = col
        for key, col in self._epoch_cols.items():
            col.append(row.get(key, math.nan))

    @staticmethod
    def epoch_row(record) -> dict[str, float]:
        """The numbers of one epoch, flat: heads' values appear as ``<head>/<key>`` when several."""
        row = {"epoch": float(record.epoch), "step": float(record.step), "train_loss": record.train_loss,
               "val_loss": math.nan if record.val_loss is None else record.val_loss, "lr": record.lr,
               "seconds": record.seconds}
        row.update({k: float(v) for k, v in record.metrics.items()})
        if record.penalty:
            row["penalty"] = record.penalty
        if len(record.heads) > 1:
            for head, values in record.heads.items():
                row.update({f"{head}/{k}": float(v) for k, v in values.items()})
        return {k: (math.nan if v is None else float(v)) for k, v in row.items()}

    # -- reading ----------------------------------------------------------------------------------
    def step_column(self, key: str) -> np.ndarray:
        """``steps``, ``loss``, ``lr``, ``grad_norm``, ``penalty`` or ``head:<name>`` (a view)."""
        col = self._step_cols.get(key)
        if col is None:
            return np.empty(0)
        if len(col) < self.n_steps:
            col.pad_to(self.n_steps)
        return col.view()

    def epoch_column(self, key: str) -> np.ndarray:
        col = self._epoch_cols.get(key)
        return col.view() if col is not None else np.full(self.n_epochs, math.nan)

    def epoch_keys(self) -> list[str]:
        return list(self._epoch_cols)

    def has_epoch_key(self, key: str) -> bool:
        col = self._epoch_cols.get(key)
        return col is not None and bool(np.isfinite(col.view()).any())

    def best_epoch(self) -> tuple[int, float] | None:
        """(epoch, loss) of the best epoch, or None: the trainer's own ``RunResult.best_epoch`` (what
        early stopping keeps; its ``min_delta`` counts, and the training loss stands in when there is
        no validation set) once the history ends with a finished Run, else the lowest finite
        validation loss so far. The marker, the progress text and the findings then agree."""
        r = self.result
        if r is not None and r.best_epoch is not None and r.epochs_run == self.n_epochs:
            loss = r.best_val_loss
            return int(r.best_epoch), float(loss) if loss is not None else math.nan
        val = self.epoch_column("val_loss")
        if not val.size or not np.isfinite(val).any():
            return None
        i = int(np.nanargmin(np.where(np.isfinite(val), val, np.nan)))
        return int(self.epoch_column("epoch")[i]), float(val[i])

    def step_range_of_epochs(self, first: int, last: int) -> tuple[float, float]:
        """Global step span covered by epochs ``first..last`` (1-based, inclusive)."""
        ends = self.epoch_column("step")
        epochs = self.epoch_column("epoch")
        start = 0.0
        before = ends[epochs < first]
        if before.size:
            start = float(before[-1])
        upto = ends[epochs <= last]
        end = float(upto[-1]) if upto.size else float(self.n_steps)
        return start + 1.0, max(start + 1.0, end)

    def to_csv(self, path: str | Path) -> Path:
        """One row per epoch, a column per value (empty where an epoch lacks it)."""
        path = Path(path)
        keys = self.epoch_keys()
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(keys)
            cols = [self.epoch_column(k) for k in keys]
            for i in range(self.n_epochs):
                w.writerow([_csv_number(k, c[i]) for k, c in zip(keys, cols)])
        return path


def _csv_number(key: str, v: float) -> str:
    if key in ("epoch", "step") and math.isfinite(v):
        return str(int(v))
    if math.isnan(v):
        return ""
    return repr(float(v)) if math.isfinite(v) else ("inf" if v > 0 else "-inf")
