"""What the trainer tells its observers: frozen dataclasses of Python numbers, never tensors."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class RunInfo:
    name: str
    epochs: int
    steps_per_epoch: int
    n_train: int
    n_val: int
    n_params: int
    device: str
    threads: int
    heads: tuple[str, ...]
    task: str                    # task of the first head: "classification" | "regression"
    lr: float
    start_epoch: int = 0         # epochs already trained (a resumed run)


@dataclass(frozen=True)
class StepRecords:
    """A batch of consecutive steps: ``first_step`` is the 1-based global step of element 0."""
    first_step: int
    epoch: int
    loss: tuple[float, ...]
    lr: tuple[float, ...]
    grad_norm: tuple[float, ...]
    penalty: tuple[float, ...] = ()
    heads: Mapping[str, tuple[float, ...]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.loss)


@dataclass(frozen=True)
class EpochRecord:
    epoch: int                   # 1-based
    step: int                    # global step at the end of the epoch
    train_loss: float            # mean of the epoch's step losses (dropout on), penalty excluded
    val_loss: float | None
    lr: float
    seconds: float
    elapsed: float
    metrics: Mapping[str, float] = field(default_factory=dict)   # val_accuracy / val_mae / val_r2 / train_accuracy
    heads: Mapping[str, Mapping[str, float]] = field(default_factory=dict)  # head -> {"train_loss", "val_loss", metrics}
    penalty: float = 0.0
    #: the last health probe of this epoch ``{"step", "epoch", "nodes": {node: {statistic: value}}}``, or {}
    health: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"epoch": self.epoch, "step": self.step, "train_loss": _num(self.train_loss),
                             "val_loss": _num(self.val_loss), "lr": self.lr, "seconds": round(self.seconds, 4)}
        d.update({k: _num(v) for k, v in self.metrics.items()})
        if self.penalty:
            d["penalty"] = _num(self.penalty)
        if len(self.heads) > 1:
            d["heads"] = {h: {k: _num(v) for k, v in m.items()} for h, m in self.heads.items()}
        if self.health:
            d["health"] = dict(self.health)
        return d


def _num(v: float | None) -> float | None:
    """JSON has no NaN/inf: report them as null."""
    if v is None or not math.isfinite(v):
        return None
    return float(v)


@dataclass(frozen=True)
class RunResult:
    """What a finished run hands back: numbers, the history, and the final weights as bytes.

    Frozen, and free of live torch objects that a thread keeps training: the model never travels in
    it. ``weights`` is the final state dict written by ``torch.save`` (CPU tensors; ``b""`` when no
    model was built), read back with :meth:`state_dict` (``weights_only=True``). The model itself is
    handed over explicitly: it is the ``setup.model`` the caller passed to ``train`` (or rebuilt from
    the weights with :func:`core.training.trained_model`)."""

    status: str                  # completed | early_stopped | stopped | diverged | failed
    epochs_run: int
    best_epoch: int | None
    best_val_loss: float | None
    history: list[EpochRecord]
    steps: int
    seconds: float
    steps_per_second: float
    message: str = ""
    diverged_step: int | None = None
    findings: list[Any] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)
    weights: bytes = field(default=b"", repr=False)
    start_epoch: int = 0                       # epochs trained before this run (a resumed run)
    #: what ``train(resume=...)`` needs to continue this run (not serialized)
    state: dict[str, Any] = field(default_factory=dict, repr=False)
    #: the held-out test split, evaluated once at the end with the final weights (empty without one)
    test: dict[str, float] = field(default_factory=dict)
    #: the health probes of the run (:class:`core.health.HealthProbe`), empty with monitoring off
    health: list[Any] = field(default_factory=list, repr=False)

    @property
    def has_weights(self) -> bool:
        return bool(self.weights)

    def state_dict(self) -> dict[str, Any] | None:
        """The final weights as a state dict of CPU tensors, or None when no model was built."""
        if not self.weights:
            return None
        import io

        import torch
        return torch.load(io.BytesIO(self.weights), weights_only=True)

    def to_dict(self) -> dict[str, Any]:
        d = {
            "status": self.status, "epochs_run": self.epochs_run, "best_epoch": self.best_epoch,
            "best_val_loss": _num(self.best_val_loss), "steps": self.steps,
            "steps_per_second": round(self.steps_per_second, 1), "seconds": round(self.seconds, 3),
            "message": self.message, "diverged_step": self.diverged_step,
            "test": {k: _num(v) for k, v in self.test.items()},
            "history": [h.to_dict() for h in self.history],
            "findings": [f.to_dict() for f in self.findings],
        }
        if self.health:  # the last probe: {node: {statistic: value}}
            d["health"] = self.health[-1].to_dict()["nodes"]
        return d


class TrainingObserver:
    """Keras-style hooks. Override what you need; every hook runs on the training thread."""

    def on_run_start(self, info: RunInfo) -> None: ...
    def on_steps(self, records: StepRecords) -> None: ...
    def on_epoch_end(self, record: EpochRecord) -> None: ...
    def on_findings(self, new: list[Any], current: list[Any]) -> None: ...
    def on_run_end(self, result: RunResult) -> None: ...
    def on_exception(self, exc: BaseException) -> None: ...


@dataclass(frozen=True)
class FindingsChanged:
    """The diagnostics' findings now (all of them, not only the new ones): what a view shows."""
    current: tuple[Any, ...]


@dataclass(frozen=True)
class RunNotStarted:
    """A Run that ended before its first step: ``message`` says why ("" when it was stopped first)."""
    message: str = ""
