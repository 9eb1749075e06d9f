"""``losslab drift REFERENCE NEW``: does NEW come from the same distribution as REFERENCE, feature by feature?"""
from __future__ import annotations

import json
from pathlib import Path

from .common import Out, UserError

NAME = "drift"
HELP = "compare two CSV files feature by feature (KS / chi-square / PSI) and give a verdict"


def add_arguments(c) -> None:
    c.add_argument("reference", help="the reference CSV (for example the training data)")
    c.add_argument("new", help="the new CSV (for example what the model sees in use)")
    c.add_argument("--project", metavar="P", help="a *.losslab.json: compare its input columns only, with its kinds "
                                                  "(without it: every numeric or categorical column but 'time' and "
                                                  "a column named like a target)")
    c.add_argument("--target", metavar="COL", help="without --project: the target column to leave out ('none' keeps "
                                                   "every column; default: a column named like a target, e.g. "
                                                   "target, label, class, y)")
    c.add_argument("--model", metavar="FILE", help="weights from losslab train --save-model (needs --project): "
                                                   "also compare the model's confidence/predictions")
    c.add_argument("--json", action="store_true", help="print {verdict, features} as JSON on the last line")


def run(args, out: Out) -> int:
    from ..data import DataError
    from ..data.csvfile import read_table
    from ..drift import compare, frame_from_table
    from ..project import ProjectError
    if args.model and not args.project:
        raise UserError("--model needs --project (the model's graph and its inputs come from the project)")
    try:
        ref_path, new_path = _path(args.reference, "REFERENCE"), _path(args.new, "NEW")
        ref_table = read_table(ref_path, args.reference)
        new_table = read_table(new_path, args.new)
        if args.project:
            report = _with_project(args, ref_table, new_table)
        else:
            ref = frame_from_table(ref_table)
            left_out = _left_out(ref.names, args, ref_table)
            ref = ref.select([n for n in ref.names if n not in left_out])
            missing = [n for n in ref.names if n not in new_table.columns]
            if missing:
                raise UserError(f"{args.new}: has no column {missing[0]!r}, which {args.reference} has; compare files "
                                "with the same columns")
            cats = {n for n, k in ref.kinds.items() if k == "categorical"}
            _same_kinds(ref, new_table, args.new)
            report = compare(ref, frame_from_table(new_table, ref.names, cats))
            report.compared = _compared(ref.names, left_out, args) + _ignored(
                [c for c in new_table.columns if c not in ref_table.columns], f"only in {args.new}")
    except (DataError, ProjectError) as e:
        raise UserError(str(e)) from None
    if not report.features:
        raise UserError(f"{args.reference}: no numeric or categorical column to compare")
    for line in report.lines():
        out(line)
    if report.verdict != "stable" and report.reliance is None:
        out("note: give --project and --model to weigh the drifted features by how much the model relies on them")
    if args.json:
        d = report.to_dict()
        if report.output is not None:
            d["output"] = report.output
        out(json.dumps(d))
    return 0


TIME = "time"  # as in monitor: a column of this name is the rows' time order
# column names that say "the target" (lower case, exact); the bundled data sets' targets are added below
TARGET_NAMES = {"target", "label", "labels", "class", "y", "outcome", "response", "ground_truth", "truth"}
TARGET_AFFIXES = ("target_", "label_", "_target", "_label", "_class")


def _target_like(names: list[str]) -> list[str]:
    """Columns named like a target: the usual names, ``*_label``/``target_*``..., a bundled data set's target."""
    from ..data.registry import DATASETS
    known = TARGET_NAMES | {t.lower() for e in DATASETS.values() for t in e.default_targets}
    return [n for n in names if n.lower() in known
            or any(n.lower().startswith(a) if a.endswith("_") else n.lower().endswith(a) for a in TARGET_AFFIXES)]


def _left_out(names: list[str], args, table) -> dict[str, str]:
    """Columns not compared, and why: ``time`` orders the rows; the target is what the model predicts."""
    out = {}
    if TIME in names:  # the rows' order, not a feature: it always "drifts" (monitor's rule too)
        out[TIME] = "orders the rows"
    if args.target and args.target.lower() != "none":
        if args.target not in names:
            raise UserError(f"--target {args.target!r}: {args.reference} has no such column; its columns: "
                            f"{', '.join(table.header)}")
        out[args.target] = "the target (--target)"
    elif not args.target:
        for n in _target_like([n for n in names if n != TIME]):
            out[n] = "named like a target; --target none keeps it"
    if all(n in out for n in names) and any(n != TIME for n in out):
        raise UserError(f"{args.reference}: no column left to compare once {', '.join(map(repr, out))} are left "
                        "out; give --target none to compare them")
    return out


def _compared(names: list[str], left_out: dict[str, str], args) -> str:
    shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    text = f"{len(names)} column{'s' if len(names) != 1 else ''} of {args.reference} and {args.new} ({shown})"
    if left_out:
        text += "; left out: " + "; ".join(f"{n!r} ({why})" for n, why in left_out.items())
    return text + "; --project compares exactly a project's inputs"


def _path(p: str, role: str):
    """The file of argument ``role`` (REFERENCE or NEW); a missing one is named as that argument."""
    from ..data import DataError
    from ..data.loader import data_file_path
    try:
        path = data_file_path(p, None)
    except DataError as e:
        raise UserError(f"{role} {p}: {e.message}") from None
    if not path.exists():
        raise UserError(f"{role} {p}: file not found (a relative path starts at the current folder, {Path.cwd()})")
    return path


def _same_kinds(ref, table, shown: str) -> None:
    for n, kind in ref.kinds.items():
        if kind == "numeric" and not table.columns[n].is_numeric:
            raise UserError(f"{shown} column {n!r}: holds text where the reference has numbers")


def _with_project(args, ref_table, new_table):
    from ..drift.deployment import DeploymentSet, drift_report, from_table
    from ..drift.reference import project_reference
    from ..project import Project
    project = Project.load(args.project)
    ref = project_reference(project)
    # the REFERENCE file, read with the project's columns and kinds, replaces the training split
    ref.frame = ref.new_frame(ref_table)
    new: DeploymentSet = from_table(ref, new_table)
    scorer = None
    if args.model:
        from ..drift.scoring import ModelFileError, Scorer
        try:
            scorer = Scorer(project, ref.dataset, args.model)
        except ModelFileError as e:
            raise UserError(str(e)) from None
    rep = drift_report(ref, new, scorer)
    rep.compared = (f"the {len(ref.names)} input columns of {args.project} "
                    f"({', '.join(ref.names[:8])}{', ...' if len(ref.names) > 8 else ''}), not its targets"
                    + _ignored(list(new.ignored), "not inputs of the project"))
    return rep


def _ignored(names: list[str], why: str) -> str:
    """"; ignored: 2 columns only in new.csv (region, note)" — never dropped without a word."""
    if not names:
        return ""
    shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    return f"; ignored: {len(names)} column{'s' if len(names) != 1 else ''} {why} ({shown})"
