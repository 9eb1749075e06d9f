"""``losslab`` headless commands: check, train, lr-find.

Bad input exits 2 with a message naming the place, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
from typing import Callable, Sequence

COMMANDS = ("check", "train", "lr-find")


class UserError(Exception):
    """A problem in the user's input: printed as-is, exit status 2."""


def _load(path: str):
    from .data import DataError, load_dataset
    from .project import Project, ProjectError
    try:
        project = Project.load(path)
        dataset = load_dataset(project.data, project.base_dir)
    except (ProjectError, DataError) as e:
        raise UserError(f"{path}: {e}") from None
    return project, dataset


def _fmt_shape(shape) -> str:
    from .catalog.layer_shapes import fmt_shape
    return "-" if shape is None else fmt_shape(shape)


def cmd_check(args, out: Callable[[str], None]) -> int:
    from .graph import check_graph
    project, dataset = _load(args.project)
    check = check_graph(project, dataset.input_shape, dataset.targets)
    out(f"project: {project.name} ({args.project})")
    out(f"data:    {dataset.summary()}")
    rows = [(nid, n.type, _fmt_shape(n.out_shape), f"{n.n_params:,}") for nid, n in check.nodes.items()]
    widths = [max(len(r[i]) for r in rows + [("node", "type", "output shape", "params")]) for i in range(4)]
    out("  " + "  ".join(h.ljust(w) for h, w in zip(("node", "type", "output shape", "params"), widths)))
    for r in rows:
        out("  " + "  ".join((c.rjust(w) if i == 3 else c.ljust(w)) for i, (c, w) in enumerate(zip(r, widths))))
    out(f"total parameters: {check.total_params:,}")
    warnings = _lint(project, check, dataset)
    for w in warnings:
        out(f"warning: {w.message}" + (f" -> {w.suggestion}" if getattr(w, "suggestion", "") else ""))
    errors = [p for p in check.problems if p.severity == "error"]
    if errors:
        out(f"{len(errors)} problem(s): the project cannot train")
        for p in errors:
            out(f"  - {p.message}  [{p.where}]")
        return 2
    out("ok: the project can train")
    return 0


def _lint(project, check, dataset) -> list:
    try:
        from .diagnostics.lint import lint_project
    except ImportError:
        return []
    return lint_project(project, check, dataset)


def _fmt_metrics(m) -> str:
    parts = []
    for key, label in (("val_accuracy", "val_acc"), ("val_mae", "val_mae"), ("val_r2", "val_r2")):
        if key in m:
            parts.append(f"{label} {m[key]:.4f}")
    return "  ".join(parts)


def cmd_train(args, out: Callable[[str], None]) -> int:
    from .training import TrainingControl, TrainingObserver, train

    project, dataset = _load(args.project)
    control = TrainingControl()

    class Printer(TrainingObserver):
        def on_run_start(self, info):
            out(f"training {info.name}: {info.n_train} train / {info.n_val} val samples, {info.n_params:,} parameters, "
                f"{info.epochs} epochs x {info.steps_per_epoch} steps on {info.device} ({info.threads} threads)")

        def on_epoch_end(self, r):
            if not args.quiet:
                val = "-" if r.val_loss is None else f"{r.val_loss:.4f}"
                out(f"epoch {r.epoch:>4}/{epochs}  train {r.train_loss:.4f}  val {val}  {_fmt_metrics(r.metrics)}  "
                    f"lr {r.lr:.3g}  {r.seconds:.2f}s")

        def on_findings(self, new, current):
            for f in new:
                out(f"! {f.kind} ({f.severity}): {f.message}")

    from .graph import check_graph
    check = check_graph(project, dataset.input_shape, dataset.targets)
    for w in _lint(project, check, dataset):
        out(f"warning: {w.message}" + (f" -> {w.suggestion}" if w.suggestion else ""))
    epochs = args.epochs or project.training.epochs
    previous = signal.getsignal(signal.SIGINT)

    def on_sigint(signum, frame):
        out("stopping (Ctrl-C again to abort)...")
        control.stop()
        signal.signal(signal.SIGINT, previous)

    signal.signal(signal.SIGINT, on_sigint)
    try:
        result = train(project, dataset=dataset, observer=Printer(), control=control, epochs=args.epochs,
                       seed=args.seed, device=args.device, threads=args.threads)
    except ValueError as e:  # device not available, graph problems
        raise UserError(f"{args.project}: {e}") from None
    finally:
        signal.signal(signal.SIGINT, previous)
    best = f", best epoch {result.best_epoch}" if result.best_epoch else ""
    out(f"{result.status}: {result.epochs_run} epochs, {result.steps} steps in {result.seconds:.1f}s "
        f"({result.steps_per_second:,.0f} steps/s){best}" + (f" - {result.message}" if result.message else ""))
    if args.save_model:
        import torch
        torch.save(result.model.state_dict(), args.save_model)
        out(f"saved the model's weights to {args.save_model}")
    if args.json:
        out(json.dumps(result.to_dict()))
    return 1 if result.status == "failed" else 0


def cmd_lr_find(args, out: Callable[[str], None]) -> int:
    try:
        from .lr_finder import find_lr
    except ImportError:
        raise UserError("lr-find is not available in this build") from None
    project, dataset = _load(args.project)
    try:
        res = find_lr(project, dataset=dataset, start_lr=args.start, end_lr=args.end, steps=args.steps)
    except ValueError as e:
        raise UserError(f"{args.project}: {e}") from None
    out(res.summary())
    if args.json:
        out(json.dumps(res.to_dict()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="losslab", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="LossLab: build neural networks by hand and understand their loss.",
        epilog="window:\n  losslab [PROJECT]                      open the window (on PROJECT, a *.losslab.json)\n"
               "  losslab screenshot PROJECT OUT.png     render the window to a PNG without a person\n"
               "                                         (--train-epochs N trains first; see --help)")
    p.add_argument("--version", action="version", version="losslab 0.1.0")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    c = sub.add_parser("check", help="print each node's output shape and parameter count, and every problem")
    c.add_argument("project", help="a *.losslab.json project file")
    t = sub.add_parser("train", help="train a project headless, one line per epoch")
    t.add_argument("project")
    t.add_argument("--epochs", type=int, help="override training.epochs")
    t.add_argument("--seed", type=int, help="override training.seed")
    t.add_argument("--device", help="auto, cpu, cuda, cuda:N")
    t.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's choice)")
    t.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    t.add_argument("--quiet", action="store_true", help="no per-epoch lines")
    t.add_argument("--save-model", metavar="FILE", help="save the final weights (state dict) to FILE")
    f = sub.add_parser("lr-find", help="learning-rate range test: suggest a learning rate")
    f.add_argument("project")
    f.add_argument("--start", type=float, default=1e-7)
    f.add_argument("--end", type=float, default=10.0)
    f.add_argument("--steps", type=int, default=100)
    f.add_argument("--json", action="store_true")
    return p


def main(argv: Sequence[str] | None = None, out: Callable[[str], None] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    out = out or (lambda s: print(s, flush=True))
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if getattr(args, "epochs", None) is not None and args.epochs < 1:
        print("losslab: --epochs must be at least 1", file=sys.stderr)
        return 2
    handler = {"check": cmd_check, "train": cmd_train, "lr-find": cmd_lr_find}[args.command]
    try:
        return handler(args, out)
    except UserError as e:
        print(f"losslab {args.command}: {e}", file=sys.stderr)
        return 2
    except FileNotFoundError as e:
        print(f"losslab {args.command}: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head`: not an error
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
