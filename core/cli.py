"""``losslab`` headless commands: check, train, lr-find.

Bad input exits 2 with a message naming the place, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path
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
        raise UserError(str(e) if e.where.startswith(str(path)) or str(path) in e.where else f"{path}: {e}") from None
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
    errors = [(p.message, p.where) for p in check.problems if p.severity == "error"]
    try:
        from .training.setup import pick_device
        pick_device(project.training.device)
    except ValueError as e:
        errors.append((f"{e} (or pass --device to losslab train)", "training.device"))
    if errors:
        out(f"{_plural(len(errors), 'problem')}: the project cannot train here")
        for message, where in errors:
            out(f"  - {message}  [{where}]")
        return 2
    out("ok: the project can train")
    return 0


def _lint(project, check, dataset) -> list:
    try:
        from .diagnostics.lint import lint_project
    except ImportError:
        return []
    return lint_project(project, check, dataset)


METRIC_LABELS = (("val_accuracy", "val_acc"), ("val_balanced_accuracy", "bal_acc"), ("val_mae", "val_mae"),
                 ("val_r2", "val_r2"))


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _fmt_metrics(m) -> str:
    return "  ".join(f"{label} {m[key]:.4f}" for key, label in METRIC_LABELS if key in m)


def _fmt_epoch_metrics(record) -> str:
    """First head's metrics, or each head's (loss and metrics) when there are several."""
    if len(record.heads) <= 1:
        return _fmt_metrics(record.metrics)
    return "  |  ".join(f"{name}: loss {m.get('val_loss', float('nan')):.4f} {_fmt_metrics(m)}"
                        for name, m in record.heads.items())


def cmd_train(args, out: Callable[[str], None]) -> int:
    from .training import TrainingControl, TrainingObserver, train

    if args.threads is not None and args.threads < 1:
        raise UserError(f"--threads must be at least 1, received {args.threads}")
    if args.device:
        from .training.setup import pick_device
        try:
            pick_device(args.device, "--device")
        except ValueError as e:
            raise UserError(str(e)) from None
    if args.save_model:
        target = Path(args.save_model)
        if target.is_dir() or not target.parent.is_dir() or not os.access(target.parent, os.W_OK):
            raise UserError(f"--save-model {args.save_model}: cannot write there: give a file path in an existing, "
                            "writable folder")
    project, dataset = _load(args.project)
    control = TrainingControl()

    class Printer(TrainingObserver):
        def on_run_start(self, info):
            out(f"training {info.name}: {info.n_train:,} train / {info.n_val:,} val samples, "
                f"{_plural(info.n_params, 'parameter')}, {_plural(info.epochs, 'epoch')} x "
                f"{_plural(info.steps_per_epoch, 'step')} on {info.device} ({_plural(info.threads, 'thread')})")

        def on_epoch_end(self, r):
            if not args.quiet:
                val = "-" if r.val_loss is None else f"{r.val_loss:.4f}"
                out(f"epoch {r.epoch:>4}/{epochs}  train {r.train_loss:.4f}  val {val}  {_fmt_epoch_metrics(r)}  "
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
    out(f"{result.status}: {_plural(result.epochs_run, 'epoch')}, {_plural(result.steps, 'step')} in "
        f"{result.seconds:.1f}s ({result.steps_per_second:,.0f} steps/s){best}"
        + (f" - {result.message}" if result.message else ""))
    if result.test:
        first = {k: v for k, v in result.test.items() if "/" not in k}
        out(f"test ({dataset.x_test.shape[0]:,} held-out samples, final weights): loss {first.get('test_loss', float('nan')):.4f}  "
            + "  ".join(f"{k} {v:.4f}" for k, v in first.items() if k != "test_loss"))
    if args.save_model:
        import torch
        try:
            torch.save(result.model.state_dict(), args.save_model)
            out(f"saved the model's weights to {args.save_model}")
        except OSError as e:
            print(f"losslab train: could not save the model to {args.save_model}: {e}", file=sys.stderr)
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
    t.add_argument("project", help="a *.losslab.json project file")
    t.add_argument("--epochs", type=int, help="override training.epochs")
    t.add_argument("--seed", type=int, help="override training.seed")
    t.add_argument("--device", help="auto, cpu, cuda, cuda:N")
    t.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's choice)")
    t.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    t.add_argument("--quiet", action="store_true", help="no per-epoch lines")
    t.add_argument("--save-model", metavar="FILE", help="save the final weights (state dict) to FILE")
    f = sub.add_parser("lr-find", help="learning-rate range test: suggest a learning rate")
    f.add_argument("project", help="a *.losslab.json project file")
    f.add_argument("--start", type=float, default=1e-7, help="first learning rate of the sweep (default 1e-7)")
    f.add_argument("--end", type=float, default=10.0, help="last learning rate of the sweep (default 10)")
    f.add_argument("--steps", type=int, default=100, help="batches in the sweep, at least 10 (default 100)")
    f.add_argument("--json", action="store_true", help="print the curve and suggestions as JSON as the last line")
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
        print(f"losslab {args.command}: --epochs must be at least 1", file=sys.stderr)
        return 2
    handler = {"check": cmd_check, "train": cmd_train, "lr-find": cmd_lr_find}[args.command]
    try:
        return handler(args, out)
    except KeyboardInterrupt:  # Ctrl-C before the trainer's own handler is installed (imports, data)
        print(f"losslab {args.command}: interrupted", file=sys.stderr)
        return 130
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
