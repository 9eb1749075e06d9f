"""Adds the preview, the health view and the Runs panel's Show Health to the main window (called once
from ``MainWindow.add_training_ui``, after the runs are installed)."""
from __future__ import annotations

from PySide6.QtGui import QAction

from .health_view import HealthView
from .preview_controller import NodePreviewer
from .preview_panel import PreviewPanel
from .replay import HealthLink
from .weights import TrainingWeights


def install_inside(window) -> None:
    """Preview dock tabbed with Data (under the inspector), Health dock tabbed with Training."""
    c = window.controller
    previewer = window.node_previewer = NodePreviewer(window.document, window.canvas, window)
    weights = window.preview_weights = TrainingWeights(c)
    previewer.weights_source = weights.current
    for signal in (c.epochEnded, c.runFinished, c.historyCleared, c.stateChanged):
        signal.connect(lambda *_a: previewer.weights_changed())
    window.preview_panel = PreviewPanel(previewer)
    window.preview_dock = window.add_late_dock("Preview", "dock.preview", window.preview_panel, window.data_dock)

    def seen(shown: bool) -> None:          # nothing is computed for a hidden tab
        weights.wanted = shown
        previewer.set_enabled(shown)
    window.preview_dock.visibilityChanged.connect(seen)
    seen(window.preview_dock.isVisible())

    window.health_view = HealthView()
    window.health_dock = window.add_late_dock("Health", "dock.health", window.health_view, window.plots_dock)
    link = window.health_link = HealthLink(window.health_view, window.canvas, getattr(window, "health_badges", None),
                                           c, window)
    link.said.connect(lambda text: window.statusBar().showMessage(text, 10_000))
    panel = getattr(window, "runs_panel", None)
    if panel is not None:
        _add_show_health(window, panel, link)


def _add_show_health(window, panel, link: HealthLink) -> None:
    """Runs ▸ Show Health: the selected run's health series in the Health view and on the canvas."""
    action = QAction("Show Health", panel)
    action.setToolTip("Replay the selected run's per-node health: the Health view and the canvas badges")
    panel.toolbar.addAction(action)
    window.show_health_action = action

    def update() -> None:
        action.setEnabled(len(panel.selected_ids()) == 1)

    def show() -> None:
        ids = panel.selected_ids()
        if len(ids) != 1:
            return
        from core.runs import StoreError
        try:
            record = panel.store.get(ids[0], steps=False)
        except (StoreError, KeyError) as e:
            window.statusBar().showMessage(f"Run store: {e}", 10_000)
            return
        if link.show_run(record):
            window.health_dock.show()
            window.health_dock.raise_()

    action.triggered.connect(lambda _c=False: show())
    panel.table.selectionModel().selectionChanged.connect(lambda *_a: update())
    update()
