"""``losslab sweep PROJECT --vary KNOB=V1,V2 [--vary KNOB2=...]``, ``--preset neural-net-loss`` or
``--learning-curve [--sizes F1,F2,...]`` (the data-size study with a power-law fit and a forecast).

The studies are planned and run by the one study driver the window uses too (:mod:`core.studies.driver`:
a :class:`StudyRequest` from the arguments, :func:`plan_request`, :class:`StudyDriver`), so the tables
are the window's.

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
#: core.studies.preset.PRESETS but the learning curve (--learning-curve); spelled out because importing the
#: studies package costs most of a second on every command (a test keeps the two lists the same)
STUDY_PRESETS = ("neural-net-loss", "small-data")


def add_arguments(p) -> None:
    p.add_argument("project", help="a *.losslab.json project file")
    p.add_argument("--vary", action="append", default=[], metavar="KNOB=V1,V2,...",
                   help="a knob and its values (one or two --vary): data_size, activation, lr, optimizer, l1, l2, "
                        "regularization, dropout, depth, width, batch_size, epochs, loss, or a JSON path such as "
                        "training.optimizer.params.weight_decay (every optimizer has it)")
    p.add_argument("--preset", choices=STUDY_PRESETS,
                   help="neural-net-loss: the nine studies (eight questions) of 'Neural Net Loss'; small-data: scratch "
                        "against augmentation, transfer and pseudo-labels (those that apply), each against scratch")
    p.add_argument("--learning-curve", action="store_true",
                   help="train on log-spaced shares of the training split (stratified, --seeds each), fit "
                        "loss = a*n^-b + c and forecast the loss at the full split, 2x and 10x the data")
    p.add_argument("--sizes", metavar="F1,F2,...",
                   help="with --learning-curve: the shares of the training split (at least 5; default 6 log-spaced)")
    p.add_argument("--budget", choices=("steps", "epochs"), default="steps",
                   help="with --learning-curve: each size takes the full split's optimisation steps and is scored "
                        "at its lowest validation loss (steps, the default) or trains for the project's epochs and "
                        "is scored at its end (epochs: cheaper, small sizes undertrained)")
    p.add_argument("--seeds", type=int, default=3, help="seeds per setting (default 3)")
    p.add_argument("--workers", type=int, help="parallel trials (default: one per core)")
    p.add_argument("--backend", choices=("local", "ray"), default="local",
                   help="local worker processes (default) or Ray (pip install 'losslab[ray]')")
    p.add_argument("--address", help="Ray cluster address (ray://HOST:10001 or auto); default: a local Ray")
    p.add_argument("--epochs", type=int, help="override training.epochs for every trial")
    p.add_argument("--tune-lr", choices=("grid", "finder"), default="",
                   help="each setting at its own learning rate, the fair way to compare optimizers (SGD needs a far "
                        "higher rate than Adam): 'grid' tries every setting at lr 0.001, 0.01, 0.1 and 1 and keeps "
                        "its best (4x the trials); 'finder' lets each trial pick its rate with a short LR-finder run "
                        "(cheaper, but its valley rule is cautious with SGD). The preset runs its optimizer study "
                        "both at one rate and with the grid")
    p.add_argument("--format", choices=("table", "csv", "md", "json"), default="table")
    p.add_argument("--no-store", action="store_true", help="do not record the trials in the run store")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def _vary(args) -> dict[str, list]:
    from ..studies.knobs import parse_vary
    vary: dict[str, list] = {}
    for text in args.vary:
        k, values = parse_vary(text)
        if k.name in vary:
            raise UserError(f"--vary {k.name} is given twice")
        vary[k.name] = values
    return vary


def _request(args):
    """The study the arguments ask for (checked by the driver: a clear message for a bad combination)."""
    from ..studies import StudyRequest
    if args.sizes and not args.learning_curve:
        raise UserError("--sizes goes with --learning-curve (to vary the data size in a plain study: "
                        "--vary data_size=0.1,0.5,1)")
    if args.learning_curve and (args.preset or args.vary):
        raise UserError("give --learning-curve alone: it varies the data size itself (not with --vary or --preset)")
    if args.preset and args.vary:
        raise UserError("give --vary or --preset, not both")
    if not args.learning_curve and not args.preset and not args.vary:
        raise UserError("nothing to vary: give --vary KNOB=V1,V2,... (e.g. --vary lr=0.001,0.01,0.1), "
                        "--preset neural-net-loss|small-data or --learning-curve")
    if args.seeds < 1:
        raise UserError(f"--seeds must be at least 1, received {args.seeds}")
    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers must be at least 1, received {args.workers}")
    sizes = tuple(v.strip() for v in args.sizes.split(",") if v.strip()) if args.sizes else None
    return StudyRequest(vary=_vary(args) if args.vary else None, preset=args.preset,
                        learning_curve=args.learning_curve, sizes=sizes, seeds=args.seeds, epochs=args.epochs,
                        tune_lr=args.tune_lr, budget=args.budget)


def _batch(args, project, dataset):
    from ..studies import KnobError, StudyError, plan_request
    try:
        return plan_request(project, _request(args), dataset)
    except (KnobError, StudyError) as e:
        raise UserError(f"--sizes: {e}" if args.sizes and "data_size" in str(e) else str(e)) from None


def _printed_state(log, n_trials: int, n_studies: int):
    """The study's task state for a terminal: what the study reports is printed at once (stderr), on
    the thread that runs it, so there is no queue to drain."""
    from ..tasks import TaskState

    class Printed(TaskState):
        def report(self, kind: str, payload=None) -> None:
            _log_report(log, kind, payload, n_trials, n_studies)
    return Printed()


def _log_report(log, kind: str, payload, n_trials: int, n_studies: int) -> None:
    if kind == "progress":
        log(payload.line())
    elif kind == "started":
        log(f"{n_trials} trials ({n_studies} stud{'y' if n_studies == 1 else 'ies'}) on {payload}")
    elif kind == "warning":
        log(f"losslab sweep: {payload}")


def run(args, out: Out) -> int:
    from ..graph import check_graph
    from ..studies import Backend, ExecutorError, StudyDriver

    project, dataset = load_project(args.project)
    check = check_graph(project, dataset.input_shape, dataset.targets)
    if not check.ok:
        first = next(p for p in check.problems if p.severity == "error")
        raise UserError(f"{args.project}: the model does not check: {first.message} (`losslab check` shows all)")
    batch = _batch(args, project, dataset)
    log = (lambda s: None) if args.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    state = _printed_state(log, len(batch.tasks), len(batch.plans))
    for title, why in batch.skipped:
        log(f"skipped {title}: {why}")
    driver = StudyDriver(batch, Backend(args.backend, args.workers, args.address, record=not args.no_store))
    previous = signal.getsignal(signal.SIGINT)

    def on_sigint(signum, frame):
        log("cancelling: queued trials will not start, running ones stop...")
        state.cancel()

    signal.signal(signal.SIGINT, on_sigint)
    try:
        driver.run(state=state)
    except ExecutorError as e:
        raise UserError(str(e)) from None
    finally:
        signal.signal(signal.SIGINT, previous)
    if driver.is_learning_curve:
        _print_learning_curve(args.format, driver, out)
    else:
        _print(args.format, driver.tables(), out, args.preset or "")
    if state.is_cancelled():
        return 130
    return 0 if driver.any_finished() else 1


def _print(fmt: str, results, out: Out, preset: str) -> None:
    from ..studies import sentence
    from ..studies.report import FORMATS
    if fmt == "json":
        if preset:
            out(json.dumps({"preset": preset,
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


def _print_learning_curve(fmt: str, driver, out: Out) -> None:
    from ..studies.learning_curve import SCORE_WORDS, curve_score
    from ..studies.report import FORMATS
    curve = driver.learning_curve()
    table = driver.table(0)
    score = curve_score(table.score, getattr(driver.batch, "budget", None))
    if fmt == "json":
        out(json.dumps({"learning_curve": {**curve.to_json(), "score": score}}, allow_nan=False))
        return
    out(FORMATS[fmt](table).rstrip("\n"))
    if fmt == "csv":     # the table alone stays a CSV file; the curve is in --format json
        return
    out("")
    out(f"learning curve of the {SCORE_WORDS[score]} (mean ± sd over seeds):")
    for p in curve.points:
        out(f"  {p.n:>9,} samples ({p.fraction:g}): {p.mean:.4g} ± {p.sd:.2g}")
    out("forecast:" if curve.forecast else "forecast: none")
    for f in curve.forecast:
        out(f"  {f.n:>9,} samples ({f.label}): {f.loss:.4g} ({f.low:.4g}-{f.high:.4g})")
    out(curve.sentence)
