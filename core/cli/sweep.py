"""``losslab sweep PROJECT --vary KNOB=V1,V2 [--vary KNOB2=...]`` or ``--preset neural-net-loss``.

Everything is checked before the first trial (exit 2 for a bad knob, value or project); progress goes
to stderr, the table to stdout (with ``--format json`` the last line is one JSON object). Ctrl-C
cancels cleanly: queued trials never start, running ones stop, the partial table is printed (exit 130).
"""
from __future__ import annotations

import json
import signal
import sys

from .common import Out, UserError, load_project

NAME = "sweep"
HELP = "study how one or two knobs change the loss, over several seeds (local processes or Ray)"


def add_arguments(p) -> None:
    p.add_argument("project", help="a *.losslab.json project file")
    p.add_argument("--vary", action="append", default=[], metavar="KNOB=V1,V2,...",
                   help="a knob and its values (one or two --vary): data_size, activation, lr, optimizer, l1, l2, "
                        "regularization, dropout, depth, width, batch_size, epochs, loss, or a JSON path such as "
                        "training.optimizer.params.weight_decay (every optimizer has it)")
    p.add_argument("--preset", choices=("neural-net-loss",), help="run the eight studies of 'Neural Net Loss'")
    p.add_argument("--seeds", type=int, default=3, help="seeds per setting (default 3)")
    p.add_argument("--workers", type=int, help="parallel trials (default: one per core)")
    p.add_argument("--backend", choices=("local", "ray"), default="local",
                   help="local worker processes (default) or Ray (pip install 'losslab[ray]')")
    p.add_argument("--address", help="Ray cluster address (ray://HOST:10001 or auto); default: a local Ray")
    p.add_argument("--epochs", type=int, help="override training.epochs for every trial")
    p.add_argument("--format", choices=("table", "csv", "md", "json"), default="table")
    p.add_argument("--no-store", action="store_true", help="do not record the trials in the run store")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def _plans(args, project, dataset):
    from ..studies import KnobError, StudyError, StudySpec, plan_study, preset_studies
    from ..studies.knobs import parse_vary
    if args.preset and args.vary:
        raise UserError("give --vary or --preset, not both")
    if not args.preset and not args.vary:
        raise UserError("nothing to vary: give --vary KNOB=V1,V2,... (e.g. --vary lr=0.001,0.01,0.1) or "
                        "--preset neural-net-loss")
    if args.seeds < 1:
        raise UserError(f"--seeds must be at least 1, received {args.seeds}")
    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers must be at least 1, received {args.workers}")
    try:
        if args.preset:
            studies = [(title, vary) for title, vary, _ in preset_studies(args.preset, project, dataset) if vary]
            skipped = [(title, why) for title, vary, why in preset_studies(args.preset, project, dataset) if not vary]
        else:
            vary: dict[str, list] = {}
            for text in args.vary:
                k, values = parse_vary(text)
                if k.name in vary:
                    raise UserError(f"--vary {k.name} is given twice")
                vary[k.name] = values
            studies, skipped = [("", vary)], []
        plans = [(title, plan_study(project, StudySpec.from_vary(vary, args.seeds, args.epochs), dataset=dataset))
                 for title, vary in studies]
    except (KnobError, StudyError) as e:
        raise UserError(str(e)) from None
    return plans, skipped


def run(args, out: Out) -> int:
    from ..graph import check_graph
    from ..studies import ExecutorError, StudyRunner, make_executor, summarize
    from ..studies.study import Plan

    project, dataset = load_project(args.project)
    check = check_graph(project, dataset.input_shape, dataset.targets)
    if not check.ok:
        first = next(p for p in check.problems if p.severity == "error")
        raise UserError(f"{args.project}: the model does not check: {first.message} (`losslab check` shows all)")
    plans, skipped = _plans(args, project, dataset)
    store, store_dir = _store(args)
    tasks = []
    for _, plan in plans:
        for t in plan.tasks:
            t.index, t.store_dir = len(tasks), store_dir
            tasks.append(t)
    merged = Plan(plans[0][1].study, plans[0][1].spec, tasks, {k: v for _, p in plans for k, v in p.datasets.items()})
    try:
        executor = make_executor(args.backend, workers=args.workers, address=args.address, n_trials=len(tasks))
    except ExecutorError as e:
        raise UserError(str(e)) from None
    runner = StudyRunner(merged, executor, store)
    log = (lambda s: None) if args.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    log(f"{len(tasks)} trials ({len(plans)} stud{'y' if len(plans) == 1 else 'ies'}) on {executor.name}: "
        f"{executor.workers} worker(s) x {executor.threads} torch thread(s)")
    for title, why in skipped:
        log(f"skipped {title}: {why}")
    previous = signal.getsignal(signal.SIGINT)

    def on_sigint(signum, frame):
        log("cancelling: queued trials will not start, running ones stop...")
        runner.cancel()

    signal.signal(signal.SIGINT, on_sigint)
    try:
        outcomes = runner.run(lambda p: log(p.line()))
    finally:
        signal.signal(signal.SIGINT, previous)
        if store is not None:
            store.close()
    results = []
    for title, plan in plans:
        ids = {t.index for t in plan.tasks}
        results.append((title, summarize(plan.study, [k.name for k in plan.spec.knobs], plan.spec.settings(),
                                         [o for o in outcomes if o["index"] in ids])))
    _print(args.format, results, out, bool(args.preset))
    if runner.cancelled:
        return 130
    return 0 if any(o["status"] not in ("failed", "cancelled") for o in outcomes) else 1


def _store(args):
    from .runs_hook import store_or_none
    store = store_or_none(args, "the trials")
    return store, (None if store is None else str(store.dir))


def _print(fmt: str, results, out: Out, preset: bool) -> None:
    from ..studies.report import FORMATS
    from ..studies.results import sentence
    if fmt == "json":
        if preset:
            out(json.dumps({"preset": "neural-net-loss",
                            "studies": [{"title": t, **r.to_json()} for t, r in results]}, allow_nan=False))
        else:
            out(FORMATS["json"](results[0][1]))
        return
    for i, (title, r) in enumerate(results):
        if preset:
            out(("" if i == 0 else "\n") + (f"## {title}" if fmt == "md" else f"== {title} =="))
        out(FORMATS[fmt](r).rstrip("\n"))
        if fmt == "table":
            out(sentence(r))
