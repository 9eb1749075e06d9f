"""Wires runs and studies into the main window (called once from ``MainWindow.add_training_ui``):
a Runs dock beside Findings, the window's trainings recorded, Train ▸ New Study… and the preset."""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction


def install_runs_and_studies(window) -> None:
    from ..studies import StudyDialog, StudyView
    from .overlay import RunOverlay
    from .panel import RunsPanel
    from .recording import WindowRecorder

    panel_plots = window.training_panel
    overlay = RunOverlay(panel_plots.epoch_plot, panel_plots.step_plot)
    window.runs_panel = panel = RunsPanel(overlay)
    window.runs_dock = window.add_late_dock("Runs", "dock.runs", panel, window.findings_dock)
    window.run_recorder = WindowRecorder(window.controller, window.document, parent=window)
    window.run_recorder.runRecorded.connect(lambda _id: panel.refresh())
    window.run_recorder.storeFailed.connect(lambda m: window.statusBar().showMessage(f"Run store: {m}", 10_000))
    window.runs_dock.visibilityChanged.connect(lambda shown: panel.refresh() if shown else None)

    def open_project(project) -> None:
        if window.files.confirm_discard():
            window.document.replace(project)

    panel.openProjectRequested.connect(open_project)
    panel.continueRequested.connect(lambda project, state, run_id: continue_run(window, project, state, run_id))
    # another project: no run of the previous one stays drawn on its plots
    window.document.projectReplaced.connect(lambda: window.document.show_in_turn(panel.forget_selection, panel))
    _follow_open_project(window.document, panel)
    window.continued_from = None     # the run Runs ▸ Continue loaded, until the Run that continues it
    window.last_recorded_run = None  # the run whose weights Run ▸ Continue trains on (this project's last)
    window.run_recorder.runRecorded.connect(lambda rid: setattr(window, "last_recorded_run", rid))

    def forget_runs() -> None:
        window.continued_from = window.last_recorded_run = None
    window.document.projectReplaced.connect(forget_runs)
    window.controller.runStarted.connect(lambda _info: _on_run_started(window))
    window.study_views = []

    def new_study(preset: bool = False, curve: bool = False) -> None:
        dialog = StudyDialog(window.document.project.copy(), window, dataset=window.document.dataset)
        dialog.preset.setChecked(preset)
        dialog.learning_curve.setChecked(curve)
        if not dialog.exec():
            return
        view = StudyView(dialog.batch or dialog.plans, **dialog.options(), parent=window)
        view.trialFinished.connect(lambda _o: panel.refresh() if window.runs_dock.isVisible() else None)
        view.studyFinished.connect(lambda state: panel.refresh())
        window.study_views.append(view)
        view.show()
        view.start()

    def stop_studies() -> None:      # quitting with a study running: stop its trials, join its thread
        for view in window.study_views:
            view.close()

    app = QCoreApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(stop_studies)
    study = QAction("New &Study…", window)
    study.setStatusTip("Vary one or two knobs over several seeds and compare the loss")
    study.triggered.connect(lambda: new_study(False))
    preset = QAction("Neural Net Loss &Preset…", window)
    preset.setStatusTip("Run the nine studies (eight questions) of 'Neural Net Loss' on this project")
    preset.triggered.connect(lambda: new_study(True))
    curve = QAction("&Learning Curve…", window)
    curve.setStatusTip("Train on growing shares of the data and forecast what more data would be worth")
    curve.triggered.connect(lambda: new_study(curve=True))
    window.study_action, window.preset_action, window.learning_curve_action = study, preset, curve
    window.train_menu.addSeparator()
    window.train_menu.addActions([study, preset, curve])


def _follow_open_project(document, panel) -> None:
    """Tell the Runs panel which project is open (by name, or by its data while it is untitled), now
    and after each Open/New, rename or change of data: it lists that project's runs only."""
    from core.runs.recorder import dataset_label
    from core.runs.records import project_label

    def follow() -> None:
        project = document.project
        panel.set_open_project(project_label(project.name, dataset_label(project)))
    panel.follow_open_project = follow     # a key for guiapp.turns: asked three times by an Open, run once

    follow()
    for signal in (document.projectReplaced, document.nameChanged, document.dataChanged):
        signal.connect(lambda *_args: document.show_in_turn(panel.follow_open_project, panel))


def continue_run(window, project, state: dict, run_id: str) -> None:
    """Runs ▸ Continue: open the run's project and put its final weights in the training controller,
    so the next Run trains them on (a fresh optimizer), numbering its epochs and steps on from the run's.
    The run is drawn on the plots beside the continuation, and the new run records it as its parent. The
    data is read and the model built on a task (:mod:`.continuing`); the window stays responsive meanwhile."""
    if not window.files.confirm_discard():
        return
    from .continuing import RunContinuer
    if getattr(window, "run_continuer", None) is None:
        window.run_continuer = RunContinuer(window)
    window.run_continuer.start(project, state, run_id)


def _on_run_started(window) -> None:
    """A Run that continues a run records it as its parent: after Runs ▸ Continue (the run it loaded),
    or when Run goes on from the weights the last run trained (the Run-again question's Continue).
    It also takes down the "Run trains them on" message (it has)."""
    parent, window.continued_from = getattr(window, "continued_from", None), None
    if parent is None and window.controller.run_mode.last_choice == "continue":
        parent = getattr(window, "last_recorded_run", None)
    if window.statusBar().currentMessage().startswith("Loaded run "):
        window.statusBar().clearMessage()
    recorder = getattr(window.run_recorder, "recorder", None)
    if parent is None or recorder is None:
        return
    from core.runs import StoreError
    try:
        window.runs_panel.store.set_parent(recorder.run_id, parent)
    except (StoreError, KeyError) as e:
        window.statusBar().showMessage(f"Run store: {e}", 10_000)
