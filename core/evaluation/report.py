"""One model's errors over one split, every head: what the Errors tab and ``losslab errors`` show."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .classes import ClassResult, confusion_matrix, per_class_results, row_shares
from .predictions import HeadPredictions, predict_split
from .regression import ResidualSummary, residual_summary


@dataclass
class HeadReport:
    """One head: its predictions and, for classification, per-class results and the confusion matrix
    (rows given, columns predicted); for regression, its residual summary. ``suspects``: a
    :class:`.suspects.SuspectResult` once suspect labels were searched for (training split)."""

    predictions: HeadPredictions
    per_class: list[ClassResult] = field(default_factory=list)
    confusion: np.ndarray | None = None
    residuals: ResidualSummary | None = None
    suspects: object = None

    @property
    def name(self) -> str:
        return self.predictions.head

    @property
    def is_classification(self) -> bool:
        return self.predictions.is_classification

    @property
    def accuracy(self) -> float:
        p = self.predictions
        return float((p.labels == p.predicted).mean()) if p.n and self.is_classification else 0.0

    @property
    def shares(self) -> np.ndarray | None:
        return None if self.confusion is None else row_shares(self.confusion)

    def to_dict(self, suspects: int = 20) -> dict:
        p = self.predictions
        d: dict = {"name": p.head, "target": p.target, "task": p.task, "split": p.split, "samples": p.n,
                   "mean_loss": float(p.loss.mean()) if p.n else None}
        if self.is_classification:
            d.update(classes=p.classes, accuracy=round(self.accuracy, 6),
                     per_class=[c.to_dict() for c in self.per_class], confusion=self.confusion.tolist())
            if self.suspects is not None:
                s = self.suspects
                d["suspects"] = s.to_dicts(suspects)
                d["suspect_count"] = len(s.suspects)
                d["suspects_searched"] = {"split": "train", "samples": s.n, "folds": s.folds,
                                          "seconds": round(s.seconds, 1)}
        else:
            d["residuals"] = self.residuals.to_dict()
        return d


@dataclass
class ErrorReport:
    """Every head of one model over one split."""

    split: str
    heads: list[HeadReport]

    def head(self, name: str | None = None) -> HeadReport:
        """The head called ``name`` (the first when None)."""
        if name is None:
            return self.heads[0]
        return next(h for h in self.heads if h.name == name)

    def attach_suspects(self, results) -> None:
        """Put :func:`.suspects.find_suspects` results on their heads."""
        by_name = {r.head: r for r in results}
        for h in self.heads:
            h.suspects = by_name.get(h.name, h.suspects)

    def to_dict(self, suspects: int = 20) -> dict:
        return {"split": self.split, "heads": [h.to_dict(suspects) for h in self.heads]}


def head_report(pred: HeadPredictions) -> HeadReport:
    if pred.is_classification:
        return HeadReport(pred, per_class_results(pred.labels, pred.predicted, pred.classes),
                          confusion_matrix(pred.labels, pred.predicted, pred.n_classes))
    return HeadReport(pred, residuals=residual_summary(pred.labels, pred.predicted))


def analyze(project, dataset, model, split: str = "val") -> ErrorReport:
    """The errors of ``model`` (the project's network, trained) on ``split`` of ``dataset``; raises
    :class:`.predictions.EvaluationError` with what to do when there is nothing to look at."""
    return ErrorReport(split, [head_report(p) for p in predict_split(project, dataset, model, split)])
