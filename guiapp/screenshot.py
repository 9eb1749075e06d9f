"""``losslab screenshot PROJECT OUT.png [--size 1400x900] [--train-epochs N] [--tab TAB] [--onscreen]``

Renders the main window for a project to a PNG without a person: on Qt's offscreen platform (any
``DISPLAY`` is ignored, so a stale one does no harm) unless ``--onscreen`` asks for the desktop's.
With ``--train-epochs N`` it first trains N epochs so the plots are filled (0, the default, renders
the untrained project). ``--tab`` raises one of the settings tabs (data, outputs, training) or one of
the tabs beside the training plots (findings, boundary, errors). The window uses its default layout: saved
layouts and recent files live under a separate settings name.

Exit status: 0 written; 2 bad input (the message names the argument, the file or the reason the
project cannot train); 1 a failure on the way (the training did not finish in time).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Sequence

PROG = "losslab screenshot"
SETTINGS_TABS = ("data", "outputs", "training")
PLOT_TABS = ("findings", "boundary", "errors")
TABS = SETTINGS_TABS + PLOT_TABS
MIN_SIDE, MAX_SIDE = 200, 8192
#: what Qt's offscreen platform says about every window; harmless, so not shown
SILENCED = ("This plugin does not support propagateSizeHints()",)


class BadInput(Exception):
    """An argument, file or project that cannot give a screenshot; the message names it (exit 2)."""


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog=PROG, description="Render the LossLab window to a PNG.")
    ap.add_argument("project", help="a .losslab.json project file")
    ap.add_argument("out", help="the PNG to write")
    ap.add_argument("--size", default="1400x900", help="window size WIDTHxHEIGHT (default 1400x900)")
    ap.add_argument("--train-epochs", type=int, default=0, metavar="N",
                    help="train N epochs first so the plots are filled (default 0: no training)")
    ap.add_argument("--tab", choices=TABS, default="data",
                    help="which tab to raise: a settings tab (data, outputs, training) or one beside the "
                         "plots (findings, boundary, errors); default data")
    ap.add_argument("--select", metavar="NODE", help="select this node, so the inspector shows its parameters")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the training (default 300)")
    ap.add_argument("--onscreen", action="store_true",
                    help="use the desktop's display instead of Qt's offscreen platform")
    return ap.parse_args(list(argv))


def parse_size(text: str) -> tuple[int, int]:
    """"1400x900" -> (1400, 900); raises :class:`BadInput` naming the problem."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise BadInput(f"--size expects WIDTHxHEIGHT such as 1400x900, received {text!r}") from None
    if not (MIN_SIDE <= w <= MAX_SIDE and MIN_SIDE <= h <= MAX_SIDE):
        raise BadInput(f"--size {text} is out of range: each side from {MIN_SIDE} to {MAX_SIDE}")
    return w, h


def check_output(out: str) -> Path:
    """The output path when a PNG can be written there; raises :class:`BadInput` saying why not."""
    path = Path(out)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise BadInput(f"{out} is a folder: give a file name such as {path / 'window.png'}")
    if not folder.is_dir():
        raise BadInput(f"cannot write {out}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise BadInput(f"cannot write {out}: no permission to write there")
    from PySide6.QtGui import QImageWriter
    kinds = {bytes(k).decode().lower() for k in QImageWriter.supportedImageFormats()}
    if not path.suffix:
        raise BadInput(f"cannot write {out}: the name needs an image extension such as .png")
    if path.suffix.lower().lstrip(".") not in kinds:
        raise BadInput(f"cannot write {out}: {path.suffix} is not an image type; end the name in .png")
    return path


def _check_arguments(args: argparse.Namespace) -> tuple[int, int]:
    size = parse_size(args.size)
    if args.train_epochs < 0:
        raise BadInput(f"--train-epochs must be 0 (no training) or more, received {args.train_epochs}")
    if not args.timeout > 0:
        raise BadInput(f"--timeout must be a positive number of seconds, received {args.timeout:g}")
    check_output(args.out)
    return size


def _filter_qt_messages() -> None:
    """Drop the messages in ``SILENCED``; everything else Qt says still goes to stderr."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_mode, _context, message: str) -> None:
        if message not in SILENCED:
            print(message, file=sys.stderr)
    qInstallMessageHandler(handler)


def _wait(app, condition, timeout_s: float) -> bool:
    end = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > end:
            return False
        app.processEvents()
        time.sleep(0.01)
    return True


def _fail(message: str, status: int) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Write the screenshot; exit status 2 for bad input (a message naming it), 1 on failure."""
    args = _parse(sys.argv[1:] if argv is None else argv)
    try:
        width, height = _check_arguments(args)
    except BadInput as e:
        return _fail(str(e), 2)
    if not args.onscreen:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a stale DISPLAY must not abort the render
    os.environ.setdefault("LOSSLAB_SETTINGS_ORG", "LossLabScreenshot")  # the default layout, not the person's

    from core.project import Project, ProjectError
    try:
        project = Project.load(args.project)
    except ProjectError as e:
        # a missing or unreadable file's error already starts with the path: name it once
        named = e.where in (args.project, str(Path(args.project))) or e.where.startswith(Path(args.project).name)
        return _fail(str(e) if named else f"{args.project}: {e}", 2)
    if args.train_epochs > 0:
        from core.training.setup import pick_device
        try:
            pick_device(project.training.device)
        except ValueError as e:
            return _fail(f"{args.project}: cannot train: {e}", 2)

    _filter_qt_messages()
    from .app import create_application
    app = create_application()
    from .document import ProjectDocument
    from .main_window import MainWindow
    document = ProjectDocument(Project(), load_data=False)
    document.replace(project, args.project)
    if args.train_epochs > 0:
        ok, reason = document.can_train()
        if not ok:
            return _fail(f"{args.project}: cannot train: {reason}", 2)
    window = MainWindow(document)
    if getattr(window, "run_recorder", None) is not None:
        window.run_recorder.enabled = False   # a screenshot's training is not one of the person's runs
    window.resize(width, height)
    {"data": window.data_dock, "outputs": window.outputs_dock, "training": window.settings_dock,
     "findings": window.findings_dock, "boundary": window.boundary_dock,
     "errors": window.errors_dock}[args.tab].raise_()
    window.show()
    _wait(app, lambda: window.isVisible(), 5.0)
    if document.data_loading:  # a big file or an image folder is read on a task: shown once it is in
        document.wait_for_data(int(args.timeout * 1000))
        _wait(app, lambda: not document.data_loading, args.timeout)
    if args.train_epochs > 0:
        status = _train(app, window, args.project, args.train_epochs, args.timeout)
        if status:
            return status
    window.canvas.fit_to_view(readable=True)
    if args.select:
        if args.select not in document.project.model.ids():
            return _fail(f"--select {args.select}: no such node; nodes are: {', '.join(document.project.model.ids())}", 2)
        window.canvas.select_nodes([args.select])
    from . import turns
    _wait(app, turns.settled, 5.0)   # the plots' turns after a Run's end (guiapp.turns)
    for _ in range(10):  # let timers (plot redraws at ~30 Hz) and layouts settle
        app.processEvents()
        time.sleep(0.04)
    image = window.grab()
    if not image.save(args.out):
        return _fail(f"cannot write {args.out}", 2)
    shot = f"{image.width()}x{image.height()}"
    if shot != f"{width}x{height}":
        print(f"{PROG}: the window cannot be as small as {width}x{height} (its panels' minimum); "
              f"rendered {shot}", file=sys.stderr)
    print(f"wrote {args.out} ({shot})")
    return 0  # no close(): closing would save this layout over the default one


def _train(app, window, project_path: str, epochs: int, timeout_s: float) -> int:
    """Train ``epochs``; 0 when done, else the exit status after printing why."""
    controller = window.controller
    if controller is None:
        print(f"{PROG}: this build has no training view; --train-epochs ignored", file=sys.stderr)
        return 0
    done: list = []
    controller.runFinished.connect(lambda result: done.append(result))
    controller.runFailed.connect(lambda reason: done.append(reason))
    if not controller.run(epochs=epochs):
        _ok, reason = window.document.can_train()
        return _fail(f"{project_path}: cannot train: {reason or 'the run did not start'}", 2)
    if not _wait(app, lambda: bool(done), timeout_s):
        controller.stop_and_wait(2.0)
        return _fail(f"training did not finish within {timeout_s:g} s (raise --timeout)", 1)
    if isinstance(done[0], str):
        return _fail(f"{project_path}: cannot train: {done[0]}", 2)
    return 0
