"""``losslab errors PROJECT [--run RUN | --model WEIGHTS] [--split S] [--suspects [--folds K]] [--json]``:
the errors behind the loss, per class and per sample.

Per-class precision, recall, F1 and support and the confusion matrix of a trained model on a split
(validation by default); for a regression head, the residuals by target range and the largest errors.
``--suspects`` also searches the training split for suspect labels: K-fold cross-validated training
of the same project, then confident learning (``cleanlab.filter.find_label_issues``). Exit 0, or 2 for
bad input (no trained model, weights of another network, a regression project asked for suspects)."""
from __future__ import annotations

import json

from .common import Out, UserError, load_project, plural

NAME = "errors"
HELP = "per-class precision/recall/F1, the confusion matrix and suspect labels of a trained model"


def add_arguments(p) -> None:
    p.add_argument("project", help="a *.losslab.json project file")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--run", metavar="RUN", help="a run from the run store: its final weights")
    src.add_argument("--model", metavar="WEIGHTS",
                     help="trained weights (a state dict from `losslab train --save-model`)")
    p.add_argument("--split", choices=("val", "test", "train"), default="val",
                   help="the split to look at (default: val, the validation split)")
    p.add_argument("--suspects", action="store_true",
                   help="also search the training split for suspect labels (trains the project K times)")
    p.add_argument("--folds", type=int, default=5, metavar="K",
                   help="cross-validation folds for --suspects (default 5; each fold is one training)")
    p.add_argument("--top", type=int, default=20, metavar="N", help="suspects and worst samples to print (default 20)")
    p.add_argument("--json", action="store_true",
                   help='print {"heads": [{"name", "classes", "per_class", "confusion", "suspects"}]} as the last line')


def _model(args, project, dataset):
    from .export import _from_run, _load_model
    if args.run:
        state, _history = _from_run(args.run)
        if state is None:
            raise UserError(f"--run {args.run}: the run kept no weights (it failed or was stopped before its first "
                            "epoch); pick another run (`losslab runs`)")
        return _load_model(project, dataset, "", f"--run {args.run}", state)
    if args.model:
        return _load_model(project, dataset, args.model, f"--model {args.model}")
    raise UserError(f"{args.project}: no trained model given: pass --run RUN (a run of `losslab runs`) or --model "
                    "WEIGHTS (from `losslab train PROJECT --save-model WEIGHTS`)")


def _table(out: Out, header: tuple, rows: list[tuple]) -> None:
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    for r in [header] + rows:
        out("  " + "  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths))))


def _print_classes(out: Out, h) -> None:
    _table(out, ("class", "precision", "recall", "f1", "support"),
           [(c.name, f"{c.precision:.3f}", f"{c.recall:.3f}", f"{c.f1:.3f}", c.support) for c in h.per_class])
    out("confusion matrix (rows: the given class, columns: the predicted class)")
    names = h.predictions.classes
    _table(out, ("",) + tuple(names), [(n,) + tuple(int(v) for v in row) for n, row in zip(names, h.confusion)])


def _print_suspects(out: Out, s, top: int) -> None:
    out(f"suspect labels of the training split ({s.folds}-fold cross-validated training, {s.seconds:.0f} s): "
        f"{len(s.suspects)} of {plural(s.n, 'sample')} ({100 * s.share:.1f}%), most suspect first")
    if s.suspects:
        ids = s.suspect_ids()
        head = {"path": "file", "row": "row"}.get(s.id_key, "sample")
        _table(out, (head, "given", "suggested", "p(given)", "p(suggested)"),
               [(ids[k], s.classes[x.given], s.classes[x.suggested], f"{x.p_given:.3f}", f"{x.p_suggested:.3f}")
                for k, x in enumerate(s.suspects[:top])])
        out("leave them out of training with data.exclude (the Errors tab writes a copy of the project that does)")


def _print_residuals(out: Out, h, top: int) -> None:
    r = h.residuals
    out(f"MAE {r.mae:.4g}, RMSE {r.rmse:.4g}; residual = predicted - given, by target range:")
    _table(out, ("target from", "to", "samples", "mean residual", "mean |residual|"),
           [(f"{x['low']:.4g}", f"{x['high']:.4g}", x["count"], f"{x['mean_residual']:+.4g}", f"{x['mean_abs']:.4g}")
            for x in r.ranges])
    out("largest errors:")
    _table(out, ("row", "given", "predicted", "residual"),
           [(int(i), f"{h.predictions.labels[i, 0]:.4g}", f"{h.predictions.predicted[i, 0]:.4g}",
             f"{r.residuals[i]:+.4g}") for i in r.worst[:top]])


def run(args, out: Out) -> int:
    from ..evaluation import EvaluationError, analyze, find_suspects
    if args.top < 1:
        raise UserError(f"--top must be at least 1, received {args.top}")
    project, dataset = load_project(args.project)
    model = _model(args, project, dataset)
    try:
        report = analyze(project, dataset, model, args.split)
        if args.suspects:
            report.attach_suspects(find_suspects(project, dataset, folds=args.folds))
    except EvaluationError as e:
        raise UserError(f"{args.project}: {e}") from None
    for h in report.heads:
        p = h.predictions
        what = f"accuracy {100 * h.accuracy:.1f}%, " if h.is_classification else ""
        out(f"{project.name or args.project}: head {h.name} ({p.target}), {args.split} split, "
            f"{plural(p.n, 'sample')}: {what}mean loss {p.loss.mean():.4g}")
        if h.is_classification:
            _print_classes(out, h)
            if h.suspects is not None:
                _print_suspects(out, h.suspects, args.top)
        else:
            _print_residuals(out, h, args.top)
    if args.json:
        out(json.dumps(report.to_dict(suspects=args.top)))
    return 0
