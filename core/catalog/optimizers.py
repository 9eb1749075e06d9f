"""Optimizers and learning-rate schedules, as data. Names and keywords follow ``torch.optim``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .params import Entry, Param, Registry


def _lr(default: float) -> Param:
    return Param("lr", "float", default, min=1e-8, max=100.0, log=True, help="Learning rate: the step size.")


WD = Param("weight_decay", "float", 0.0, min=0.0, max=1.0, help="Decoupled or coupled L2 inside the optimizer "
           "(prefer the training panel's L2, which is reported as its own loss term).", advanced=True)
EPS = Param("eps", "float", 1e-8, min=1e-12, max=1.0, log=True, help="Added for numerical stability.", advanced=True)


def torch_keywords(params: dict[str, Any]) -> dict[str, Any]:
    """The catalog's optimizer parameters as ``torch.optim`` keywords (beta1, beta2 -> betas)."""
    p = dict(params)
    if "beta1" in p:
        p["betas"] = (p.pop("beta1"), p.pop("beta2"))
    return p


@dataclass(frozen=True)
class TorchOptimizer:
    """A builder that is one ``torch.optim`` class called with the catalog's parameters, and the
    exported script's line that does the same. ``path``: the class as the script writes it."""

    path: str

    def __call__(self, params: dict[str, Any], model_params):
        import importlib
        module, _, name = self.path.rpartition(".")
        return getattr(importlib.import_module(module), name)(model_params, **torch_keywords(params))

    def code(self, params: dict[str, Any], model_params: str) -> str:
        return f"{self.path}({model_params}" + "".join(f", {k}={v!r}" for k, v in torch_keywords(params).items()) + ")"


@dataclass(frozen=True)
class OptimizerEntry(Entry):
    """An optimizer. ``state_per_param``: how many tensors of a parameter's size it keeps beside it
    (SGD's momentum buffer: 1; Adam's two moments: 2), for the memory estimate before a run.
    A :class:`TorchOptimizer` builder also gives its exported script line (:meth:`script_code`)."""

    state_per_param: int = 2

    def script_code(self, params: dict[str, Any], model_params: str = "model.parameters()") -> str | None:
        """The exported script's constructor expression, or None when the builder cannot say."""
        return self.builder.code(params, model_params) if isinstance(self.builder, TorchOptimizer) else None


def _opt(name: str, params: list[Param], doc: str, *, state: int = 2) -> OptimizerEntry:
    return OptimizerEntry(name, "Optimizer", tuple(params), doc, TorchOptimizer(f"torch.optim.{name}"),
                          state_per_param=state)


BETAS = [Param("beta1", "float", 0.9, min=0.0, max=0.9999, help="Decay of the running mean of gradients."),
         Param("beta2", "float", 0.999, min=0.0, max=0.99999, help="Decay of the running mean of squared gradients.")]

OPTIMIZERS = Registry("optimizer", [
    _opt("SGD", [_lr(0.01), Param("momentum", "float", 0.0, min=0.0, max=0.999, help="Fraction of the last step kept."),
                 Param("nesterov", "bool", False, help="Look-ahead momentum (needs momentum > 0)."),
                 Param("dampening", "float", 0.0, min=0.0, max=1.0, help="Damps the momentum.", advanced=True), WD],
         "Stochastic gradient descent: steps against the gradient. Plain SGD is slow on plateaus and sensitive to "
         "the learning rate; momentum 0.9 helps a lot.", state=1),
    _opt("Adam", [_lr(0.001), *BETAS, EPS, WD, Param("amsgrad", "bool", False, help="AMSGrad variant.", advanced=True)],
         "Adaptive moments: per-parameter step sizes from running gradient statistics. A robust default at lr 1e-3."),
    _opt("AdamW", [_lr(0.001), *BETAS, EPS, Param("weight_decay", "float", 0.01, min=0.0, max=1.0,
                                                 help="Decoupled weight decay.")],
         "Adam with decoupled weight decay: the usual choice when regularizing with weight decay."),
    _opt("RMSprop", [_lr(0.001), Param("alpha", "float", 0.99, min=0.0, max=0.9999, help="Smoothing of squared gradients."),
                     Param("momentum", "float", 0.0, min=0.0, max=0.999, help="Momentum."),
                     Param("centered", "bool", False, help="Normalize by the gradient variance."), EPS, WD],
         "Divides the step by a running RMS of recent gradients: good on non-stationary problems and RNNs."),
    _opt("Adagrad", [_lr(0.01), Param("lr_decay", "float", 0.0, min=0.0, max=1.0, help="Learning-rate decay."), WD],
         "Accumulates all squared gradients: large steps for rare features, but its rate only shrinks.", state=1),
    _opt("Adadelta", [_lr(1.0), Param("rho", "float", 0.9, min=0.0, max=0.9999, help="Decay of the running averages."), WD],
         "Adagrad without the ever-shrinking rate; lr 1.0 is its usual value."),
    _opt("NAdam", [_lr(0.002), *BETAS, EPS, WD], "Adam with Nesterov momentum."),
    _opt("RAdam", [_lr(0.001), *BETAS, EPS, WD], "Adam with a rectified warm-up of the adaptive rate: less sensitive "
         "to the learning rate in the first steps."),
])


#: what a new project trains with (its learning rate is the entry's default)
DEFAULT_OPTIMIZER = "Adam"


@dataclass(frozen=True)
class ScheduleEntry(Entry):
    """A learning-rate schedule. ``builder(params, optimizer, epochs=, steps_per_epoch=)`` returns a torch
    scheduler, or None (Constant). ``per_step``: it steps after every batch, not every epoch;
    ``needs_metric``: its ``step`` takes the validation loss (ReduceLROnPlateau); ``end(scheduler)``: the
    scheduler step after which its rate must hold (a cosine's ``T_max``), or None for no end.
    An :class:`LrScheduler` builder also gives the exported script's line (:meth:`script_code`)."""

    per_step: bool = False
    needs_metric: bool = False
    end: Callable[[Any], int | None] | None = None

    @property
    def steps_when(self) -> str:
        """When an exported loop steps it: "step" (every batch), "plateau" (every epoch, on the monitored
        loss) or "epoch"."""
        return "step" if self.per_step else "plateau" if self.needs_metric else "epoch"

    def script_code(self, params: dict[str, Any]) -> tuple[str | None, str] | None:
        """(constructor expression over ``optimizer``, ``epochs``, ``steps_per_epoch``, or None for a fixed
        rate; :attr:`steps_when`), or None when the builder cannot say."""
        if isinstance(self.builder, LrScheduler):
            return self.builder.code(params), self.steps_when
        if isinstance(self.builder, FixedRate):
            return None, "none"
        return None


def _sched(name: str, params: list[Param], doc: str, builder, *, per_step: bool = False,
           needs_metric: bool = False, end: Callable[[Any], int | None] | None = None) -> ScheduleEntry:
    return ScheduleEntry(name, "Schedule", tuple(params), doc, builder, per_step=per_step, needs_metric=needs_metric,
                         end=end)


@dataclass(frozen=True)
class FixedRate:
    """The builder of a schedule that keeps the rate: no torch scheduler at all."""

    def __call__(self, params: dict[str, Any], optimizer, **_: Any) -> None:
        return None


@dataclass(frozen=True)
class LrScheduler:
    """A builder for ``torch.optim.lr_scheduler.<cls>`` and the exported script's line for it.

    ``keywords``: (keyword, value(params, epochs, steps), script expression(params)) per argument; the
    script's expression may use ``epochs`` and ``steps_per_epoch``."""

    cls: str
    keywords: tuple[tuple[str, Callable[..., Any], Callable[[dict[str, Any]], str]], ...]

    def __call__(self, params: dict[str, Any], optimizer, *, epochs: int, steps_per_epoch: int):
        import torch.optim.lr_scheduler as L
        return getattr(L, self.cls)(optimizer, **{k: f(params, epochs, steps_per_epoch) for k, f, _ in self.keywords})

    def code(self, params: dict[str, Any]) -> str:
        args = "".join(f", {k}={write(params)}" for k, _, write in self.keywords)
        return f"torch.optim.lr_scheduler.{self.cls}(optimizer{args})"


def _lr_sched(cls: str, **fixed) -> LrScheduler:
    """``fixed``: keyword -> a parameter's name (its value as it is), or (value(p, epochs, steps), code(p))."""
    keywords = []
    for k, f in fixed.items():
        if isinstance(f, str):
            keywords.append((k, (lambda name: lambda p, epochs, steps: p[name])(f), (lambda name: lambda p: repr(p[name]))(f)))
        else:
            keywords.append((k, *f))
    return LrScheduler(cls, tuple(keywords))


def _p(name: str) -> str:
    return name


SCHEDULES = Registry("schedule", [
    _sched("Constant", [], "Keeps the learning rate fixed.", FixedRate()),
    _sched("StepLR", [Param("step_size", "int", 30, min=1, max=100000, help="Epochs between decays."),
                      Param("gamma", "float", 0.1, min=0.0, max=1.0, help="Factor applied at each decay.")],
           "Multiplies the rate by gamma every step_size epochs.",
           _lr_sched("StepLR", step_size=_p("step_size"), gamma=_p("gamma"))),
    _sched("ExponentialLR", [Param("gamma", "float", 0.98, min=0.0, max=1.0, help="Factor applied every epoch.")],
           "Multiplies the rate by gamma after every epoch.", _lr_sched("ExponentialLR", gamma=_p("gamma"))),
    _sched("CosineAnnealingLR", [Param("T_max", "int", 0, min=0, max=100000, help="Epochs of one half cosine; 0 = all epochs."),
                                 Param("eta_min", "float", 0.0, min=0.0, max=10.0, help="Lowest rate.")],
           "Lowers the rate along a half cosine to eta_min.",
           _lr_sched("CosineAnnealingLR", T_max=(lambda p, epochs, steps: p["T_max"] or epochs,
                                                 lambda p: repr(p["T_max"]) if p["T_max"] else "epochs"),
                     eta_min=_p("eta_min")),
           end=lambda s: s.T_max),
    _sched("OneCycleLR", [Param("max_lr", "float", 0.01, min=1e-8, max=100.0, log=True, help="Peak learning rate."),
                          Param("pct_start", "float", 0.3, min=0.01, max=0.99, help="Share of steps spent rising.")],
           "Warms up to max_lr, then anneals far below the start (per batch): fast, robust training.",
           _lr_sched("OneCycleLR", max_lr=_p("max_lr"), pct_start=_p("pct_start"),
                     total_steps=(lambda p, epochs, steps: max(2, epochs * steps),
                                  lambda p: "max(2, epochs * steps_per_epoch)")), per_step=True,
           end=lambda s: s.total_steps - 1),  # torch refuses a step past total_steps
    _sched("ReduceLROnPlateau", [Param("factor", "float", 0.1, min=0.0, max=0.999, help="Factor applied on a plateau."),
                                 Param("patience", "int", 10, min=0, max=10000, help="Epochs without improvement first."),
                                 Param("threshold", "float", 1e-4, min=0.0, max=1.0, log=False, help="Relative improvement that counts.")],
           "Lowers the rate when the validation loss stops improving.",
           _lr_sched("ReduceLROnPlateau", factor=_p("factor"), patience=_p("patience"), threshold=_p("threshold")),
           needs_metric=True),
    _sched("LinearWarmup", [Param("warmup_epochs", "int", 5, min=1, max=10000, help="Epochs to reach the full rate."),
                            Param("start_factor", "float", 0.1, min=1e-4, max=1.0, help="Fraction of the rate at the start.")],
           "Raises the rate linearly from start_factor x lr to lr over the first epochs, then keeps it.",
           _lr_sched("LinearLR", start_factor=_p("start_factor"), total_iters=_p("warmup_epochs"))),
])


#: a new project's schedule: the rate stays fixed
DEFAULT_SCHEDULE = "Constant"


def build_schedule(entry: ScheduleEntry, params: dict[str, Any], optimizer, *, epochs: int, steps_per_epoch: int):
    """Return a torch scheduler (or None for Constant). Per-step schedules step every batch."""
    return entry.builder(params, optimizer, epochs=epochs, steps_per_epoch=steps_per_epoch)
