"""Wires the Errors tab into the main window (one call from ``MainWindow.add_training_ui``)."""
from __future__ import annotations


def install_errors_view(window) -> None:
    """An "Errors" tab beside the training plots, filled after each Run."""
    from .view import ErrorsView
    window.errors_view = ErrorsView(window.controller, window.document)
    window.errors_view.openRequested.connect(lambda path: window.files.open(path))   # asks about unsaved edits
    window.errors_dock = window.add_late_dock("Errors", "dock.errors", window.errors_view, window.plots_dock)
