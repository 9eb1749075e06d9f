"""``losslab train PROJECT``: train headless, one line per epoch.

Exit status: 0 the run ended (completed, early-stopped, stopped by Ctrl-C/SIGTERM/SIGHUP, or diverged
with a good epoch kept) and the model was saved if asked; 1 the run failed or the model could not be
saved; 2 bad input or a problem ``losslab check`` reports; 128 + signal number when a signal arrived
before training started, or a second one aborted it."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from ..project import SUFFIX
from ..project_json import shorten
from .common import Out, UserError, check_project, lint as _lint, load_project as _load, plural as _plural

NAME = "train"
HELP = "train a project headless, one line per epoch"


def add_arguments(t) -> None:
    t.add_argument("project", help="a *.losslab.json project file")
    t.add_argument("--epochs", type=int, help="override training.epochs")
    t.add_argument("--seed", type=int, help="override training.seed")
    t.add_argument("--device", help="auto, cpu, cuda, cuda:N")
    t.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's choice)")
    t.add_argument("--json", action="store_true",
                   help="print a JSON summary on stdout, and everything else (the epoch log) on stderr, so "
                        "stdout can be piped into jq")
    t.add_argument("--quiet", action="store_true", help="no per-epoch lines")
    t.add_argument("--save-model", metavar="FILE", help="save the final weights (state dict) to FILE")
    t.add_argument("--no-store", action="store_true", help="do not record this run in the run store")
    t.add_argument("--from-run", metavar="RUN", help="start from a recorded run's final weights (fresh optimizer)")
    t.add_argument("--no-health", action="store_true", help="no per-node health probes (for side-by-side timing)")
    t.add_argument("--health-csv", metavar="FILE", help="write the per-node health series to FILE (CSV)")


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


def _save_target(args) -> Path | None:
    """Where ``--save-model`` writes, checked before training: an existing writable folder, and never the
    project file (or any ``*.losslab.json``), which a model zip would silently replace."""
    if not args.save_model:
        return None
    target = Path(args.save_model)
    if target.is_dir() or not target.parent.is_dir() or not os.access(target.parent, os.W_OK):
        raise UserError(f"--save-model {args.save_model}: cannot write there: give a file path in an existing, "
                        "writable folder")
    project_file = Path(args.project)
    same = target.exists() and project_file.exists() and os.path.samefile(target, project_file)
    if same or target.name.endswith(SUFFIX):
        raise UserError(f"--save-model {args.save_model}: that is "
                        f"{'the project file' if same else 'a project file name'}; the weights would overwrite "
                        "it: save the model to a .pt file")
    return target


def _health_csv_target(args) -> Path | None:
    """``--health-csv FILE``: checked before training (a file in an existing, writable folder)."""
    if not args.health_csv:
        return None
    if args.no_health:
        raise UserError("--health-csv needs the health probes: drop --no-health")
    target = Path(args.health_csv)
    if target.is_dir() or not target.parent.is_dir() or not os.access(target.parent, os.W_OK):
        raise UserError(f"--health-csv {args.health_csv}: cannot write there: give a file path in an existing, "
                        "writable folder")
    return target


def _write_health_csv(result, target: Path, out) -> None:
    from ..health import write_series_csv
    try:
        write_series_csv(target, result.health)
    except OSError as e:
        print(f"losslab train: could not write the health series to {target} ({e.strerror or e})", file=sys.stderr)
        return
    out(f"wrote {len(result.health)} health probes to {target}")


def _largest_weight(state: dict) -> float:
    import torch
    values = [v.abs().max() for v in state.values() if v.numel() and v.is_floating_point()]
    return float(torch.stack(values).max()) if values else 0.0


def _with_inputs(result, inputs: dict) -> bytes:
    """The run's weights with what they know about their inputs in the state dict's ``_metadata``
    (core.training.source_inputs): the keys stay exactly the network's, so a plain ``load_state_dict``
    of the file works."""
    import io

    import torch

    from ..training.source_inputs import with_inputs
    buf = io.BytesIO()
    torch.save(with_inputs(result.state_dict(), inputs), buf)
    return buf.getvalue()


def _save_model(result, target: Path, inputs: dict | None = None) -> str | None:
    """Save the weights atomically (with ``inputs``, what they know of their inputs); returns why they were not
    saved, or None."""
    from ..atomic_files import write_atomic
    if result.status == "diverged" and not result.best_epoch:
        big = _largest_weight(result.state_dict())
        return (f"not saved: the run diverged in its first epoch, so no epoch has weights worth keeping "
                f"(largest weight {big:.3g}); lower the learning rate and train again")
    try:
        data = _with_inputs(result, inputs) if inputs else result.weights
        write_atomic(target, lambda f: f.write(data))
    except (OSError, RuntimeError) as e:  # a full disk surfaces as RuntimeError from torch's zip writer
        cause = e.__cause__ or e.__context__ or e
        why = getattr(cause, "strerror", None) or str(e).splitlines()[0]
        return f"could not save the model to {target} ({why}); nothing was written, an older file there is unchanged"
    return None


def _failed(message: str):
    from ..training.events import RunResult
    return RunResult("failed", 0, None, None, [], 0, 0.0, 0.0, message)


def _print_pseudo_labels(result, out) -> None:
    """What pseudo-labelling did: the rows accepted in each round (``training.pseudo_labels``)."""
    from ..training.pseudo_labels import PseudoRound
    report = (result.state or {}).get("pseudo_labels")
    if report is None:
        return
    out(f"pseudo-labels: {report['labelled']:,} labelled and {report['unlabelled']:,} unlabelled training rows, "
        f"threshold {report['threshold']:g}" + ("" if report["rounds"] else "; no round ran"))
    for r in report["rounds"]:
        out("  " + PseudoRound(r["epoch"], r["accepted"], r["candidates"], r["correct"]).line())


def _report_end(result, dataset, out: Out) -> None:
    """The run's last lines: status, epochs, speed, best epoch, and the held-out test split's scores."""
    best = f", best epoch {result.best_epoch}" if result.best_epoch else ""
    out(f"{result.status}: {_plural(result.epochs_run, 'epoch')}, {_plural(result.steps, 'step')} in "
        f"{result.seconds:.1f}s ({result.steps_per_second:,.0f} steps/s){best}"
        + (f" - {result.message}" if result.message else ""))
    if result.test:
        first = {k: v for k, v in result.test.items() if "/" not in k}
        out(f"test ({dataset.x_test.shape[0]:,} held-out samples, final weights): loss {first.get('test_loss', float('nan')):.4f}  "
            + "  ".join(f"{k} {v:.4f}" for k, v in first.items() if k != "test_loss"))


def _save_and_say(result, target: Path | None, args, out: Out, inputs: dict | None = None) -> str | None:
    """Save the weights for ``--save-model``; returns why they were not saved (also on stderr), or None."""
    not_saved = None
    if target is not None and result.has_weights:
        not_saved = _save_model(result, target, inputs)
        if not_saved:
            print(f"losslab train: {not_saved}", file=sys.stderr)
        else:
            out(f"saved the model's weights to {args.save_model}")
    elif target is not None:
        not_saved = "not saved: the run failed before a model was built"
        print(f"losslab train: {not_saved}", file=sys.stderr)
    return not_saved


def run(args, out: Out) -> int:
    from ..training import TrainingControl, TrainingObserver, train
    from . import signals

    if args.threads is not None and args.threads < 1:
        raise UserError(f"--threads must be at least 1, received {args.threads}")
    if args.device:
        from ..training.setup import pick_device
        try:
            pick_device(args.device, "--device")
        except ValueError as e:
            raise UserError(str(e)) from None
    target = _save_target(args)
    health_csv = _health_csv_target(args)
    project, dataset = _load(args.project)
    control = TrainingControl()
    summary_out = out
    if args.json:   # stdout holds the JSON alone (`| jq` works); the log a person reads goes to stderr
        out = getattr(args, "log", None) or (lambda line: print(line, file=sys.stderr, flush=True))

    class Printer(TrainingObserver):
        def on_run_start(self, info):
            out(f"training {shorten(info.name, 80).strip(chr(34))}: {info.n_train:,} train / {info.n_val:,} val "
                f"samples, {_plural(info.n_params, 'parameter')}, {_plural(info.epochs, 'epoch')} x "
                f"{_plural(info.steps_per_epoch, 'step')} on {info.device} ({_plural(info.threads, 'thread')})")

        def on_epoch_end(self, r):
            if not args.quiet:
                val = "-" if r.val_loss is None else f"{r.val_loss:.4f}"
                out(f"epoch {r.epoch:>4}/{epochs}  train {r.train_loss:.4f}  val {val}  {_fmt_epoch_metrics(r)}  "
                    f"lr {r.lr:.3g}  {r.seconds:.2f}s")

        def on_findings(self, new, current):
            for f in new:
                out(f"! {f.kind} ({f.severity}): {f.message}")

    check, errors = check_project(project, dataset, args.device)
    if errors:  # the same refusals as `losslab check`: nothing that check rejects starts training
        raise UserError(f"{args.project}: {_plural(len(errors), 'problem')}, run `losslab check` for the full "
                        "report:\n" + "\n".join(f"  - {m}  [{w}]" for m, w in errors))
    for w in _lint(project, check, dataset):
        out(f"warning: {w.message}" + (f" -> {w.suggestion}" if w.suggestion else ""))
    epochs = args.epochs or project.training.epochs
    from .runs_hook import recorded, setup_from_run
    setup = setup_from_run(args, project, dataset, out)
    guard = signals.CURRENT or signals.SignalGuard()
    guard.training(lambda signum: control.stop())
    observer, recorder = recorded(Printer(), project, args, out)
    try:
        result = train(project, dataset=dataset, observer=observer, control=control, epochs=args.epochs,
                       seed=args.seed, device=args.device, threads=args.threads, setup=setup,
                       health=not args.no_health)
    except ValueError as e:  # device not available, graph problems
        raise UserError(f"{args.project}: {e}") from None
    except (RuntimeError, MemoryError) as e:  # torch could not set the run up (memory): a failed run, not a crash
        result = _failed(f"could not set up the run: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
    guard.finishing()
    _report_end(result, dataset, out)
    _print_pseudo_labels(result, out)
    from ..training.source_inputs import input_metadata   # a later project's check compares its own inputs
    not_saved = _save_and_say(result, target, args, out, input_metadata(dataset, project.data.normalize))
    if health_csv is not None:
        _write_health_csv(result, health_csv, out)
    if recorder is not None:
        out(f"run {recorder.run_id} recorded" + (f" ({recorder.error})" if recorder.error else ""))
    if args.json:
        summary = result.to_dict()
        if recorder is not None:
            summary["run_id"] = recorder.run_id
        if target is not None:
            summary["model_file"] = None if not_saved else str(target)
            summary["model_not_saved"] = not_saved
        if (result.state or {}).get("pseudo_labels") is not None:
            summary["pseudo_labels"] = result.state["pseudo_labels"]
        if guard.first is not None:
            summary["stopped_by"] = signals.NAMES.get(guard.first, str(guard.first))
        summary_out(json.dumps(summary))
    return 1 if result.status == "failed" or not_saved else 0
