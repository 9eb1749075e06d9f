"""``losslab check PROJECT``: each node's output shape and parameter count, and every problem."""
from __future__ import annotations

from .common import Out, check_project, fmt_shape as _fmt_shape, lint as _lint, load_project as _load, plural as _plural

NAME = "check"
HELP = "print each node's output shape and parameter count, and every problem"


def add_arguments(c) -> None:
    c.add_argument("project", help="a *.losslab.json project file")


def run(args, out: Out) -> int:
    from ..data.csv_sample import sampling
    from ..project_json import shorten
    with sampling() as samples:     # a big table: the checks read a sample of its rows (and say so)
        project, dataset = _load(args.project)
    scale = max((s.total / s.rows for s in samples), default=1.0)
    check, errors = check_project(project, dataset, rows_scale=scale)
    out(f"project: {shorten(project.name, 120).strip(chr(34))} ({args.project})")
    out(f"data:    {dataset.summary()}")
    for s in samples:
        out(f"         sample: {s.note()}")
    for note in (dataset.image_report.notes() if getattr(dataset, "image_report", None) else []):
        out(f"         {note}")
    for note in (dataset.table_report.notes() if getattr(dataset, "table_report", None) else []):
        out(f"         {note}")
    if project.data.exclude:   # samples a person left out (the Errors tab's suspects, by hand)
        out(f"         excluded {_plural(dataset.excluded, 'training sample')} (data.exclude; "
            f"{len(project.data.exclude)} listed, validation and test keep theirs)")
    rows = [(shorten(nid, 40).strip('"'), n.type, _fmt_shape(n.out_shape), f"{n.n_params:,}")
            for nid, n in check.nodes.items()]
    widths = [max(len(r[i]) for r in rows + [("node", "type", "output shape", "params")]) for i in range(4)]
    out("  " + "  ".join(h.ljust(w) for h, w in zip(("node", "type", "output shape", "params"), widths)))
    for r in rows:
        out("  " + "  ".join((c.rjust(w) if i == 3 else c.ljust(w)) for i, (c, w) in enumerate(zip(r, widths))))
    out(f"total parameters: {check.total_params:,}")
    from ..smalldata_spec import describe_smalldata
    for line in describe_smalldata(project):
        out(f"small data: {line}")
    if project.training.pseudo_labels is not None and not any(w == "training.pseudo_labels" for _, w in errors):
        from ..training.pseudo_labels import counts, describe
        out(describe(*counts(project, dataset), project.training.pseudo_labels, dataset.n_unlabeled))
    elif project.training.pseudo_labels is None:
        from ..training.pseudo_labels import unused_unlabeled
        line = unused_unlabeled(dataset)
        if line:
            out(line)
    if check.ok and any(n.init for n in project.model.nodes):   # a weights file's inputs unlike this data's
        from ..training.transfer import input_warnings
        for message, where in input_warnings(project, dataset):
            out(f"warning: {message}  [{where}]")
    warnings = _lint(project, check, dataset)
    for w in warnings:
        out(f"warning: {w.message}" + (f" -> {w.suggestion}" if getattr(w, "suggestion", "") else ""))
    if errors:
        out(f"{_plural(len(errors), 'problem')}: the project cannot train here")
        for message, where in errors:
            out(f"  - {message}  [{where}]")
        return 2
    out("ok: the project can train")
    return 0
