"""A loss, an optimizer and a schedule that exist only as one catalog entry each, for the "one record
per thing" tests (core and window). Nothing else in the code base knows them.

``MultiLabelSoftMarginLoss`` puts one sigmoid per class on one-hot targets (its ``reduction`` is a
choice parameter, so the window has an editor to show); ``Adamax`` is one ``torch.optim`` class;
``PolynomialLR`` one ``torch.optim.lr_scheduler`` class with two parameters.
"""
from __future__ import annotations

from contextlib import ExitStack, contextmanager
from typing import Iterator

import torch

from core.catalog import LOSSES, OPTIMIZERS, SCHEDULES, LossEntry, OptimizerEntry, Param, ScheduleEntry
from core.catalog.losses import CLASS, ONE_HOT
from core.catalog.optimizers import TorchOptimizer, _lr_sched

from .single_entry_layers import registered as layers_registered


def _multilabel(params):
    from torch import nn
    return nn.MultiLabelSoftMarginLoss(reduction=params["reduction"])


MULTILABEL = LossEntry(
    "MultiLabelSoftMarginLoss", "Loss",
    (Param("reduction", "choice", "mean", choices=("mean", "sum"), help="Average or add the per-sample losses."),),
    "One sigmoid per class on one-hot targets (test only).", _multilabel,
    fits=CLASS, accepts=(CLASS,), adapt=lambda y, info: torch.nn.functional.one_hot(y.long(), info.width).float(),
    width=lambda info: info.width, applies="sigmoid", wants_logits=True,
    criterion_code=lambda params: f"nn.MultiLabelSoftMarginLoss(reduction={params['reduction']!r})",
    target_code=lambda info: ONE_HOT)
ADAMAX = OptimizerEntry("Adamax", "Optimizer", (Param("lr", "float", 0.002, min=1e-8, max=10.0, log=True),),
                        "Adam under the infinity norm (test only).", TorchOptimizer("torch.optim.Adamax"))
POLYNOMIAL = ScheduleEntry(
    "PolynomialLR", "Schedule", (Param("total_iters", "int", 5, min=1, max=1000), Param("power", "float", 1.0)),
    "Decays the rate polynomially to zero (test only).",
    _lr_sched("PolynomialLR", total_iters="total_iters", power="power"))


@contextmanager
def registered(*, layers: bool = True) -> Iterator[None]:
    """The loss, the optimizer and the schedule (and the two test layers unless ``layers=False``)
    registered for the duration of a ``with`` block, removed after it."""
    with ExitStack() as stack:
        if layers:
            stack.enter_context(layers_registered())
        stack.enter_context(LOSSES.temporarily(MULTILABEL))
        stack.enter_context(OPTIMIZERS.temporarily(ADAMAX))
        stack.enter_context(SCHEDULES.temporarily(POLYNOMIAL))
        yield
