"""Runs ▸ Continue as a task: the run's data is read and its model built with the stored weights on
the window's task runner for this job, whatever its size (a big table parsed in a child process,
small data on the task's thread), so Continue never freezes the window.

When the task ends, the GUI thread installs the project with the dataset already read (the document
does not read it again) and hands the model to the training controller: the next Run trains it on.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject

from core.tasks import TaskState, describe_error

from .. import turns
from ..tasks import TaskRunner


@dataclass
class ContinueLoad:
    """What the task read: the dataset (or why not) and the model with the run's weights (or why not)."""
    dataset: Any
    data_error: str
    setup: Any
    setup_error: str


def load_run_to_continue(project, weights: dict, run_id: str, *, state: TaskState,
                         in_process: bool = True) -> ContinueLoad:
    """Read ``project``'s data and build its model holding ``weights`` (a ``core.tasks`` task).
    ``in_process``: read the data in a child process (a big table: a parse on this thread would hold
    the GIL the GUI thread needs); False reads it here (small data, on the spot)."""
    from core.data import DataError, load_dataset
    from core.data.process_load import load_dataset_in_process
    from core.runs.resume import setup_with_weights
    state.set_progress(0.0, f"reading run {run_id}'s data")
    try:
        dataset = (load_dataset_in_process(project.data, project.base_dir, state=state) if in_process else
                   load_dataset(project.data, project.base_dir))
    except (DataError, ValueError, OSError) as e:
        return ContinueLoad(None, str(e), None, "")
    state.raise_if_cancelled()
    state.set_progress(1.0, f"building run {run_id}'s model")
    try:
        setup = setup_with_weights(weights, run_id, project.copy(), dataset, seed=project.training.seed)
    except Exception as e:  # noqa: BLE001 - weights that do not fit, a model that does not build: say so
        return ContinueLoad(dataset, "", None, describe_error(e))
    return ContinueLoad(dataset, "", setup, "")


class RunContinuer(QObject):
    """Continues stored runs in ``window``, one at a time (a newer Continue supersedes a running one)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.runner = TaskRunner(self, name="LossLabContinueRun")
        self.runner.progressChanged.connect(self._on_runner_progressChanged)
        self.runner.taskFinished.connect(self._on_runner_taskFinished)
        self.runner.taskFailed.connect(lambda m: self._say(f"Run {self._job[2]} cannot be continued: {m}"))
        self._job: tuple = (None, None, "")
        self._opens = 0           # projects installed in the window so far (File ▸ Open, New, Continue)
        window.document.projectReplaced.connect(lambda: setattr(self, "_opens", self._opens + 1))

    def start(self, project, weights: dict, run_id: str) -> None:
        """Read the run's data and build its model in the background, then install both."""
        from ..document import big_data_file
        self.runner.cancel()
        self._job = (project, weights, run_id)
        self._say(f"Loading run {self._shown(run_id)}…")
        # always on the task (small data too: building the model and loading its weights cost 20-60 ms
        # of the GUI thread); a big table is parsed in a child process besides
        self.runner.start(load_run_to_continue, project, weights, run_id, in_process=big_data_file(project) is not None)

    def is_running(self) -> bool:
        return self.runner.is_running()

    def _shown(self, run_id: str) -> str:
        """The run's name as the Runs table shows it (``wine #3``)."""
        panel = getattr(self.window, "runs_panel", None)
        return panel.model.display_name(run_id) if panel is not None else run_id

    def _say(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 15_000)

    def _on_runner_progressChanged(self, fraction: float, status: str) -> None:  # noqa: N802 - the signal's name
        self.window.statusBar().showMessage(f"Continue: {status} ({fraction:.0%})", 15_000)

    def _on_runner_taskFinished(self, outcome) -> None:  # noqa: N802 - the signal's name
        project, _weights, run_id = self._job
        self._job = (None, None, run_id)
        if outcome.ok and project is not None:
            self._install(project, run_id, outcome.value)

    def _install(self, project, run_id: str, load: ContinueLoad) -> None:
        doc = self.window.document
        doc.prime_data(project.to_dict()["data"], project.base_dir, load.dataset, load.data_error)
        doc.replace(project)
        ok, reason = doc.can_train()
        if not ok or load.setup is None:
            self._say(f"Run {self._shown(run_id)} cannot be continued: {reason or load.setup_error}")
            return
        panel = self.window.runs_panel
        self.window.controller.start_from(load.setup, run_id, counts_of_run(panel, run_id))
        self.window.continued_from = run_id
        self._say(f"Loaded run {self._shown(run_id)}'s project and final weights: Run trains them on")
        # the run it continues, drawn beside it: in an event-loop turn of its own (it reads the run's
        # curves from the store and draws them; the replace above rebuilt the window's views, and a
        # queued call would have run in the turn that paints them: guiapp.turns), unless another
        # project was opened before its turn (a Run started at once still has it drawn)
        opens = self._opens
        turns.later(lambda: panel.select_ids([run_id]) if self._opens == opens else None,
                    key=(id(panel), "continued"), owner=panel)


def counts_of_run(panel, run_id: str):
    """A ``RunResult`` holding only how many epochs and steps run ``run_id`` trained: what the trainer
    needs to number a continuation on from it (its optimizer state is not stored: a fresh one)."""
    from core.runs import StoreError
    from core.training.events import RunResult
    try:
        history = panel.store.history(panel.store.resolve(run_id))
    except (StoreError, KeyError):
        return None
    if not history:
        return None
    last = history[-1]
    return RunResult("completed", int(last.get("epoch") or len(history)), None, None, [], int(last.get("step") or 0),
                     0.0, 0.0)
