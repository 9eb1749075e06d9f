"""Suspect labels: training samples whose given label is unlikely under out-of-sample predictions.

Confident learning (Northcutt et al., 2021) as ``cleanlab.filter.find_label_issues`` implements it:
from the out-of-sample probabilities it counts, per pair of classes, how many samples of one given
class confidently look like another (the confident joint), estimates the noise rates, and prunes that
many samples, those the model is most confident are mislabelled (``prune_by_noise_rate``). The
suspects are ranked by self-confidence, the probability of the given label: the least likely first.
The probabilities come from :func:`.crossval.cross_validated_probabilities` (K-fold training).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .crossval import DEFAULT_FOLDS, classification_heads, cross_validated_probabilities
from .predictions import EvaluationError

FILTER_BY = "prune_by_noise_rate"


@dataclass(frozen=True)
class Suspect:
    """One training sample (``index`` into the training split) whose label looks wrong: its ``given``
    class, the ``suggested`` one (the most likely out of sample) and their out-of-sample probabilities."""

    index: int
    given: int
    suggested: int
    p_given: float
    p_suggested: float

    def to_dict(self, classes: list[str], key: str = "row", ident=None) -> dict:
        """``key``: ``path`` (images), ``row`` (tables) or ``index`` (generated sets); ``ident``: the sample's
        identifier in its source (what ``data.exclude`` takes), the split position when None."""
        return {key: self.index if ident is None else ident, "given": classes[self.given],
                "predicted": classes[self.suggested],
                "p_given": round(self.p_given, 6), "p_predicted": round(self.p_suggested, 6)}


@dataclass
class SuspectResult:
    """The suspects of one classification head, most suspect first, over ``n`` training samples;
    ``probabilities``: the out-of-sample ones they were found with; ``seconds``: the whole search
    (the K trainings and the filter)."""

    head: str
    target: str
    classes: list[str]
    suspects: list[Suspect]
    n: int
    folds: int
    seconds: float
    probabilities: np.ndarray = field(repr=False)
    labels: np.ndarray = field(repr=False)
    #: each training sample's identifier in its source (core.data.exclude.sample_ids) and its label
    ids: list | None = field(default=None, repr=False)
    id_key: str = "row"

    def suspect_ids(self) -> list:
        """The suspects' identifiers, most suspect first (what ``data.exclude`` takes)."""
        return [x.index if self.ids is None else self.ids[x.index] for x in self.suspects]

    def to_dicts(self, top: int) -> list[dict]:
        return [x.to_dict(self.classes, self.id_key, None if self.ids is None else self.ids[x.index])
                for x in self.suspects[:top]]

    @property
    def share(self) -> float:
        return len(self.suspects) / self.n if self.n else 0.0


def rank_suspects(labels: np.ndarray, probabilities: np.ndarray, filter_by: str = FILTER_BY) -> list[Suspect]:
    """Confident learning over given ``labels`` and out-of-sample ``probabilities``: the suspects,
    least likely given label first. Classes with no sample are fine (their column is kept)."""
    from cleanlab.filter import find_label_issues
    labels = np.asarray(labels, dtype=np.int64)
    probs = np.asarray(probabilities, dtype=np.float64)
    probs = probs / np.clip(probs.sum(axis=1, keepdims=True), 1e-12, None)   # rows of exactly 1, as cleanlab asks
    if np.unique(labels).size < 2:
        return []          # one class given: nothing to confuse it with
    ranked = find_label_issues(labels, probs, filter_by=filter_by, return_indices_ranked_by="self_confidence",
                               n_jobs=1)   # n_jobs=1: no worker processes for a few thousand rows
    suggested = probs.argmax(axis=1)
    return [Suspect(int(i), int(labels[i]), int(suggested[i]), float(probs[i, labels[i]]),
                    float(probs[i, suggested[i]])) for i in ranked]


def find_suspects(project, dataset, *, folds: int = DEFAULT_FOLDS, state=None,
                  filter_by: str = FILTER_BY) -> list[SuspectResult]:
    """Suspect labels of the training split, one :class:`SuspectResult` per classification head
    (a ``core.tasks`` task: progress per fold and epoch, Cancel between steps)."""
    t0 = time.perf_counter()
    heads = classification_heads(project, dataset)
    if not heads:
        raise EvaluationError("suspect labels need a classification head: this project predicts numbers "
                              "(regression); look at its largest residuals instead")
    probs = cross_validated_probabilities(project, dataset, folds=folds, state=state)
    if state is not None:
        state.set_progress(1.0, "ranking the suspects")
    from ..data.exclude import id_key, sample_ids
    ids, key = sample_ids(dataset, "train"), id_key(dataset)
    out = []
    for _i, name, target in heads:
        labels = dataset.y_train[target].long().numpy()
        classes = list(dataset.targets[target].classes)
        out.append(SuspectResult(name, target, classes, rank_suspects(labels, probs[name], filter_by), labels.size,
                                 folds, 0.0, probs[name], labels, ids, key))
    seconds = time.perf_counter() - t0
    for r in out:
        r.seconds = seconds
    return out
