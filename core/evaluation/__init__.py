"""The errors behind the loss: what a trained model gets wrong, class by class and sample by sample.

* :func:`predict_split` — every sample of a split through the model: predicted class, class
  probabilities and its own loss (classification), or prediction and residual (regression).
* :func:`per_class_results` / :func:`confusion_matrix` / :func:`cell_samples` — precision, recall, F1
  and support per class; the confusion matrix; the samples of one cell, worst (highest loss) first.
* :func:`residual_summary` — regression heads: residuals by target range and the largest errors.
* :func:`find_suspects` — samples whose given label is unlikely under out-of-sample predictions
  (confident learning, ``cleanlab.filter.find_label_issues``), the probabilities coming from a
  K-fold cross-validated training of the same project (:func:`cross_validated_probabilities`).
* :func:`analyze` — all of it for one model and split, as an :class:`ErrorReport` (the window's Errors
  tab and ``losslab errors`` read the same report).

No Qt: the window and the command line call these as plain functions or ``core.tasks`` tasks.
"""
from __future__ import annotations

from .classes import ClassResult, cell_samples, confusion_matrix, per_class_results
from .predictions import EvaluationError, HeadPredictions, predict_split
from .regression import ResidualSummary, residual_summary
from .report import ErrorReport, HeadReport, analyze
from .suspects import Suspect, SuspectResult, cross_validated_probabilities, find_suspects

__all__ = ["ClassResult", "ErrorReport", "EvaluationError", "HeadPredictions", "HeadReport", "ResidualSummary",
           "Suspect", "SuspectResult", "analyze", "cell_samples", "confusion_matrix", "cross_validated_probabilities",
           "find_suspects", "per_class_results", "predict_split", "residual_summary"]
