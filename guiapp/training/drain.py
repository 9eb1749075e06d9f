"""What one drain of the training queue amounts to (pure: no Qt, testable without a thread).

The queue holds ``(kind, payload)`` events in order. A drain merges every ``steps`` event into one
:class:`StepChunk`, keeps each epoch, and keeps only the latest findings, boundary and confusion
matrix. Numbers need no shifting: a continued Run (``train(resume=...)``) counts on from the last.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .payloads import StepChunk

__all__ = ["Drained", "merge_steps", "sort_events"]


@dataclass
class Drained:
    info: Any = None                 # RunInfo (start_epoch = epochs trained before this Run)
    steps: StepChunk | None = None
    epochs: list = field(default_factory=list)
    findings: list | None = None
    boundary: Any = None
    confusion: Any = None
    result: Any = None               # RunResult: the Run ended
    failure: str | None = None       # the Run could not start ("" when it was cancelled)


def sort_events(events: list[tuple[str, Any]]) -> Drained:
    """Group the events of one drain."""
    out = Drained()
    steps = []
    for kind, payload in events:
        if kind == "steps":
            steps.append(payload)
        elif kind == "epoch":
            out.epochs.append(payload)
        elif kind == "start":
            out.info = payload
        elif kind == "findings":
            out.findings = list(payload)
        elif kind == "boundary":
            out.boundary = payload
        elif kind == "confusion":
            out.confusion = payload
        elif kind == "end":
            out.result = payload
        elif kind in ("failed", "cancelled"):
            out.failure = payload if kind == "failed" else ""
    if steps:
        out.steps = merge_steps(steps)
    return out


def merge_steps(records: list) -> StepChunk:
    """One StepChunk from consecutive StepRecords."""
    loss, lr, gn, pen = [], [], [], []
    heads: dict[str, list] = {}
    for r in records:
        loss.extend(r.loss)
        lr.extend(r.lr)
        gn.extend(r.grad_norm)
        pen.extend(r.penalty)
        for k, v in r.heads.items():
            heads.setdefault(k, []).extend(v)
    f64 = np.float64
    return StepChunk(records[0].first_step, records[-1].epoch, np.asarray(loss, dtype=f64),
                     np.asarray(lr, dtype=f64), np.asarray(gn, dtype=f64), np.asarray(pen, dtype=f64),
                     {k: np.asarray(v, dtype=f64) for k, v in heads.items()})
