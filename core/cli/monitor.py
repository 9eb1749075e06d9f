"""``losslab monitor PROJECT NEW.csv --model FILE``: replay a time-ordered file through a trained model."""
from __future__ import annotations

import json

from .common import Out, UserError

NAME = "monitor"
HELP = "replay a time-ordered CSV through a trained model in windows: drift, loss, findings"


def add_arguments(c) -> None:
    c.add_argument("project", help="a *.losslab.json project file (its training split is the reference)")
    c.add_argument("new", help="the deployment CSV, rows in time order (or a 'time' column)")
    c.add_argument("--model", metavar="FILE", help="weights from losslab train --save-model")
    c.add_argument("--window", type=int, default=100, help="rows per window (default 100)")
    c.add_argument("--json", action="store_true", help="print {windows, findings} as JSON on the last line")


def _fmt(v, spec: str = ".3f") -> str:
    return "-" if v is None else format(v, spec)


def run(args, out: Out) -> int:
    from ..data import DataError
    from ..drift.deployment import from_table, run_monitor
    from ..drift.reference import project_reference, read_new
    from ..drift.scoring import ModelFileError, Scorer
    from ..project import Project, ProjectError
    if args.window < 10:
        raise UserError(f"--window must be at least 10 rows, received {args.window}")
    from pathlib import Path
    if not Path(args.new).expanduser().exists():
        raise UserError(f"NEW {args.new}: file not found (a relative path starts at the current folder, {Path.cwd()})")
    try:
        project = Project.load(args.project)
        ref = project_reference(project)
        new = from_table(ref, read_new(args.new))
        scorer = Scorer(project, ref.dataset, args.model) if args.model else None
    except (DataError, ProjectError, ModelFileError) as e:
        raise UserError(str(e)) from None
    except ValueError as e:  # the graph does not build for this data
        raise UserError(f"{args.project}: {e}") from None
    if new.frame.n < args.window:
        n = new.frame.n
        raise UserError(f"{args.new}: {n} row{'s' if n != 1 else ''}, fewer than one window of {args.window}; "
                        "lower --window")
    result = run_monitor(ref, scorer, new, args.window)
    target = next(iter(ref.dataset.targets))
    if scorer is None:
        out("no --model: input drift only (give --model FILE for loss, metric and confidence)")
    elif not result.has_target:
        out(f"{args.new} has no target column {target!r}: drift and confidence only, no loss or {scorer.metric_name}")
    for note in new.report.notes():
        out(f"note: {note}")
    if result.has_target and not new.usable.all():
        n = int((~new.usable).sum())
        out(f"note: {n:,} row{'s' if n != 1 else ''} without a usable {target!r} (missing, or a class the model never "
            "saw) left out of the loss")
    m = result.metric_name
    if result.validation:
        band = result.band
        low = band[m][1] if m == "accuracy" else band[m][2]
        out(f"validation: loss {result.validation[0]:.3f} (a window of {args.window} rows: up to "
            f"{band['loss'][2]:.3f}), "
            f"{m} {result.validation[1]:.3f} (a window: {'down to' if m == 'accuracy' else 'up to'} {low:.3f})")
    if result.reliance is not None:
        rel = result.reliance
        out("the model's reliance (validation loss rise when a feature is shuffled): "
            + ", ".join(f"{n} {rel.shares[n]:.0%}" for n in rel.ranked()[:6]))
    n_feat = len(result.windows[0].statistics) if result.windows else 0
    out(f"a feature drifts in a window when its p-value, corrected for {n_feat} features and {len(result.windows)} "
        f"windows, is under {result.window_alpha * len(result.windows):g} and its PSI >= 0.1 (an unchanged stream "
        f"lists none in any window 99% of the time)")
    out(f"{'window':>6} {'rows':>13} {'loss':>7} {m:>8} {'drift':>6} {'conf':>6}  drifted features")
    dated = False
    for w in result.windows:
        names = [f"{n}*" if n in w.followed_features else n for n in w.drifted_features]
        dated = dated or bool(w.followed_features)
        out(f"{w.index:>6} {f'{w.start_row}-{w.end_row}':>13} {_fmt(w.loss):>7} {_fmt(w.metric):>8} "
            f"{w.drift_share:>6.0%} {_fmt(w.confidence, '.2f'):>6}  {', '.join(names[:6])}"
            + (f" +{len(names) - 6}" if len(names) > 6 else ""))
    if dated:
        out("* once a drift is confirmed: its features drifting at the 5% level (corrected for those features "
            "only), where it starts and where they move")
    if scorer is not None and result.has_target:
        from ..drift.deployment import compare_with_validation
        overall = compare_with_validation(scorer, new)
        if overall:
            out(f"overall: {overall['message']}")
    words = {"stable": "stable", "features_drifted": "features drifted", "dataset_drifted": "data set drifted"}
    out(f"verdict: {words[result.verdict()]}")
    if not result.findings:
        out("findings: none (no feature drifted two windows in a row, no decline beyond validation noise)")
    for f in result.findings:
        out(f"! {f.kind}: {f.message}")
    if args.json:
        out(json.dumps(result.to_dict()))
    return 0
