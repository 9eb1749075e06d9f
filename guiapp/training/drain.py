"""What one drain of the training queue amounts to (pure: no Qt, testable without a thread).

The queue holds ``(kind, payload)`` events in order. A drain merges every ``steps`` event into one
:class:`StepChunk`, keeps each epoch, and keeps only the latest findings, boundary and confusion
matrix. Step and epoch numbers are shifted so that a continued Run counts on from the previous one.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .payloads import StepChunk

__all__ = ["Drained", "merge_steps", "shift_finding", "sort_events"]


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


def sort_events(events: list[tuple[str, Any]], step_offset: int, epoch_offset: int) -> Drained:
    """Group and renumber the events of one drain."""
    out = Drained()
    steps = []
    for kind, payload in events:
        if kind == "steps":
            steps.append(payload)
        elif kind == "epoch":
            out.epochs.append(dataclasses.replace(payload, epoch=payload.epoch + epoch_offset,
                                                  step=payload.step + step_offset))
        elif kind == "start":
            out.info = dataclasses.replace(payload, start_epoch=epoch_offset)
        elif kind == "findings":
            out.findings = [shift_finding(f, step_offset, epoch_offset) for f in payload]
        elif kind == "boundary":
            out.boundary = dataclasses.replace(payload, step=payload.step + step_offset,
                                               epoch=payload.epoch + epoch_offset)
        elif kind == "confusion":
            out.confusion = dataclasses.replace(payload, epoch=payload.epoch + epoch_offset)
        elif kind == "end":
            out.result = payload
        elif kind in ("failed", "cancelled"):
            out.failure = payload if kind == "failed" else ""
    if steps:
        out.steps = merge_steps(steps, step_offset)
    return out


def merge_steps(records: list, offset: int) -> StepChunk:
    """One StepChunk from consecutive StepRecords (global step numbers shifted by ``offset``)."""
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
    return StepChunk(records[0].first_step + offset, records[-1].epoch, np.asarray(loss, dtype=f64),
                     np.asarray(lr, dtype=f64), np.asarray(gn, dtype=f64), np.asarray(pen, dtype=f64),
                     {k: np.asarray(v, dtype=f64) for k, v in heads.items()})


def shift_finding(finding, steps: int, epochs: int):
    """A finding of a continued Run, renumbered to count epochs and steps since the last Reset.

    (Its message keeps the trainer's numbering, which starts at each Run: see the report's core
    request for ``train(start_epoch=...)``.)"""
    if not (steps or epochs) or not dataclasses.is_dataclass(finding):
        return finding
    changes = {}
    for name, off in (("start_epoch", epochs), ("end_epoch", epochs), ("start_step", steps), ("end_step", steps)):
        value = getattr(finding, name, None)
        if value is not None:
            changes[name] = value + off
    evidence = getattr(finding, "evidence", None)
    if isinstance(evidence, dict) and "best_epoch" in evidence:
        changes["evidence"] = dict(evidence, best_epoch=evidence["best_epoch"] + epochs)
    return dataclasses.replace(finding, **changes)
