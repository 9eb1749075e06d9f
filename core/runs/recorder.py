"""``RunRecorder``: a training observer that records a run in the store while it goes.

Each finished epoch is one transaction (its record, the step losses since the last one, the
findings so far), so a process killed mid-run leaves every finished epoch behind; the store marks
such a run ``interrupted``. At the end the final and best weights are written as ``.pt`` files
beside the database and the step series is reduced to min/max buckets past ``MAX_STEPS``.

Without a store the recorder keeps everything in memory (``record()``): a Ray worker returns that
and the driver writes it with :func:`import_run`.
"""
from __future__ import annotations

import io
import math
import os
import platform
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from ..training.events import EpochRecord, RunInfo, RunResult, StepRecords, TrainingObserver
from .records import MAX_STEPS, downsample_minmax, project_label
from .store import RunStore

METRIC_KEYS = ("val_accuracy", "val_r2", "val_mae")


def new_run_id() -> str:
    """Sortable by time (to the second) and unique: ``20261130-010203-3f9a1c``."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:6]


def environment(info: RunInfo | None = None) -> dict[str, Any]:
    import torch
    from .. import __version__
    env = {"losslab": __version__, "torch": torch.__version__, "python": platform.python_version(),
           "platform": platform.platform(terse=True), "numpy": np.__version__,
           "threads": torch.get_num_threads()}
    if info is not None:
        env.update(device=info.device, threads=info.threads)
    return env


def dataset_label(project) -> str:
    d = project.data
    return Path(d.path).name if d.path else d.source


def run_name(project) -> str:
    """A run's name: its project's, or for a project not yet named (trained before its first save)
    its data's ("wine" for wine.csv, "spiral"), not "untitled" for every one of them."""
    return project_label(project.name, dataset_label(project))


def epoch_dict(rec: EpochRecord) -> dict[str, Any]:
    d = rec.to_dict()
    d["elapsed"] = round(rec.elapsed, 4)
    return d


def _num(v) -> float | None:
    return float(v) if v is not None and math.isfinite(v) else None


class RunRecorder(TrainingObserver):
    """Record one training run. ``store=None``: in memory only (see :meth:`record`)."""

    def __init__(self, store: RunStore | None, project, *, seed: int | None = None, name: str | None = None,
                 study: str | None = None, setting: dict | None = None, run_id: str | None = None,
                 save_weights: bool = True):
        self.store = store
        self.project = project
        self.run_id = run_id or new_run_id()
        self.seed = project.training.seed if seed is None else seed
        self.name = name or run_name(project)
        self.study, self.setting = study, setting
        self.save_weights = save_weights
        self.error = ""                      # the first store failure (recording then stops; training goes on)
        self._info: dict[str, Any] | None = None
        self._env: dict[str, Any] = {}
        self._history: list[dict] = []
        self._steps: list[np.ndarray] = []
        self._losses: list[np.ndarray] = []
        self._pending: list[StepRecords] = []
        self._findings: list[dict] = []
        self._findings_dirty = False
        self._summary: dict[str, Any] = {}
        self._weights: dict[str, bytes] = {}
        self._started = time.time()

    # -- hooks ---------------------------------------------------------------------------------
    def on_run_start(self, info: RunInfo) -> None:
        self._started = time.time()
        self._info = {k: (list(v) if isinstance(v, tuple) else v) for k, v in info.__dict__.items()}
        self._env = environment(info)
        self._safe(lambda: self.store.begin_run(
            self.run_id, name=self.name, project=self.project.to_dict(),
            project_dir=str(self.project.base_dir) if self.project.base_dir else None,
            dataset=dataset_label(self.project), seed=self.seed, env=self._env, study=self.study,
            setting=self.setting, started=self._started, info=self._info))

    def on_steps(self, records: StepRecords) -> None:
        self._pending.append(records)

    def on_epoch_end(self, record: EpochRecord) -> None:
        d = epoch_dict(record)
        self._history.append(d)
        steps = self._take_steps()
        summary = self._running_summary()
        findings = self._findings if self._findings_dirty else None
        self._findings_dirty = False
        self._safe(lambda: self.store.write_progress(self.run_id, epochs=[d], steps=steps, findings=findings,
                                                     summary=summary))

    def on_findings(self, new: list[Any], current: list[Any]) -> None:
        self._findings = [f.to_dict() for f in current]
        self._findings_dirty = True

    def on_run_end(self, result: RunResult) -> None:
        tail = self._take_steps()                   # steps after the last finished epoch (a Stop mid-epoch)
        if self._info is None:                      # it failed before the first hook: still record it
            self.on_run_start(RunInfo(self.project.name, 0, 0, 0, 0, 0, "cpu", 1, (), "", 0.0))
        self._findings = [f.to_dict() for f in result.findings]
        if self.save_weights and result.has_weights:
            self._weights = _weight_files(result)
        self._summary = self._final_summary(result)
        step, loss = self.steps()
        compact = (step, loss) if sum(len(s) for s in self._steps) > MAX_STEPS else None

        def finish():
            if self._weights:
                _write_weights(self.store.weights_dir(self.run_id), self._weights)
            if tail is not None and compact is None:
                self.store.write_progress(self.run_id, steps=tail)
            self.store.finish_run(self.run_id, self._summary, steps=compact)
        self._safe(finish)

    # -- in memory -----------------------------------------------------------------------------
    def steps(self) -> tuple[np.ndarray, np.ndarray]:
        if not self._steps:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return downsample_minmax(np.concatenate(self._steps), np.concatenate(self._losses))

    def record(self) -> dict[str, Any]:
        """Everything recorded, as plain Python (picklable): what :func:`import_run` writes."""
        step, loss = self.steps()
        return {"id": self.run_id, "name": self.name, "project": self.project.to_dict(),
                "project_dir": str(self.project.base_dir) if self.project.base_dir else None,
                "dataset": dataset_label(self.project), "seed": self.seed, "env": self._env, "info": self._info,
                "study": self.study, "setting": self.setting, "started": self._started, "history": self._history,
                "step": step, "loss": loss, "findings": self._findings, "summary": self._summary,
                "weights": self._weights}

    # -- helpers -------------------------------------------------------------------------------
    def _safe(self, write) -> None:
        if self.store is None or self.error:
            return
        try:
            write()
        except (sqlite3.Error, OSError) as e:  # a full disk must not stop the training
            self.error = f"the run store stopped recording this run: {e}"

    def _take_steps(self) -> tuple[np.ndarray, np.ndarray] | None:
        if not self._pending:
            return None
        step = np.concatenate([np.arange(r.first_step, r.first_step + len(r), dtype=np.int64) for r in self._pending])
        loss = np.concatenate([np.asarray(r.loss, dtype=np.float64) for r in self._pending])
        self._pending.clear()
        self._steps.append(step)
        self._losses.append(loss)
        return step, loss

    def _running_summary(self) -> dict[str, Any]:
        last = self._history[-1]
        vals = [(h["val_loss"], h["epoch"]) for h in self._history if h.get("val_loss") is not None]
        best = min(vals) if vals else (None, None)
        metric = next((k for k in METRIC_KEYS if last.get(k) is not None), None)
        return {"epochs": last["epoch"], "steps": last["step"], "seconds": last.get("elapsed"),
                "final_train_loss": last.get("train_loss"), "final_val_loss": last.get("val_loss"),
                "best_val_loss": best[0], "best_epoch": best[1], "metric_name": metric,
                "metric_value": last.get(metric) if metric else None}

    def _final_summary(self, result: RunResult) -> dict[str, Any]:
        s = self._running_summary() if self._history else {"epochs": 0, "steps": result.steps}
        s.update(status=result.status, ended=time.time(), seconds=round(result.seconds, 4),
                 steps=result.steps, message=result.message or "",
                 findings_json=_json(self._findings), test_json=_json({k: _num(v) for k, v in result.test.items()}))
        if result.best_epoch is not None:
            s.update(best_epoch=result.best_epoch, best_val_loss=_num(result.best_val_loss))
        return s


class ThreadRecorder(RunRecorder):
    """A :class:`RunRecorder` that opens its own connection to the store in ``store_dir`` on the thread
    that runs the training (a store object is used by one thread) and closes it when the run ends.

    The window hands one to the trainer as an observer, so every epoch's transaction is written
    beside the training, as ``losslab train`` writes it, never on the GUI thread. ``writer_thread``
    names the thread that opened the store; ``error`` says why nothing (more) was recorded."""

    def __init__(self, store_dir: str | Path | None, project, **kwargs: Any):
        super().__init__(None, project, **kwargs)
        self.store_dir = store_dir
        self.writer_thread = ""

    def on_run_start(self, info: RunInfo) -> None:
        from .store import StoreError, open_store
        self.writer_thread = threading.current_thread().name
        if self.store is None and not self.error:
            try:
                self.store = open_store(self.store_dir)
            except StoreError as e:
                self.error = str(e)
        super().on_run_start(info)

    def on_run_end(self, result: RunResult) -> None:
        try:
            super().on_run_end(result)
        finally:
            store, self.store = self.store, None
            if store is not None:
                store.close()


def _json(v) -> str:
    import json
    return json.dumps(v)


def _weight_files(result: RunResult) -> dict[str, bytes]:
    import torch
    files = {"final": result.weights}   # already torch.save bytes of CPU tensors
    best = result.state.get("best") if result.state else None
    if best is not None:
        buf = io.BytesIO()
        torch.save({k: v.detach().cpu() for k, v in best[2].items()}, buf)
        files["best"] = buf.getvalue()
    return files


def _write_weights(folder: Path, files: dict[str, bytes]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        tmp = folder / f".{name}.pt.{os.getpid()}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, folder / f"{name}.pt")


def import_run(store: RunStore, rec: dict[str, Any]) -> str:
    """Write a run recorded in memory (a Ray worker's :meth:`RunRecorder.record`) in one go."""
    from .store import LIVE
    store.begin_run(rec["id"], name=rec["name"], project=rec["project"], project_dir=rec["project_dir"],
                    dataset=rec["dataset"], seed=rec["seed"], env=rec["env"], study=rec["study"],
                    setting=rec["setting"], started=rec["started"])
    store.write_progress(rec["id"], info=rec["info"] or {}, epochs=rec["history"], steps=(rec["step"], rec["loss"]),
                         findings=rec["findings"])
    if rec["weights"]:
        _write_weights(store.weights_dir(rec["id"]), rec["weights"])
    summary = dict(rec["summary"]) or {"status": "failed", "message": "the trial returned no result"}
    summary.setdefault("status", LIVE)
    store.finish_run(rec["id"], summary)
    return rec["id"]
