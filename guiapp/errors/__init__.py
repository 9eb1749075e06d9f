"""The Errors tab: what the trained model gets wrong, per class and per sample (:mod:`core.evaluation`).

:class:`ErrorsView` shows, after each Run, the per-class precision/recall/F1/support table, the
confusion matrix as a heatmap whose cells list their samples when clicked (image thumbnails, table
rows with their column names, or 2-D points), and a "Find suspect labels" action that runs the
cross-validated confident-learning search on a task with progress and Cancel.
"""
from __future__ import annotations

from .view import ErrorsView

__all__ = ["ErrorsView"]
