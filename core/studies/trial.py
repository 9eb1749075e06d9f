"""One trial of a study: a normal training run of one setting and seed, in a worker process.

The function is plain (Ray Tune's lesson: a trainable is a function of its config) and runs the same
in the local process pool and on a Ray worker. With a ``store_dir`` it records the run live in the
store; without one it returns the whole record for the driver to write (Ray: the driver owns the
store). It sets torch's thread count itself, since Ray sets ``OMP_NUM_THREADS=1`` otherwise.

The task carries the setting's :class:`~core.project.Project` as planned and checked (it pickles as
it is); the trial trains that object, so a project is parsed once per setting, in the plan. What it
returns is a frozen :class:`~core.studies.outcome.TrialOutcome`.
"""
from __future__ import annotations

import dataclasses
import math
import time
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np

from .outcome import TrialOutcome, cancelled_outcome

#: per worker process: data sets by key and the study's cancel flag (set by the pool initializer)
_DATASETS: dict[str, Any] = {}
_CANCEL: Any = None


@dataclass
class TrialTask:
    index: int
    study: str
    setting: dict[str, Any]
    seed: int
    project: Any                     # the Project with the setting applied, checked by the plan
    base_dir: str | None
    data_key: str
    data_size: float | None
    threads: int
    store_dir: str | None
    name: str
    tune_lr: bool = False            # find this trial's learning rate with a short LR-finder run first


def init_worker(datasets: dict[str, Any], cancel: Any, threads: int) -> None:
    """Pool initializer: keep the data sets once per process, the cancel flag, the thread count."""
    global _CANCEL
    import torch
    _DATASETS.clear()
    _DATASETS.update(datasets)
    _CANCEL = cancel
    torch.set_num_threads(max(1, threads))


def _class_counts(y: np.ndarray, fraction: float) -> list[tuple[Any, np.ndarray, int]]:
    """Per class: its value, its rows and how many of them a ``fraction`` keeps (at least one)."""
    out = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        out.append((c, idx, max(1, int(round(fraction * len(idx))))))
    return out


def training_samples(dataset, fraction: float | None) -> int:
    """How many training samples ``data_size=fraction`` keeps: exactly what :func:`subset_training`
    keeps, whatever the seed (two fractions that keep as many are the same data)."""
    if fraction is None or fraction >= 1.0:
        return int(dataset.n_train)
    first = dataset.default_target
    if dataset.targets[first].is_classification:
        return sum(k for _, _, k in _class_counts(dataset.y_train[first].cpu().numpy(), fraction))
    return max(2, int(round(fraction * dataset.n_train)))


def subset_training(dataset, fraction: float, seed: int):
    """The data set with ``fraction`` of its training split, stratified by class for classification
    (at least one sample of each class kept); validation and test stay whole."""
    if fraction >= 1.0:
        return dataset
    import torch
    rng = np.random.default_rng(seed)
    n = dataset.n_train
    first = dataset.default_target
    y = dataset.y_train[first].cpu().numpy()
    if dataset.targets[first].is_classification:
        keep = [rng.choice(idx, size=k, replace=False) for _, idx, k in _class_counts(y, fraction)]
        idx = np.sort(np.concatenate(keep))
    else:
        idx = np.sort(rng.choice(n, size=max(2, int(round(fraction * n))), replace=False))
    if len(idx) < 2:
        raise ValueError(f"data_size {fraction:g} leaves {len(idx)} training sample(s) of {n}: use a larger share")
    t = torch.as_tensor(idx)
    return dataclasses.replace(
        dataset, x_train=dataset.x_train[t], y_train={k: v[t] for k, v in dataset.y_train.items()},
        raw_train=None if dataset.raw_train is None else dataset.raw_train[idx])


def tuned_lr(project, data, seed: int) -> tuple[float | None, str]:
    """The learning rate a short LR-finder run suggests for this trial's model, optimizer and data
    (:func:`core.lr_finder.find_lr`, 100 steps, the valley rule), and how it was found; ``None`` with
    the reason when the finder has no suggestion (the trial then keeps the project's rate)."""
    from ..lr_finder import find_lr
    result = find_lr(project, dataset=data, seed=seed)
    if result.suggestion is None:
        return None, f"the LR finder gave no suggestion ({result.message or 'the loss never fell'}): kept the project's rate"
    rule = "valley rule" if result.valley is not None else "steepest descent"
    return float(result.suggestion), f"LR finder ({rule})"


def with_lr(project, lr: float):
    """``project`` with its optimizer's learning rate set to ``lr`` (a new object; the plan's stays)."""
    opt = project.training.optimizer
    optimizer = dataclasses.replace(opt, params={**opt.params, "lr": lr})
    return dataclasses.replace(project, training=dataclasses.replace(project.training, optimizer=optimizer))


class _CancelWatch:
    """Stops the run at the next flush once the study is cancelled."""

    def __init__(self, control, flag):
        self.control, self.flag = control, flag

    def check(self) -> None:
        if self.flag is not None and self.flag.is_set():
            self.control.stop()


def run_trial(task: TrialTask, datasets: dict[str, Any] | None = None, cancel: Any = None) -> TrialOutcome:
    """Train one trial; never raises: a failure comes back as ``status == "failed"`` (and is recorded)."""
    import torch
    torch.set_num_threads(max(1, task.threads))
    flag = cancel if cancel is not None else _CANCEL
    if flag is not None and flag.is_set():
        return cancelled_outcome(task.index, task.setting, task.seed)
    t0 = time.perf_counter()
    got: dict[str, Any] = {}           # what the trial found out so far (a failure keeps it)
    held: dict[str, Any] = {}          # the store and the recorder, once made
    try:
        _train(task, (datasets or _DATASETS)[task.data_key], flag, got, held)
    except Exception as exc:  # noqa: BLE001 - a trial that cannot start is a failed trial, not a lost one
        message = f"{type(exc).__name__}: {exc}"
        got.update(status="failed", message=message, traceback=traceback.format_exc(limit=5))
        if held.get("recorder") is not None:
            from ..training.events import RunResult
            held["recorder"].on_run_end(RunResult("failed", 0, None, None, [], 0, time.perf_counter() - t0, 0.0,
                                                  message))
    finally:
        if held.get("store") is not None:
            held["store"].close()
    got.setdefault("seconds", time.perf_counter() - t0)   # a failure: the time it took to fail
    recorder = held.get("recorder")
    if recorder is not None:
        got["run_id"] = recorder.run_id
        if task.store_dir is None:
            got["record"] = recorder.record()
        if recorder.error:
            got["store_error"] = recorder.error
    return TrialOutcome(task.index, task.setting, task.seed, **got)


def _train(task: TrialTask, data: Any, flag: Any, got: dict[str, Any], held: dict[str, Any]) -> None:
    """The trial's run: its summary goes into ``got``, the store and recorder into ``held`` as made."""
    from ..runs import RunRecorder, open_store
    from ..runs.fanout import Fanout
    from ..training import TrainingControl, TrainingObserver, train

    if task.data_size is not None:
        data = subset_training(data, task.data_size, task.seed)
    got["train_samples"] = int(data.n_train)
    project = task.project
    if task.tune_lr:
        lr, how = tuned_lr(project, data, task.seed)
        if lr is not None:
            project = with_lr(project, lr)
        got["lr_source"] = how
    got["lr"] = _f(project.training.optimizer.params.get("lr"))
    held["store"] = open_store(task.store_dir) if task.store_dir else None
    held["recorder"] = recorder = RunRecorder(held["store"], project, seed=task.seed, name=task.name,
                                              study=task.study, setting=task.setting)
    control = TrainingControl()
    watch = _CancelWatch(control, flag)

    class Watch(TrainingObserver):
        def on_steps(self, records):
            watch.check()

    result = train(project, dataset=data, observer=Fanout(recorder, Watch()), control=control, seed=task.seed,
                   threads=task.threads)
    got.update(_summary(result))
    if (result.state or {}).get("pseudo_labels") is not None:   # the rows each round accepted
        got["pseudo_labels"] = result.state["pseudo_labels"]
    got["seconds"] = float(result.seconds)   # the training's own time, as the run store records it
    if flag is not None and flag.is_set() and result.status == "stopped":
        got["status"] = "cancelled"


def _f(v) -> float | None:
    return float(v) if v is not None and math.isfinite(v) else None


def _summary(result) -> dict[str, Any]:
    from .scores import LAST_K, end_value, score_run
    h = result.history
    last = h[-1] if h else None
    metric_name = None
    if last is not None:
        metric_name = next((k for k in ("val_accuracy", "val_r2", "val_mae") if k in last.metrics), None)
    kinds = {f.kind for f in result.findings}
    train_curve = [_f(r.train_loss) for r in h]
    val_curve = [_f(r.val_loss) if r.val_loss is not None else None for r in h]
    has_val = any(v is not None for v in val_curve)
    val = score_run(val_curve) if has_val else None
    final_train = train_curve[-1] if train_curve else None
    final_val = val_curve[-1] if has_val and val_curve else None
    return {
        "status": result.status, "message": result.message, "epochs": result.epochs_run,
        "final_train_loss": final_train, "final_val_loss": final_val,
        "end_train_loss": end_value(train_curve), "end_val_loss": val.end if val else None,
        "best_val_loss": val.lowest if val else None, "best_epoch": val.lowest_epoch if val else None,
        "early_dip": bool(val and val.early_dip),
        "gap": final_val - final_train if final_val is not None and final_train is not None else None,
        "metric_name": metric_name,
        "metric": end_value([_f(r.metrics.get(metric_name)) for r in h], LAST_K) if metric_name else None,
        "overfit": "overfitting" in kinds, "diverged": result.status == "diverged" or "divergence" in kinds,
        "train_curve": tuple(train_curve), "val_curve": tuple(val_curve),
    }
