"""The main window: composes the canvas, docks, menus, toolbars and status bar. It holds no logic:
file handling is :mod:`guiapp.files`, settings are :mod:`guiapp.panels`, training is
:mod:`guiapp.training`, the graph editor is :mod:`guiapp.editor`.

The training UI imports torch; with ``defer_training=True`` it is added by
:meth:`MainWindow.add_training_ui` once the window is on screen (start-up stays fast), into docks
and a menu that exist from the start so the saved layout is restored.
"""
from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QToolBar, QWidget

from . import files, theme, user_guide
from .document import ProjectDocument
from .editor import GraphCanvas, Inspector, LayerPalette
from .editor.auto_head import AutoOutputHead
from .log_view import LogDialog, recent_records
from .panels.data_panel import DataPanel
from .panels.outputs_panel import OutputsPanel
from .panels.status import StatusFields
from .panels.training_settings import TrainingSettingsPanel
from .widgets.build_on_show import BuildOnShow
from .widgets.window_keys import window_shortcuts_first
from .window_layout import PLOTS_HEIGHT, STATE_VERSION, DockLayout



def _placeholder(text: str) -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setEnabled(False)
    return label


class MainWindow(QMainWindow):
    """LossLab's window over one :class:`ProjectDocument`."""

    def __init__(self, document: ProjectDocument | None = None, parent: QWidget | None = None, *,
                 defer_training: bool = False):
        super().__init__(parent)
        self.document = document if document is not None else ProjectDocument(parent=self)
        self.setWindowIcon(theme.icon("logo"))
        self.setDockNestingEnabled(True)
        self.files = files.FileController(self.document, self)
        self.autosaver = files.Autosaver(self.document, self)
        self.auto_head = AutoOutputHead(self.document, self)   # the head a new user forgets
        self.controller = None          # guiapp.training.TrainingController, once added
        self.training_panel = None
        self.boundary_view = None
        self.findings_panel = None
        self.lr_finder = None           # guiapp.training.LRFinderView (Train > Find Learning Rate…)
        self._deployment_view = None    # see deployment_view
        self.log_dialog = LogDialog(recent_records(), self)    # Help > Show log
        self._late_docks: list[tuple[QDockWidget, QDockWidget]] = []  # (dock, the dock it is tabbed with)

        self._build_canvas()
        self._build_docks()
        self._build_actions()
        self._build_menus()
        self._build_toolbars()
        self._keys = window_shortcuts_first(self)   # Ctrl+E (Export) from every text and spin field too
        self.status = StatusFields(self.document, self.statusBar())

        d = self.document
        d.dirtyChanged.connect(self.setWindowModified)
        d.pathChanged.connect(lambda _p: self._update_title())
        d.projectReplaced.connect(self._update_title)
        d.nameChanged.connect(self._update_title)
        self.files.recentChanged.connect(self._fill_recent_menu)
        self._update_title()
        self.setWindowModified(d.dirty)
        self.resize(1400, 900)          # restore fits it to the screen
        self.dock_layout = DockLayout(self)
        self.dock_layout.restore()
        if not defer_training:
            self.add_training_ui()

    # -- parts -------------------------------------------------------------------------------------
    def _build_canvas(self) -> None:
        self.canvas = GraphCanvas(self.document, self)
        self.setCentralWidget(self.canvas)

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea | None) -> QDockWidget:
        # no icon on the toggle action: in a menu an icon replaces the check mark (Fusion)
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        # View ▸ Runs (or any dock) shown again comes to the front: it used to come back as a tab
        # behind the one it shares a place with, and nothing seemed to happen
        dock.toggleViewAction().triggered.connect(lambda shown, d=dock: d.raise_() if shown else None)
        if area is not None:
            self.addDockWidget(area, dock, Qt.Orientation.Horizontal)
        return dock

    def add_late_dock(self, title: str, name: str, widget: QWidget, beside: QDockWidget) -> QDockWidget:
        """A dock made with the training UI, after the default layout was taken: tabbed with ``beside``
        (or where the saved layout had it), in the View menu, and put back by Reset Layout."""
        dock = self._dock(title, name, widget, None)
        self._late_docks.append((dock, beside))
        if not self.restoreDockWidget(dock):
            self.tabifyDockWidget(beside, dock)
            beside.raise_()
        self.view_menu.insertAction(self._dock_toggles_end, dock.toggleViewAction())
        return dock

    def _build_docks(self) -> None:
        right, left, bottom = (Qt.DockWidgetArea.RightDockWidgetArea, Qt.DockWidgetArea.LeftDockWidgetArea,
                               Qt.DockWidgetArea.BottomDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, right)  # the settings column runs the full height
        self.palette_widget = LayerPalette(self)
        self.inspector = Inspector(self.document, self)
        self.palette_dock = self._dock("Layers", "dock.layers", self.palette_widget, left)
        self.inspector_dock = self._dock("Inspector", "dock.inspector", self.inspector, right)
        self.data_panel = DataPanel(self.document)
        self.outputs_panel = OutputsPanel(self.document)
        self.training_settings = TrainingSettingsPanel(self.document)
        self.data_dock = self._dock("Data", "dock.data", self.data_panel, None)
        self.outputs_dock = self._dock("Outputs", "dock.outputs", self.outputs_panel, None)
        self.settings_dock = self._dock("Training settings", "dock.training_settings", self.training_settings, None)
        self.splitDockWidget(self.inspector_dock, self.data_dock, Qt.Orientation.Vertical)
        self.tabifyDockWidget(self.data_dock, self.outputs_dock)
        self.tabifyDockWidget(self.data_dock, self.settings_dock)
        self.data_dock.raise_()
        self.plots_dock = self._dock("Training", "dock.training", _placeholder("Loading the training view…"), bottom)
        self.findings_dock = self._dock("Findings", "dock.findings", _placeholder("Loading…"), None)
        self.boundary_dock = self._dock("Decision boundary", "dock.boundary", _placeholder("Loading…"), None)
        self.splitDockWidget(self.plots_dock, self.findings_dock, Qt.Orientation.Horizontal)
        self.tabifyDockWidget(self.findings_dock, self.boundary_dock)
        self.findings_dock.raise_()
        self.resizeDocks([self.palette_dock, self.inspector_dock], [200, 380], Qt.Orientation.Horizontal)
        self.resizeDocks([self.plots_dock, self.findings_dock], [560, 260], Qt.Orientation.Horizontal)
        self.resizeDocks([self.plots_dock], [PLOTS_HEIGHT], Qt.Orientation.Vertical)
        # the inspector's editors in view without scrolling; the settings tabs share the rest
        self.resizeDocks([self.inspector_dock, self.data_dock], [360, 440], Qt.Orientation.Vertical)
        self.canvas.selectionChangedTo.connect(self._on_canvas_selectionChangedTo)
        self.palette_widget.layerActivated.connect(self.canvas.add_layer)

    def _action(self, text: str, icon: str, slot, keys: Any = None, tip: str = "") -> QAction:
        a = QAction(theme.icon(icon), text, self)
        if keys is not None:
            a.setShortcuts(keys if isinstance(keys, list) else [keys])
        if tip:
            a.setStatusTip(tip)
            a.setToolTip(tip)
        a.triggered.connect(lambda _checked=False: slot())
        return a

    def _build_actions(self) -> None:
        f, K = self.files, QKeySequence
        self.new_action = self._action("&New", "new", f.new, K(K.StandardKey.New), "Start a new project")
        self.open_action = self._action("&Open…", "open", f.open, K(K.StandardKey.Open), "Open a project file")
        self.save_action = self._action("&Save", "save", f.save, K(K.StandardKey.Save), "Save the project")
        self.save_as_action = self._action("Save &As…", "save-as", f.save_as, K("Ctrl+Shift+S"),
                                           "Save the project under a new name")
        self.quit_action = self._action("&Quit", "", self.close, K(K.StandardKey.Quit), "Quit LossLab")
        stack = self.document.undo_stack
        self.undo_action = stack.createUndoAction(self, "&Undo")
        self.undo_action.setIcon(theme.icon("undo"))
        self.undo_action.setShortcuts([K("Ctrl+Z")])
        self.redo_action = stack.createRedoAction(self, "&Redo")
        self.redo_action.setIcon(theme.icon("redo"))
        self.redo_action.setShortcuts([K("Ctrl+Shift+Z"), K("Ctrl+Y")])
        self.reset_layout_action = self._action("&Reset Layout", "reset", self.reset_layout, None,
                                                "Put every panel back where it started")
        self.about_action = self._action("&About LossLab", "about", self.show_about)
        self.show_log_action = self._action("Show &Log", "", self.show_log, None,
                                            "Warnings, errors and run summaries of this session")
        self.getting_started_action = self._action("&Getting Started", "", lambda: self.show_help("start"),
                                                   QKeySequence(QKeySequence.StandardKey.HelpContents),
                                                   "Build, run, read the findings: a short page")
        self.shortcuts_action = self._action("&Keyboard Shortcuts", "", lambda: self.show_help("keys"), None,
                                             "Every shortcut of this window")
        self.export_action = self._action("&Export…", "save-as", self.show_export, K("Ctrl+E"),
                                          "Export the model as PyTorch code, pt2, ONNX or weights, or the loss history")

    def _build_menus(self) -> None:
        bar = self.menuBar()
        m = bar.addMenu("&File")
        m.addActions([self.new_action, self.open_action])
        self.recent_menu = m.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.examples_menu = m.addMenu("&Examples")
        files.fill_examples_menu(self.examples_menu, self.files.open_example)
        m.addSeparator()
        m.addActions([self.save_action, self.save_as_action, self.export_action])
        m.addSeparator()
        m.addAction(self.quit_action)
        self._fill_recent_menu()

        self.edit_menu = bar.addMenu("&Edit")
        self.edit_menu.addActions([self.undo_action, self.redo_action])
        self.edit_menu.addSeparator()
        self.edit_menu.addActions(self.canvas.edit_actions)

        self.view_menu = bar.addMenu("&View")
        for dock in (self.palette_dock, self.inspector_dock, self.data_dock, self.outputs_dock, self.settings_dock,
                     self.plots_dock, self.boundary_dock, self.findings_dock):
            self.view_menu.addAction(dock.toggleViewAction())
        for a, icon in zip(self.canvas.view_actions, ("fit", "zoom-in", "zoom-out")):
            a.setIcon(theme.icon(icon))
        self._dock_toggles_end = self.view_menu.addSeparator()  # add_late_dock's toggles go above it
        self.view_menu.addActions(self.canvas.view_actions)
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.reset_layout_action)

        self.train_menu = bar.addMenu("&Train")
        self.help_menu = bar.addMenu("&Help")
        self.help_menu.addActions([self.getting_started_action, self.shortcuts_action, self.show_log_action])
        self.user_guide_action = user_guide.add_to_menu(self, self.help_menu)
        self.help_menu.addSeparator()
        self.help_menu.addAction(self.about_action)

    def _build_toolbars(self) -> None:
        tb = QToolBar("File and edit", self)
        tb.setObjectName("toolbar.main")
        tb.addActions([self.new_action, self.open_action, self.save_action])
        tb.addSeparator()
        tb.addActions([self.undo_action, self.redo_action])
        self.addToolBar(tb)
        self.train_toolbar = QToolBar("Training", self)
        self.train_toolbar.setObjectName("toolbar.training")
        self.train_toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(self.train_toolbar)

    def add_training_ui(self) -> bool:
        """Add the training controller, its panels and its actions (imports torch, hence deferred)."""
        if self.controller is not None:
            return True
        from .training import BoundaryView, FindingsPanel, LRFinderView, TrainingController, TrainingPanel
        c = self.controller = TrainingController(self.document, self)
        self.files.training = c
        self.training_panel = TrainingPanel(c)
        self.plots_dock.setWidget(self.training_panel)
        self.boundary_view = BoundaryView(c)
        self.boundary_dock.setWidget(self.boundary_view)
        self.findings_panel = FindingsPanel(c, self.canvas)
        from .training.health_badges import HealthBadges
        self.health_badges = HealthBadges(c, self.canvas)    # each node's training health on its card
        self.findings_dock.setWidget(self.findings_panel)
        self.train_menu.addActions([c.run_action, c.pause_action, c.stop_action, c.step_action,
                                    c.step_epoch_action, c.reset_action])
        self.train_toolbar.addActions([c.run_action, c.pause_action, c.stop_action, c.step_action, c.reset_action])
        self.lr_finder = LRFinderView(c, self)
        self.train_menu.addSeparator()
        self.train_menu.addAction(self.lr_finder.action)
        self.train_menu.addMenu(c.run_mode.menu(self.train_menu))
        c.runFailed.connect(lambda reason: self.statusBar().showMessage(f"Cannot run: {reason}", 10_000))
        from .runs.install import install_runs_and_studies
        install_runs_and_studies(self)
        from .errors.install import install_errors_view
        install_errors_view(self)           # the Errors tab beside the training plots
        from .inside.install import install_inside
        install_inside(self)             # node previews, the health view, Runs ▸ Show Health
        # new data vs training data, the model over time: in the wide bottom area (it has plots), built
        # when first shown or asked for (a fifth of the window's start-up, and most sessions never open it)
        self.deployment_dock = self.add_late_dock("Deployment", "dock.deployment",
                                                  BuildOnShow(lambda: self.deployment_view), self.plots_dock)
        # tabifying the late docks left a second "Training | Deployment" bar that stayed where it was
        # made: it showed over the canvas once the window was resized; re-applying the layout hides it
        self.dock_layout.apply_state(self.saveState(STATE_VERSION))
        return True

    @property
    def deployment_view(self):
        """The Deployment tab (:class:`guiapp.deployment.DeploymentView`), built on first use; None
        before the training UI is added."""
        if self._deployment_view is None and self.controller is not None:
            from .deployment import DeploymentView
            self._deployment_view = DeploymentView(self.document, self.controller.trained_model)
            self.deployment_dock.setWidget(self._deployment_view)
        return self._deployment_view

    # -- layout (kept by guiapp.window_layout.DockLayout) -------------------------------------------
    def fit_docks(self) -> None:
        """Default dock sizes for the window's current size."""
        self.dock_layout.fit_docks()

    def reset_layout(self) -> None:
        """Every dock and toolbar back to where it was when the window was built."""
        self.dock_layout.reset()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.dock_layout.on_show()

    # -- slots -------------------------------------------------------------------------------------
    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.files.display_name()}[*] — LossLab")

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = files.recent_files()
        for path in recent:
            self.recent_menu.addAction(path.name, partial(self.files.open, path)).setToolTip(str(path))
        if recent:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear Menu", files.clear_recent)
        self.recent_menu.setEnabled(bool(recent))

    def _on_canvas_selectionChangedTo(self, ids: list) -> None:
        self.inspector.show_nodes(ids)

    def show_help(self, page: str) -> None:
        """Help ▸ Getting Started ("start") or Keyboard Shortcuts ("keys"), non-modal."""
        from .help_pages import GETTING_STARTED, HelpPage, shortcuts_html
        title, text = (("Getting started", GETTING_STARTED) if page == "start"
                       else ("Keyboard shortcuts", shortcuts_html(self)))
        self.help_pages = getattr(self, "help_pages", {})
        dialog = self.help_pages.get(page) or HelpPage(title, text, self)
        self.help_pages[page] = dialog
        dialog.show()
        dialog.raise_()

    def show_about(self):
        from .about import show_about
        return show_about(self)

    def show_export(self):
        from .export_dialog import show_export_dialog
        return show_export_dialog(self)

    def show_log(self) -> None:
        self.log_dialog.show()
        self.log_dialog.raise_()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if not self.files.confirm_discard():
            event.ignore()
            return
        self.autosaver.remove()
        self.dock_layout.save()
        if self._deployment_view is not None:
            self._deployment_view.shutdown()
        self.data_panel.shutdown()
        event.accept()

