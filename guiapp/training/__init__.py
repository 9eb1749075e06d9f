"""Live training: the controller (Run/Pause/Step/Stop/Reset on a QThread), the training panel with
its plots, the decision-boundary view and the findings panel.

The main window builds one :class:`TrainingController` per document and hands it to the views::

    controller = TrainingController(document, parent=window)
    panel = TrainingPanel(controller)
    boundary = BoundaryView(controller)
    findings = FindingsPanel(controller, canvas=canvas)
    lr_finder = LRFinderView(controller, parent=window)     # Train > Find Learning Rate…
    toolbar.addActions([controller.run_action, controller.pause_action, controller.step_action,
                        controller.step_epoch_action, controller.stop_action, controller.reset_action])

Run continues the current weights (like TensorFlow Playground) until Reset or an edit of the model,
data or outputs; see :mod:`guiapp.training.controller`. Before closing the window or opening another
project while ``controller.is_running()``, ask, then call ``controller.stop_and_wait()`` (the
controller also stops on ``QApplication.aboutToQuit`` and on the document's ``projectReplaced``).
"""
from __future__ import annotations

from .boundary import BoundaryView
from .controller import TrainingController, torch_threads
from .findings_panel import FindingsPanel
from .history import RunHistory
from .lr_finder import LRFinderView
from .panel import TrainingPanel
from .payloads import BoundarySnapshot, ConfusionMatrix, StepChunk

__all__ = ["BoundarySnapshot", "BoundaryView", "ConfusionMatrix", "FindingsPanel", "LRFinderView", "RunHistory",
           "StepChunk", "TrainingController", "TrainingPanel", "torch_threads"]
