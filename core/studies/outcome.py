"""What one trial of a study came to: :class:`TrialOutcome`, frozen and picklable.

A trial runs in a worker process (or on a Ray worker) and its outcome crosses the process boundary
back to the driver, which only reads it (a new outcome is made with :meth:`TrialOutcome.replace`).
Its JSON form (:meth:`TrialOutcome.to_dict`) has the keys the trial's plain dict had before, so what
was written or passed around as a dict loads again with :meth:`TrialOutcome.from_dict` (keys it does
not know are kept in ``extra`` and written back). Curves are tuples: nothing in an outcome changes.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

#: the end-of-run summary of a trial that trained (present together, values may be None)
SUMMARY_FIELDS = ("epochs", "final_train_loss", "final_val_loss", "end_train_loss", "end_val_loss", "best_val_loss",
                  "best_epoch", "early_dip", "gap", "metric_name", "metric", "overfit", "diverged", "train_curve",
                  "val_curve")
#: written only when set
OPTIONAL_FIELDS = ("train_samples", "lr", "lr_source", "pseudo_labels", "traceback", "store_error")
#: what a finished trial that counts in the table is not
NOT_FINISHED = ("failed", "cancelled")


@dataclass(frozen=True)
class TrialOutcome:
    """One trial's result: its place in the plan (``index``, ``setting``, ``seed``), its run in the store
    (``run_id``, None when none was recorded), ``status`` (the run's own: completed, stopped, diverged…;
    or failed, cancelled), the end-of-run summary when it trained, and ``seconds`` of training."""
    index: int
    setting: dict[str, Any]
    seed: int
    status: str = "failed"
    message: str = ""
    run_id: str | None = None
    seconds: float = 0.0
    # -- the end-of-run summary (``epochs`` is None when the trial never trained) --
    epochs: int | None = None
    final_train_loss: float | None = None
    final_val_loss: float | None = None
    end_train_loss: float | None = None
    end_val_loss: float | None = None
    best_val_loss: float | None = None
    best_epoch: int | None = None
    early_dip: bool = False
    gap: float | None = None
    metric_name: str | None = None
    metric: float | None = None
    overfit: bool = False
    diverged: bool = False
    train_curve: tuple[float | None, ...] = ()
    val_curve: tuple[float | None, ...] = ()
    # -- set when known --
    train_samples: int | None = None
    lr: float | None = None
    lr_source: str | None = None             # how the rate was found (a tuned study): "grid", "LR finder …"
    pseudo_labels: Any = None                # the rows each pseudo-labelling round accepted
    traceback: str | None = None
    store_error: str | None = None           # the run could not be recorded (the result still counts)
    #: the whole run record, when the driver writes the store (Ray); never written to JSON
    record: Any = field(default=None, compare=False, repr=False)
    #: keys of a loaded dict that this version does not know (written back as they were)
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def finished(self) -> bool:
        """It ran to an end that counts in the table (not failed, not cancelled)."""
        return self.status not in NOT_FINISHED

    @property
    def trained(self) -> bool:
        return self.epochs is not None

    def score(self, name: str) -> float | None:
        """A summary value by name (``end_val_loss``, ``best_val_loss``…), None when it is not one."""
        if name not in SUMMARY_FIELDS and name not in ("seconds", "train_samples", "lr"):
            return None
        return getattr(self, name)

    def replace(self, **changes: Any) -> "TrialOutcome":
        """A copy with ``changes`` (the outcome itself never changes)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: the keys the trial's dict always had, the summary when it trained, the
        optional keys when set (``record`` is left out: the store holds it)."""
        out: dict[str, Any] = {"index": self.index, "setting": dict(self.setting), "seed": self.seed,
                               "run_id": self.run_id, "status": self.status, "message": self.message,
                               "seconds": self.seconds}
        if self.trained:
            for name in SUMMARY_FIELDS:
                value = getattr(self, name)
                out[name] = list(value) if isinstance(value, tuple) else value
        for name in OPTIONAL_FIELDS:
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        for k, v in self.extra.items():
            out.setdefault(k, v)
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "TrialOutcome":
        """An outcome from its JSON form, or from the plain dict an older version returned; a missing
        ``index`` is 0 and a missing ``status`` is ``failed``."""
        if not isinstance(d, Mapping):
            raise TypeError(f"a trial outcome is a JSON object, received {type(d).__name__}")
        known = {f.name for f in dataclasses.fields(cls)} - {"record", "extra"}
        kw = {k: v for k, v in d.items() if k in known}
        for name in ("train_curve", "val_curve"):
            if name in kw:
                kw[name] = tuple(kw[name] or ())
        kw["setting"] = dict(kw.get("setting") or {})
        kw.setdefault("index", 0)
        kw.setdefault("seed", 0)
        for name in ("early_dip", "overfit", "diverged"):
            kw[name] = bool(kw.get(name))
        if kw.get("seconds") is None:
            kw["seconds"] = 0.0
        return cls(**kw, record=d.get("record"), extra={k: v for k, v in d.items() if k not in known and k != "record"})

    @classmethod
    def coerce(cls, o: "TrialOutcome | Mapping[str, Any]") -> "TrialOutcome":
        """``o`` as an outcome: itself, or loaded from its dict form."""
        return o if isinstance(o, TrialOutcome) else cls.from_dict(o)


def outcomes_of(items: Iterable["TrialOutcome | Mapping[str, Any]"]) -> list[TrialOutcome]:
    """Every item as a :class:`TrialOutcome` (dicts, as results files hold them, are loaded)."""
    return [TrialOutcome.coerce(o) for o in items]


def cancelled_outcome(index: int, setting: dict[str, Any], seed: int,
                      why: str = "cancelled before it started") -> TrialOutcome:
    """A trial that never ran."""
    return TrialOutcome(index, setting, seed, status="cancelled", message=why)
