"""``losslab train PROJECT``: train headless, one line per epoch."""
from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

from .common import Out, UserError, lint as _lint, load_project as _load, plural as _plural

NAME = "train"
HELP = "train a project headless, one line per epoch"


def add_arguments(t) -> None:
    t.add_argument("project", help="a *.losslab.json project file")
    t.add_argument("--epochs", type=int, help="override training.epochs")
    t.add_argument("--seed", type=int, help="override training.seed")
    t.add_argument("--device", help="auto, cpu, cuda, cuda:N")
    t.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's choice)")
    t.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    t.add_argument("--quiet", action="store_true", help="no per-epoch lines")
    t.add_argument("--save-model", metavar="FILE", help="save the final weights (state dict) to FILE")
    t.add_argument("--no-store", action="store_true", help="do not record this run in the run store")


METRIC_LABELS = (("val_accuracy", "val_acc"), ("val_balanced_accuracy", "bal_acc"), ("val_mae", "val_mae"),
                 ("val_r2", "val_r2"))


def _fmt_metrics(m) -> str:
    return "  ".join(f"{label} {m[key]:.4f}" for key, label in METRIC_LABELS if key in m)


def _fmt_epoch_metrics(record) -> str:
    """First head's metrics, or each head's (loss and metrics) when there are several."""
    if len(record.heads) <= 1:
        return _fmt_metrics(record.metrics)
    return "  |  ".join(f"{name}: loss {m.get('val_loss', float('nan')):.4f} {_fmt_metrics(m)}"
                        for name, m in record.heads.items())


def run(args, out: Out) -> int:
    from ..training import TrainingControl, TrainingObserver, train

    if args.threads is not None and args.threads < 1:
        raise UserError(f"--threads must be at least 1, received {args.threads}")
    if args.device:
        from ..training.setup import pick_device
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

    from ..graph import check_graph
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
        from .runs_hook import recorded
        observer, recorder = recorded(Printer(), project, args, out)
        result = train(project, dataset=dataset, observer=observer, control=control, epochs=args.epochs,
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
    if recorder is not None:
        out(f"run {recorder.run_id} recorded" + (f" ({recorder.error})" if recorder.error else ""))
    if args.json:
        out(json.dumps(result.to_dict() | ({"run_id": recorder.run_id} if recorder else {})))
    return 1 if result.status == "failed" else 0
