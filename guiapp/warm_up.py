"""What the window prepares on a worker right after start, so the first Run, Open and Continue do
not pay for it on the GUI thread.

* torch's first optimizer (``core.training.setup.warm_up``: torch imports ``torch._dynamo``);
* the modules the first Run, File ▸ Open and Runs ▸ Continue import lazily: an import holds the GIL
  and PySide6's import hook reads each new module's source, so a lazy import on the GUI thread
  froze the window (``core.runs`` alone: 16 ms at the first Run; ``scipy.ndimage``, which the
  diagnostics' first median filter imports on the training thread, ~0.3 s);
* the fork server that reads big tables in a child process (started here, not by the first Open of a
  big CSV).

:func:`warm_up` is a ``core.tasks`` task (``state`` unused): ``guiapp.app`` runs it on the task runner.
"""
from __future__ import annotations

import importlib
import logging

__all__ = ["CORE_MODULES", "GUI_MODULES", "warm_up"]

_log = logging.getLogger("losslab")

CORE_MODULES = (
    "sqlite3", "core.runs", "core.runs.recorder", "core.runs.fanout", "core.runs.resume", "core.runs.diff",
    "core.data.process_load", "core.data.augment", "core.preflight", "core.training.transfer",
    "core.diagnostics", "scipy.ndimage", "core.health", "core.evaluation",
    "core.data.columns", "core.data.csvfile", "multiprocessing.popen_forkserver", "torch.utils.serialization",
)
GUI_MODULES = (
    "guiapp.runs.continuing", "guiapp.panels.data_preview", "guiapp.panels.column_picker",
    "guiapp.panels.csv_load", "guiapp.panels.image_source", "guiapp.editor.smalldata_marks",
    "guiapp.panels.augment_section", "guiapp.panels.augment_preview", "guiapp.studies.charts",
)


def warm_up(*, state=None, fork_server: bool = True) -> None:
    """Warm torch, import what the first Run/Open/Continue needs, start the fork server."""
    from core.training.setup import warm_up as warm_torch
    warm_torch()
    for name in CORE_MODULES + GUI_MODULES:
        try:
            importlib.import_module(name)
        except Exception as e:  # noqa: BLE001 - an optional module missing only costs its import later
            _log.warning("warm-up: cannot import %s: %s", name, e)
    if fork_server:
        start_fork_server()


def start_fork_server() -> None:
    """Start the fork server the big-table reads and the studies' pools share (a no-op where the
    platform spawns instead, or when it already runs)."""
    from core.tasks import process_context
    ctx = process_context()
    if ctx.get_start_method() != "forkserver":
        return
    from multiprocessing import forkserver
    try:
        forkserver.ensure_running()
    except OSError as e:  # the first big Open starts it instead
        _log.warning("warm-up: the fork server did not start: %s", e)
