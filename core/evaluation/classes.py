"""Per-class precision, recall, F1 and support; the confusion matrix; the samples of one cell."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ClassResult:
    """One class: ``precision`` = right among those predicted as it, ``recall`` = found among those
    that are it, ``f1`` their harmonic mean, ``support`` = samples that are it. A share whose
    denominator is 0 (a class never predicted, or absent) is 0.0, as scikit-learn's default does."""

    name: str
    precision: float
    recall: float
    f1: float
    support: int
    predicted: int

    def to_dict(self) -> dict:
        return {"class": self.name, "precision": round(self.precision, 6), "recall": round(self.recall, 6),
                "f1": round(self.f1, 6), "support": self.support}


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts ``(n_classes, n_classes)``: row = the given class, column = the predicted one."""
    labels = np.asarray(labels, dtype=np.int64)
    predicted = np.asarray(predicted, dtype=np.int64)
    flat = labels * n_classes + predicted
    return np.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def row_shares(cm: np.ndarray) -> np.ndarray:
    """Each row divided by its total (the share of a true class predicted as each class); empty rows 0."""
    totals = cm.sum(axis=1, keepdims=True)
    return np.divide(cm, totals, out=np.zeros(cm.shape, dtype=np.float64), where=totals > 0)


def per_class_results(labels: np.ndarray, predicted: np.ndarray, classes: list[str]) -> list[ClassResult]:
    """One :class:`ClassResult` per class, in the classes' order."""
    cm = confusion_matrix(labels, predicted, len(classes))
    out = []
    for k, name in enumerate(classes):
        tp = int(cm[k, k])
        support, n_pred = int(cm[k].sum()), int(cm[:, k].sum())
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
        out.append(ClassResult(name, precision, recall, f1, support, n_pred))
    return out


def cell_samples(labels: np.ndarray, predicted: np.ndarray, given: int, as_class: int,
                 loss: np.ndarray | None = None, limit: int | None = None) -> np.ndarray:
    """Indices of the samples of class ``given`` predicted as ``as_class``, the highest loss first
    (the worst examples of that cell), at most ``limit``."""
    idx = np.flatnonzero((np.asarray(labels) == given) & (np.asarray(predicted) == as_class))
    if loss is not None and idx.size:
        idx = idx[np.argsort(-np.asarray(loss)[idx], kind="stable")]
    return idx if limit is None else idx[:limit]
