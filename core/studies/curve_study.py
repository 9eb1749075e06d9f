"""The learning-curve study: the data-size study at log-spaced shares of the training split, built by the
one study driver (:func:`core.studies.batch.build_batch`) and marked so the window draws its curve.
(Kept apart from :mod:`core.studies.learning_curve`, which the presets read for the sizes: no import cycle.)"""
from __future__ import annotations

from typing import Sequence

from .batch import build_batch
from .knobs import knob
from .learning_curve import MIN_SIZES, learning_curve_sizes
from .study import StudyError


def learning_curve_batch(project, dataset, *, sizes: Sequence[float] | None = None, seeds: int = 3,
                         epochs: int | None = None):
    """The learning-curve study: the data-size study at ``sizes`` (default :func:`learning_curve_sizes`)."""
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
    batch.baseline = trivial_loss(project, dataset)   # where the small-data region ends (the fit reads it)
    return batch


def trivial_loss(project, dataset) -> float | None:
    """The validation loss of a trivial predictor (the class shares, the mean target) under the project's
    own loss, as the diagnostics compute it; None when the project cannot be set up (its trials will say why)."""
    from ..training.setup import baseline_loss, prepare
    try:
        return baseline_loss(prepare(project, dataset))
    except Exception:  # noqa: BLE001 - a project that cannot train gets no baseline, and its trials fail clearly
        return None
