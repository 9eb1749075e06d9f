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
    return batch
