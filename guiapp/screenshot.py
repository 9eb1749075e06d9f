"""``losslab screenshot PROJECT OUT.png [--size 1400x900] [--train-epochs N] [--tab data|outputs|training]``

Renders the main window for a project to a PNG without a person (the offscreen platform when there
is no display). With ``--train-epochs N`` it first trains N epochs so the plots are filled. The
window uses its default layout: saved layouts and recent files live under a separate settings name.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Sequence

TABS = ("data", "outputs", "training")


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="losslab screenshot", description="Render the LossLab window to a PNG.")
    ap.add_argument("project", help="a .losslab.json project file")
    ap.add_argument("out", help="the PNG to write")
    ap.add_argument("--size", default="1400x900", help="window size WIDTHxHEIGHT (default 1400x900)")
    ap.add_argument("--train-epochs", type=int, default=0, metavar="N", help="train N epochs first")
    ap.add_argument("--tab", choices=TABS, default="data", help="which settings tab to show (default data)")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the training (default 300)")
    return ap.parse_args(list(argv))


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise SystemExit(f"losslab screenshot: --size expects WIDTHxHEIGHT such as 1400x900, received {text!r}")
    if w < 200 or h < 200:
        raise SystemExit(f"losslab screenshot: --size {text} is too small (at least 200x200)")
    return w, h


def _wait(app, condition, timeout_s: float) -> bool:
    end = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > end:
            return False
        app.processEvents()
        time.sleep(0.01)
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Write the screenshot; exit status 2 for bad input (a message naming the place), 1 on failure."""
    args = _parse(sys.argv[1:] if argv is None else argv)
    width, height = _size(args.size)
    headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if headless and sys.platform.startswith("linux"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("LOSSLAB_SETTINGS_ORG", "LossLabScreenshot")  # the default layout, not the person's

    from core.project import Project, ProjectError

    from .app import create_application
    try:
        project = Project.load(args.project)
    except ProjectError as e:
        print(f"losslab screenshot: {args.project}: {e}", file=sys.stderr)
        return 2
    app = create_application()
    from .document import ProjectDocument
    from .main_window import MainWindow
    document = ProjectDocument(Project(), load_data=False)
    document.replace(project, args.project)
    window = MainWindow(document)
    window.resize(width, height)
    {"data": window.data_dock, "outputs": window.outputs_dock, "training": window.settings_dock}[args.tab].raise_()
    window.show()
    _wait(app, lambda: window.isVisible(), 5.0)
    if args.train_epochs > 0:
        if not _train(app, window, args.train_epochs, args.timeout):
            return 1
    window.canvas.fit_to_view(readable=True)
    for _ in range(10):  # let timers (plot redraws at ~30 Hz) and layouts settle
        app.processEvents()
        time.sleep(0.04)
    if not window.grab().save(args.out):
        print(f"losslab screenshot: cannot write {args.out}", file=sys.stderr)
        return 1
    print(f"wrote {args.out} ({width}x{height})")
    return 0  # no close(): closing would save this layout over the default one


def _train(app, window, epochs: int, timeout_s: float) -> bool:
    controller = window.controller
    if controller is None:
        print("losslab screenshot: this build has no training view; --train-epochs ignored", file=sys.stderr)
        return True
    done: list = []
    controller.runFinished.connect(lambda result: done.append(result))
    controller.runFailed.connect(lambda reason: done.append(reason))
    if not controller.run(epochs=epochs):
        ok, reason = window.document.can_train()
        print(f"losslab screenshot: cannot train: {reason or 'the run did not start'}", file=sys.stderr)
        return False
    if not _wait(app, lambda: bool(done), timeout_s):
        controller.stop_and_wait(2.0)
        print(f"losslab screenshot: training did not finish within {timeout_s:g} s", file=sys.stderr)
        return False
    if isinstance(done[0], str):
        print(f"losslab screenshot: training failed: {done[0]}", file=sys.stderr)
        return False
    return True
