"""What the store hands back: a run's summary row, the whole run, and the step-series reduction."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import numpy as np

#: step losses kept per run: past this the series is reduced to min/max per bucket
MAX_STEPS = 20_000

#: columns of the ``runs`` table that a listing reads (no project JSON, no findings)
_LIST_COLUMNS = ("id", "name", "project_name", "dataset", "status", "started", "ended", "seed", "epochs", "steps",
                 "seconds", "best_epoch", "best_val_loss", "final_train_loss", "final_val_loss", "metric_name",
                 "metric_value", "message", "tags_json", "study", "setting_json", "host", "pid", "parent")


@dataclass
class RunSummary:
    """One row of the run list."""
    id: str
    name: str
    project_name: str
    dataset: str
    status: str
    started: float
    ended: float | None
    seed: int | None
    epochs: int
    steps: int
    seconds: float | None
    best_epoch: int | None
    best_val_loss: float | None
    final_train_loss: float | None
    final_val_loss: float | None
    metric_name: str | None
    metric_value: float | None
    message: str
    tags: list[str]
    study: str | None
    setting: dict[str, Any] | None
    parent: str | None = None        # the run this one continued (Runs ▸ Continue), if any


@dataclass
class RunRecord(RunSummary):
    """A whole run: the summary plus project, environment, history, step losses, findings, test."""
    project: dict[str, Any] = field(default_factory=dict)
    project_dir: str | None = None
    env: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    step_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    step_loss: np.ndarray = field(default_factory=lambda: np.zeros(0))
    findings: list[dict[str, Any]] = field(default_factory=list)
    test: dict[str, Any] = field(default_factory=dict)
    weights: dict[str, str] = field(default_factory=dict)


#: project names that a person did not choose: a run of such a project is known by its data instead
UNNAMED = ("", "untitled")


def project_label(name: str, dataset: str) -> str:
    """The project a run belongs to, as the Runs panel and the run names know it: the project's name,
    or for a project never named ("untitled", before its first save) its data's name (``wine.csv`` ->
    ``wine``, the built-in ``spiral`` -> ``spiral``), so an untitled wine project and an untitled
    houses project are not one project."""
    if name.strip() not in UNNAMED:
        return name
    return PurePath(dataset).stem or name


def downsample_minmax(step: np.ndarray, loss: np.ndarray, limit: int = MAX_STEPS) -> tuple[np.ndarray, np.ndarray]:
    """At most ``limit`` points: the series cut into ``limit // 2`` buckets, each kept as its minimum
    and its maximum (in step order), so spikes and the floor of a noisy curve survive. NaN counts as
    a maximum (a divergence stays visible)."""
    n = len(step)
    if n <= limit:
        return step, loss
    buckets = max(1, limit // 2)
    edges = np.linspace(0, n, buckets + 1).astype(np.int64)
    finite = np.where(np.isnan(loss), np.inf, loss)
    keep = []
    for a, b in zip(edges[:-1], edges[1:]):
        if b <= a:
            continue
        seg = finite[a:b]
        lo, hi = a + int(np.argmin(seg)), a + int(np.argmax(seg))
        keep.extend(sorted({lo, hi}))
    idx = np.asarray(keep, dtype=np.int64)
    return step[idx], loss[idx]


def _summary(row) -> RunSummary:
    d = dict(zip(_LIST_COLUMNS, row))
    d["tags"] = json.loads(d.pop("tags_json") or "[]")
    setting = d.pop("setting_json")
    d["setting"] = json.loads(setting) if setting else None
    d.pop("host")
    d.pop("pid")
    return RunSummary(**d)
