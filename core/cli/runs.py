"""``losslab runs [list|show RUN|export RUN [--format json|csv]|delete RUN]``: the run store headless."""
from __future__ import annotations

import csv
import io
import json
import time

from .common import Out, UserError

NAME = "runs"
HELP = "list, show, export or delete the recorded runs"


def add_arguments(p) -> None:
    p.add_argument("action", nargs="?", default="list", choices=("list", "show", "export", "delete"),
                   help="list (default), show RUN, export RUN, delete RUN")
    p.add_argument("run", nargs="?", help="a run id (or a unique start of one)")
    p.add_argument("--format", choices=("json", "csv"), default="json",
                   help="export: json (the default: everything but the weights) or csv (one row per epoch, "
                        "with a column per head and figure for a multi-head run)")
    p.add_argument("--study", help="list: only the runs of this study")
    p.add_argument("--limit", type=int, help="list: at most this many, newest first (a positive number; "
                                               "default: all)")
    p.add_argument("--json", action="store_true", help="list/show: JSON instead of text")


def _store():
    from ..runs import StoreError, open_store
    try:
        return open_store()
    except StoreError as e:
        raise UserError(str(e)) from None


def _when(t: float | None) -> str:
    return "-" if t is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))   # seconds, as the window


def _f(v, fmt: str = ".4f") -> str:
    return "-" if v is None else format(v, fmt)


def run(args, out: Out) -> int:
    if args.action == "list" and args.run:
        raise UserError(f"`losslab runs list` takes no run id (received {args.run!r}): "
                        "`losslab runs show RUN` shows one run")
    if args.limit is not None and args.limit < 1:
        raise UserError(f"--limit must be 1 or more, received {args.limit} (leave it out to list all runs)")
    if args.action != "list" and not args.run:
        raise UserError(f"`losslab runs {args.action}` needs a run id: `losslab runs list` shows them")
    with _store() as store:
        if args.action == "list":
            return _list(store, args, out)
        try:
            run_id = store.resolve(args.run)
        except KeyError as e:
            raise UserError(e.args[0]) from None
        if args.action == "delete":
            store.delete(run_id)
            out(f"deleted run {run_id}")
            return 0
        rec = store.get(run_id)
        if args.action == "show":
            if args.json:
                out(json.dumps(record_json(rec)))
            else:
                _show(rec, out)
            return 0
        if args.format == "json":
            out(json.dumps(record_json(rec), indent=1))
        else:
            out(history_csv(rec.history).rstrip("\n"))
        return 0


def _list(store, args, out: Out) -> int:
    runs = store.list(study=args.study, limit=args.limit)
    if args.json:
        out(json.dumps([r.__dict__ for r in runs]))
        return 0
    if not runs:
        if args.study is not None and store.list(limit=1):
            out(f"no runs match --study {args.study} in {store.path} (`losslab runs list` shows all runs)")
        else:
            out(f"no runs recorded yet in {store.path}")
        return 0
    w = max(4, *(len(r.name) for r in runs))       # whole names: two trials differ only by their end
    out(f"{'id':<22} {'name':<{w}} {'seed':>4} {'started':<19} {'data':<10} {'status':<13} {'epochs':>6} "
        f"{'best val':>9} {'@ep':>4} {'metric':>8} {'time':>7}")
    for r in runs:
        seed = "-" if r.seed is None else str(r.seed)
        out(f"{r.id:<22} {r.name:<{w}} {seed:>4} {_when(r.started):<19} {r.dataset[:10]:<10} {r.status:<13} "
            f"{r.epochs:>6} {_f(r.best_val_loss):>9} {r.best_epoch or '-':>4} {_f(r.metric_value):>8} "
            f"{_f(r.seconds, '.1f'):>6}s")
    out(f"{len(runs)} run{'s' if len(runs) != 1 else ''} in {store.path}")
    return 0


def _show(rec, out: Out) -> None:
    out(f"run {rec.id}: {rec.name} ({rec.status})" + (f" - {rec.message}" if rec.message else ""))
    out(f"  project {rec.project_name}, data {rec.dataset}, seed {rec.seed}")
    out(f"  started {_when(rec.started)}, ended {_when(rec.ended)}, {_f(rec.seconds, '.1f')}s, "
        f"{rec.epochs} epochs, {rec.steps} steps")
    out(f"  final train loss {_f(rec.final_train_loss)}, val loss {_f(rec.final_val_loss)}; best val loss "
        f"{_f(rec.best_val_loss)} at epoch {rec.best_epoch or '-'}"
        + (f"; {rec.metric_name} {_f(rec.metric_value)}" if rec.metric_name else ""))
    if rec.test:
        out("  test: " + "  ".join(f"{k} {_f(v)}" for k, v in rec.test.items()))
    env = rec.env
    out(f"  LossLab {env.get('losslab')}, torch {env.get('torch')}, Python {env.get('python')}, "
        f"{env.get('device', '?')} x {env.get('threads', '?')} threads")
    if rec.study:
        out(f"  study {rec.study}: {json.dumps(rec.setting)}")
    if rec.tags:
        out(f"  tags: {', '.join(rec.tags)}")
    for f in rec.findings:
        out(f"  ! {f.get('kind')} ({f.get('severity')}): {f.get('message')}")
    if rec.weights:
        out("  weights: " + ", ".join(f"{k} {v}" for k, v in rec.weights.items()))


def record_json(rec) -> dict:
    d = {k: v for k, v in rec.__dict__.items() if k not in ("step_index", "step_loss")}
    d["steps_series"] = {"step": rec.step_index.tolist(),
                         "loss": [v if v == v and abs(v) != float("inf") else None for v in rec.step_loss.tolist()]}
    return d


def _flat(h: dict) -> dict:
    """One epoch as CSV cells: a multi-head run's per-head figures as ``HEAD.train_loss`` etc."""
    d = {k: v for k, v in h.items() if k != "heads"}
    for head, figures in (h.get("heads") or {}).items():
        d.update({f"{head}.{k}": v for k, v in figures.items()})
    return d


def history_csv(history: list[dict]) -> str:
    rows = [_flat(h) for h in history]
    keys: list[str] = []
    for d in rows:
        keys.extend(k for k in d if k not in keys)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=keys, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for d in rows:
        w.writerow({k: ("" if d.get(k) is None else d.get(k)) for k in keys})
    return buf.getvalue()
