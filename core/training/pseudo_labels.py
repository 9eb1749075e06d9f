"""Pseudo-labels: rows of the training split without a label learn from the network's own confident
predictions (``training.pseudo_labels``: ``{"threshold": 0.95, "rounds": 3, "label_fraction": 1.0}``).

Which rows are unlabelled: with ``label_fraction`` below 1, the labels of the rest of the training split
are hidden (stratified by class, seeded by ``data.seed``, so every training seed and the scratch run
without rounds see the same labelled rows: an experiment on "what if only 10% were labelled"). A data set
may also bring rows whose target is empty (``dataset.x_unlabeled``). The validation split never gets a
pseudo-label: it measures the network against true labels only.

The run trains on the labelled rows first; ``rounds`` times, spread evenly over the run (the first
after ``epochs / (rounds + 1)`` epochs), it predicts every unlabelled row on the training thread and
trains from then on on the labelled rows plus those whose top class probability reaches ``threshold``,
that class as their label. Each round starts over from all unlabelled rows, so a label the network has
grown unsure of is dropped again. ``rounds: 0`` only hides the labels (the scratch run to compare with).
The batch size stays; an epoch takes as many steps as its rows need.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

PREDICT_CHUNK = 4096


@dataclass(frozen=True)
class PseudoRound:
    """One round: at the start of ``epoch``, ``accepted`` of ``candidates`` unlabelled rows got a label;
    ``correct``: the share of them that match the hidden true label (hidden-label experiments only)."""
    epoch: int
    accepted: int
    candidates: int
    correct: float | None = None

    @property
    def share(self) -> float:
        return self.accepted / self.candidates if self.candidates else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "accepted": self.accepted, "candidates": self.candidates,
                "share": self.share, "correct": self.correct}

    def line(self) -> str:
        right = f", {self.correct:.0%} of them right" if self.correct is not None else ""
        return (f"pseudo-labels at epoch {self.epoch}: {self.accepted:,} of {self.candidates:,} unlabelled rows "
                f"accepted ({self.share:.0%}){right}")


def labelled_rows(y: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """The training rows that keep their label: ``fraction`` of each class (at least one), seeded."""
    if fraction >= 1.0:
        return np.arange(len(y))
    rng = np.random.default_rng(seed)
    keep = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        keep.append(rng.choice(idx, size=max(1, int(round(fraction * len(idx)))), replace=False))
    return np.sort(np.concatenate(keep))


def round_epochs(epochs: int, rounds: int, start: int = 0) -> list[int]:
    """The epochs (1-based, after ``start``) at whose start a round relabels: evenly spread, the first
    after ``epochs / (rounds + 1)`` epochs of labelled rows only."""
    out = sorted({start + epochs * r // (rounds + 1) + 1 for r in range(1, rounds + 1)})
    return [e for e in out if e <= start + epochs]


@dataclass
class PseudoLabeler:
    """Attached to a run's setup (``setup.pseudo``); the trainer calls :meth:`before_epoch`."""
    settings: Any                        # core.project.PseudoLabels
    setup: Any
    x_labelled: torch.Tensor
    y_labelled: torch.Tensor             # class indices
    x_unlabelled: torch.Tensor
    y_hidden: torch.Tensor | None        # the hidden true labels (label_fraction < 1), for the report only
    rounds: list[PseudoRound] = field(default_factory=list)
    y_current: torch.Tensor | None = None  # the class index of each row the run trains on now
    _epochs: list[int] = field(default_factory=list)

    def plan(self, epochs: int, start: int = 0) -> list[int]:
        self._epochs = round_epochs(epochs, self.settings.rounds, start) if self.x_unlabelled.shape[0] else []
        return self._epochs

    def before_epoch(self, epoch: int) -> int | None:
        """At a round's epoch: relabel and return the new number of training rows; else None."""
        if epoch not in self._epochs:
            return None
        self.rounds.append(self.relabel(epoch))
        return int(self.setup.x_train.shape[0])

    def relabel(self, epoch: int) -> PseudoRound:
        """Predict every unlabelled row; train from now on the labelled rows plus the confident ones."""
        s = self.setup
        head = s.heads[0]
        from ..catalog import LOSSES
        probabilities = LOSSES.get(head.loss_name).probabilities
        was_training = s.model.training
        s.model.eval()
        conf, cls = [], []
        try:
            with torch.inference_mode():
                for i in range(0, self.x_unlabelled.shape[0], PREDICT_CHUNK):
                    p = probabilities(s.model(self.x_unlabelled[i:i + PREDICT_CHUNK])[0].float())
                    c, k = p.max(dim=1)
                    conf.append(c)
                    cls.append(k)
        finally:
            s.model.train(was_training)
        conf_t, cls_t = torch.cat(conf), torch.cat(cls)
        accept = conf_t >= self.settings.threshold
        x = torch.cat([self.x_labelled, self.x_unlabelled[accept]])
        y = torch.cat([self.y_labelled, cls_t[accept].to(self.y_labelled.dtype)])
        s.x_train = x
        self.y_current = y
        head.y_train = _adapt(head, y)
        n = int(accept.sum())
        correct = None
        if self.y_hidden is not None and n:
            correct = float((cls_t[accept] == self.y_hidden[accept]).float().mean())
        return PseudoRound(epoch, n, int(self.x_unlabelled.shape[0]), correct)

    def report(self) -> dict[str, Any]:
        return {"labelled": int(self.x_labelled.shape[0]), "unlabelled": int(self.x_unlabelled.shape[0]),
                "threshold": self.settings.threshold, "rounds": [r.to_dict() for r in self.rounds]}


def _adapt(head, y: torch.Tensor) -> torch.Tensor:
    from ..catalog import LOSSES
    return LOSSES.get(head.loss_name).adapt(y, head.info)


def pseudo_label_problem(project, targets: dict) -> str | None:
    """Why ``training.pseudo_labels`` cannot apply to this project, or None."""
    if project.training.pseudo_labels is None:
        return None
    if len(project.outputs) != 1:
        return "pseudo-labels need a project with one output head (every head would need a label)"
    o = project.outputs[0]
    name = o.target or next(iter(targets), None)
    info = targets.get(name) if name is not None else None
    if info is None or not info.is_classification:
        return ("pseudo-labels need a classification target: a regression prediction has no confidence to "
                "pass the threshold; remove training.pseudo_labels")
    return None


def attach_pseudo_labels(setup, seed: int | None = None) -> PseudoLabeler | None:
    """Hide the labels ``label_fraction`` leaves out (the setup then trains on the labelled rows only)
    and attach the labeler to ``setup.pseudo``; None when the project has no ``pseudo_labels``."""
    settings = setup.project.training.pseudo_labels
    if settings is None:
        return None
    problem = pseudo_label_problem(setup.project, setup.dataset.targets)
    if problem:
        raise ValueError(f"training.pseudo_labels: {problem}")
    ds = setup.dataset
    head = setup.heads[0]
    y_all = ds.y_train[head.target]
    keep = labelled_rows(y_all.cpu().numpy(), settings.label_fraction, setup.project.data.seed)
    hidden = np.setdiff1d(np.arange(len(y_all)), keep)
    dev = setup.device
    keep_t, hidden_t = torch.as_tensor(keep, device=dev), torch.as_tensor(hidden, device=dev)
    x_unl = setup.x_train[hidden_t]
    y_hidden = y_all.to(dev)[hidden_t] if len(hidden) else None
    extra = getattr(ds, "x_unlabeled", None)
    if extra is not None and extra.shape[0]:
        x_unl = torch.cat([x_unl, extra.to(dev)])
        y_hidden = None          # the table's empty targets have no truth to compare with
    y_lab = y_all.to(dev)[keep_t]
    labeler = PseudoLabeler(settings, setup, setup.x_train[keep_t], y_lab, x_unl, y_hidden, y_current=y_lab)
    setup.x_train = labeler.x_labelled
    head.y_train = _adapt(head, y_lab)
    setup.pseudo = labeler
    return labeler


def describe(labelled: int, unlabelled: int, settings, empty_target: int = 0) -> str:
    """One line for ``check``: how many rows are unlabelled and what the rounds will do with them;
    ``empty_target``: how many of them are the table's rows with an empty target cell."""
    if not unlabelled:
        return "pseudo-labels: every training row has a label; nothing to pseudo-label"
    what = (f"{settings.rounds} round(s) label those whose top class probability reaches {settings.threshold:g}"
            if settings.rounds else "rounds is 0: they stay unused (the scratch run to compare with)")
    empty = ""
    if empty_target:
        empty = (", all of them rows with an empty target" if empty_target == unlabelled else
                 f", {empty_target:,} of them rows with an empty target")
    return (f"pseudo-labels: {unlabelled:,} of {labelled + unlabelled:,} training rows are unlabelled "
            f"({unlabelled / max(1, labelled + unlabelled):.0%}{empty}); {what}")


def unused_unlabeled(dataset) -> str | None:
    """For ``check`` without ``pseudo_labels``: the rows with an empty target, which nothing uses then."""
    n = getattr(dataset, "n_unlabeled", 0)
    if not n:
        return None
    return (f"unlabelled: {n:,} row{'s' if n != 1 else ''} with an empty target {'are' if n != 1 else 'is'} not "
            "used; set training.pseudo_labels to let the network label the ones it is sure of")


def counts(project, dataset) -> tuple[int, int]:
    """(labelled, unlabelled) training rows under the project's ``pseudo_labels``."""
    settings = project.training.pseudo_labels
    if settings is None:
        return int(dataset.n_train), 0
    name = project.outputs[0].target if project.outputs and project.outputs[0].target else dataset.default_target
    y = dataset.y_train[name].cpu().numpy()
    n_lab = len(labelled_rows(y, settings.label_fraction, project.data.seed))
    extra = getattr(dataset, "x_unlabeled", None)
    return n_lab, len(y) - n_lab + (0 if extra is None else int(extra.shape[0]))


__all__ = ["PseudoLabeler", "PseudoRound", "attach_pseudo_labels", "counts", "describe", "labelled_rows",
           "pseudo_label_problem", "round_epochs", "unused_unlabeled"]
