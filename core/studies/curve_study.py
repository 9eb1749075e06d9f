"""The learning-curve study: the data-size study at log-spaced shares of the training split, built by the
one study driver (:func:`core.studies.batch.build_batch`) and marked so the window draws its curve.
(Kept apart from :mod:`core.studies.learning_curve`, which the presets read for the sizes: no import cycle.)

The training budget of each size (``budget``):

- ``"epochs"``: every size trains for the project's epochs, so a size with 1/8 of the data takes 1/8 of the
  optimisation steps. Its loss is then raised by under-training as well as by the lack of data, and the
  curve looks steeper than the data alone make it (digits at 45 samples: training loss 1.69, as high as
  its validation loss, after 20 one-step epochs).
- ``"steps"``: every size takes as many optimisation steps as the full training split would (epochs and
  early-stopping patience scaled by the ratio of steps per epoch, at most :data:`MAX_STEP_SCALE` times),
  so the sizes differ in their data only, and each size is scored at its best: its lowest validation
  loss (:func:`core.studies.learning_curve.curve_score`). This is the learning curve of Hestness et al.
  (each size trained to its best). The full split's own trials are trained exactly as the project says.
  The default: on the six bundled sets its forecast of the full split (fitted up to 50%) was within 10%
  and inside its interval on 4, against 3 for ``"epochs"`` (tests/benchmarks/bench_learning_curve.py);
  on other seeds with xor and demand added, 4 of 8 against 3. It costs 1.5-2.8x the optimisation steps
  of a study under ``"epochs"`` and 2.7-6.6x the epochs (a small share's epochs are one step each).
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any, Sequence

from .batch import build_batch
from .knobs import knob
from .learning_curve import BUDGETS, DEFAULT_BUDGET, MIN_SIZES, learning_curve_sizes
from .study import StudyError

MAX_STEP_SCALE = 16   # at most 16x the project's epochs: a 1/32 share still trains, at a bounded cost


def learning_curve_batch(project, dataset, *, sizes: Sequence[float] | None = None, seeds: int = 3,
                         epochs: int | None = None, budget: str = DEFAULT_BUDGET):
    """The learning-curve study: the data-size study at ``sizes`` (default :func:`learning_curve_sizes`),
    each size trained on the ``budget`` (``"steps"``: as many optimisation steps as the full split,
    ``"epochs"``: the project's epochs; see the module docstring)."""
    if budget not in BUDGETS:
        raise StudyError(f"budget: expected one of {', '.join(BUDGETS)}, received {budget!r}")
    first = dataset.targets[dataset.default_target]
    if sizes is None:
        sizes = learning_curve_sizes(dataset.n_train, len(first.classes) if first.is_classification else 0)
    parse = knob("data_size").parse
    values = sorted({parse(v) for v in sizes})
    if len(values) < MIN_SIZES:
        raise StudyError(f"a learning curve needs at least {MIN_SIZES} different sizes, received {len(values)}")
    batch = build_batch(project, dataset, vary={"data_size": values}, seeds=seeds, epochs=epochs)
    if len(batch.plans[0][1].spec.values[0]) < MIN_SIZES:
        raise StudyError(f"the sizes keep fewer than {MIN_SIZES} different numbers of training samples "
                         f"({dataset.n_train:,} in the split): give larger or more spread sizes")
    batch.preset = "learning-curve"
    batch.budget = budget
    if budget == "steps":
        equal_steps(batch.tasks, dataset)
    batch.baseline = trivial_loss(project, dataset)   # where the small-data region ends (the fit reads it)
    return batch


def step_scale(n_full: int, n: int, batch_size: int) -> float:
    """How many times the epochs of a run on ``n`` samples give the steps of one on ``n_full`` (a batch is
    at most the data: ``ceil(n / min(batch_size, n))`` steps an epoch, as the trainer takes them), capped
    at :data:`MAX_STEP_SCALE`, never below 1."""
    def per_epoch(m: int) -> int:
        return math.ceil(m / max(1, min(batch_size, m)))
    return min(float(MAX_STEP_SCALE), max(1.0, per_epoch(n_full) / per_epoch(max(1, n))))


def equal_steps(tasks, dataset) -> None:
    """Give every trial of a size below the full split the full split's optimisation steps: its project's
    epochs and early-stopping patience times :func:`step_scale` (the seeds of a size share one scaled copy).
    A schedule defined over the epochs (cosine) stretches with them, so its shape per step is kept."""
    from .trial import training_samples
    scaled: dict[int, tuple[Any, Any]] = {}   # id of a setting's project -> (it, its scaled copy)
    for task in tasks:
        if task.data_size is None or task.data_size >= 1.0:
            continue
        project = scaled.get(id(task.project), (None, None))[1]
        if project is None:
            t = task.project.training
            k = step_scale(dataset.n_train, training_samples(dataset, task.data_size), int(t.batch_size))
            stop = t.early_stopping
            if stop.patience:
                stop = dataclasses.replace(stop, patience=int(math.ceil(stop.patience * k)))
            t = dataclasses.replace(t, epochs=int(math.ceil(t.epochs * k)), early_stopping=stop)
            project = dataclasses.replace(task.project, training=t)
            scaled[id(task.project)] = (task.project, project)
        task.project = project


def trivial_loss(project, dataset) -> float | None:
    """The validation loss of a trivial predictor (the class shares, the mean target) under the project's
    own loss, as the diagnostics compute it; None when the project cannot be set up (its trials will say why)."""
    from ..training.setup import baseline_loss, prepare
    try:
        return baseline_loss(prepare(project, dataset))
    except Exception:  # noqa: BLE001 - a project that cannot train gets no baseline, and its trials fail clearly
        return None
