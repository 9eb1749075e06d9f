"""Optimizers and learning-rate schedules, as data. Names and keywords follow ``torch.optim``."""
from __future__ import annotations

from typing import Any

from .params import Entry, Param, Registry


def _lr(default: float) -> Param:
    return Param("lr", "float", default, min=1e-8, max=100.0, log=True, help="Learning rate: the step size.")


WD = Param("weight_decay", "float", 0.0, min=0.0, max=1.0, help="Decoupled or coupled L2 inside the optimizer "
           "(prefer the training panel's L2, which is reported as its own loss term).", advanced=True)
EPS = Param("eps", "float", 1e-8, min=1e-12, max=1.0, log=True, help="Added for numerical stability.", advanced=True)


def _build(name: str):
    def build(params: dict[str, Any], model_params):
        import torch
        p = dict(params)
        if "beta1" in p:
            p["betas"] = (p.pop("beta1"), p.pop("beta2"))
        return getattr(torch.optim, name)(model_params, **p)
    return build


def _opt(name: str, params: list[Param], doc: str) -> Entry:
    return Entry(name, "Optimizer", tuple(params), doc, _build(name))


BETAS = [Param("beta1", "float", 0.9, min=0.0, max=0.9999, help="Decay of the running mean of gradients."),
         Param("beta2", "float", 0.999, min=0.0, max=0.99999, help="Decay of the running mean of squared gradients.")]

OPTIMIZERS = Registry("optimizer", [
    _opt("SGD", [_lr(0.01), Param("momentum", "float", 0.0, min=0.0, max=0.999, help="Fraction of the last step kept."),
                 Param("nesterov", "bool", False, help="Look-ahead momentum (needs momentum > 0)."),
                 Param("dampening", "float", 0.0, min=0.0, max=1.0, help="Damps the momentum.", advanced=True), WD],
         "Stochastic gradient descent: steps against the gradient. Plain SGD is slow on plateaus and sensitive to "
         "the learning rate; momentum 0.9 helps a lot."),
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
         "Accumulates all squared gradients: large steps for rare features, but its rate only shrinks."),
    _opt("Adadelta", [_lr(1.0), Param("rho", "float", 0.9, min=0.0, max=0.9999, help="Decay of the running averages."), WD],
         "Adagrad without the ever-shrinking rate; lr 1.0 is its usual value."),
    _opt("NAdam", [_lr(0.002), *BETAS, EPS, WD], "Adam with Nesterov momentum."),
    _opt("RAdam", [_lr(0.001), *BETAS, EPS, WD], "Adam with a rectified warm-up of the adaptive rate: less sensitive "
         "to the learning rate in the first steps."),
])


def _sched(name: str, params: list[Param], doc: str, *, per_step: bool = False) -> Entry:
    return Entry(name, "Schedule", tuple(params), doc, None, {"per_step": per_step})


SCHEDULES = Registry("schedule", [
    _sched("Constant", [], "Keeps the learning rate fixed."),
    _sched("StepLR", [Param("step_size", "int", 30, min=1, max=100000, help="Epochs between decays."),
                      Param("gamma", "float", 0.1, min=0.0, max=1.0, help="Factor applied at each decay.")],
           "Multiplies the rate by gamma every step_size epochs."),
    _sched("ExponentialLR", [Param("gamma", "float", 0.98, min=0.0, max=1.0, help="Factor applied every epoch.")],
           "Multiplies the rate by gamma after every epoch."),
    _sched("CosineAnnealingLR", [Param("T_max", "int", 0, min=0, max=100000, help="Epochs of one half cosine; 0 = all epochs."),
                                 Param("eta_min", "float", 0.0, min=0.0, max=10.0, help="Lowest rate.")],
           "Lowers the rate along a half cosine to eta_min."),
    _sched("OneCycleLR", [Param("max_lr", "float", 0.01, min=1e-8, max=100.0, log=True, help="Peak learning rate."),
                          Param("pct_start", "float", 0.3, min=0.01, max=0.99, help="Share of steps spent rising.")],
           "Warms up to max_lr, then anneals far below the start (per batch): fast, robust training.", per_step=True),
    _sched("ReduceLROnPlateau", [Param("factor", "float", 0.1, min=0.0, max=0.999, help="Factor applied on a plateau."),
                                 Param("patience", "int", 10, min=0, max=10000, help="Epochs without improvement first."),
                                 Param("threshold", "float", 1e-4, min=0.0, max=1.0, log=False, help="Relative improvement that counts.")],
           "Lowers the rate when the validation loss stops improving."),
    _sched("LinearWarmup", [Param("warmup_epochs", "int", 5, min=1, max=10000, help="Epochs to reach the full rate."),
                            Param("start_factor", "float", 0.1, min=1e-4, max=1.0, help="Fraction of the rate at the start.")],
           "Raises the rate linearly from start_factor x lr to lr over the first epochs, then keeps it."),
])


def build_schedule(entry: Entry, params: dict[str, Any], optimizer, *, epochs: int, steps_per_epoch: int):
    """Return a torch scheduler (or None for Constant). Per-step schedules step every batch."""
    import torch.optim.lr_scheduler as L
    n = entry.name
    if n == "Constant":
        return None
    if n == "StepLR":
        return L.StepLR(optimizer, step_size=params["step_size"], gamma=params["gamma"])
    if n == "ExponentialLR":
        return L.ExponentialLR(optimizer, gamma=params["gamma"])
    if n == "CosineAnnealingLR":
        return L.CosineAnnealingLR(optimizer, T_max=params["T_max"] or epochs, eta_min=params["eta_min"])
    if n == "OneCycleLR":
        return L.OneCycleLR(optimizer, max_lr=params["max_lr"], pct_start=params["pct_start"],
                            total_steps=max(2, epochs * steps_per_epoch))
    if n == "ReduceLROnPlateau":
        return L.ReduceLROnPlateau(optimizer, factor=params["factor"], patience=params["patience"],
                                   threshold=params["threshold"])
    if n == "LinearWarmup":
        return L.LinearLR(optimizer, start_factor=params["start_factor"], total_iters=params["warmup_epochs"])
    raise AssertionError(n)
