"""The learning-rate range test in the window: Train > Find Learning Rate….

:class:`LRFinderView` is a non-modal window with its own ``action`` for the Train menu; it runs
``core.lr_finder.find_lr`` on a thread (:class:`LRFinderRunner`), plots the loss against the rate
with the steepest-descent and valley suggestions (:class:`LRFinderPlot`), and Apply sets the
optimizer's rate as one undo step::

    finder = LRFinderView(controller, parent=window)
    train_menu.addAction(finder.action)
"""
from __future__ import annotations

from .plot import LRFinderPlot
from .runner import FinderOptions, LRFinderRunner
from .spin import LogSpinBox
from .view import LRFinderView, project_lr

__all__ = ["FinderOptions", "LRFinderPlot", "LRFinderRunner", "LRFinderView", "LogSpinBox", "project_lr"]
