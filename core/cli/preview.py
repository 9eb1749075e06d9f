"""``losslab preview PROJECT``: every node's output shape and statistics on a sample batch of the data.

A model summary with real activations: the first validation samples go through each node (initial
weights, or a recorded run's final weights with ``--from-run``). A node that cannot run shows why,
and the nodes after it say which input failed. Exit 0, or 2 for bad input (an unknown node)."""
from __future__ import annotations

import json

from .common import Out, UserError, load_project as _load

NAME = "preview"
HELP = "print every node's output shape and statistics on a sample batch of the data"


def add_arguments(p) -> None:
    p.add_argument("project", help="a *.losslab.json project file")
    p.add_argument("--node", action="append", metavar="ID", help="only this node (and what it needs); repeatable")
    p.add_argument("--samples", type=int, default=64, help="samples in the batch (default 64)")
    p.add_argument("--from-run", metavar="RUN", help="use a recorded run's final weights instead of initial ones")
    p.add_argument("--json", action="store_true", help='print {"nodes": [...]} as JSON as the last line')


def _fmt(v) -> str:
    return "-" if v is None else f"{v:.4g}"


def _state_of_run(run_id: str):
    from ..runs import StoreError, open_store
    try:
        with open_store() as store:
            return store.load_weights(run_id, "final")
    except (StoreError, KeyError, FileNotFoundError) as e:
        raise UserError(f"--from-run {run_id}: " + (str(e.args[0]) if isinstance(e, KeyError) else str(e))) from None


def run(args, out: Out) -> int:
    from ..preview import preview_project
    if args.samples < 1:
        raise UserError(f"--samples must be at least 1, received {args.samples}")
    project, dataset = _load(args.project)
    known = [n.id for n in project.model.nodes]
    unknown = [n for n in (args.node or []) if n not in known]
    if unknown:
        raise UserError(f"--node {unknown[0]}: no such node in {args.project}; its nodes are: {', '.join(known)}")
    state = _state_of_run(args.from_run) if args.from_run else None
    previews = preview_project(project, dataset, nodes=args.node, samples=args.samples, state_dict=state)
    n = min(args.samples, int((dataset.x_val if dataset.x_val.shape[0] else dataset.x_train).shape[0]))
    weights = f"the final weights of run {args.from_run}" if state is not None else "initial weights (before training)"
    out(f"preview of {project.name or args.project} on {n} samples, {weights}")
    header = ("node", "type", "shape", "mean", "std", "min", "max", "zeros")
    rows = []
    for v in previews:
        shape = "-" if v.shape is None else str(tuple(v.shape))
        zeros = "-" if v.zero_share is None else f"{100 * v.zero_share:.0f}%"
        rows.append((v.id, v.type, shape, _fmt(v.mean), _fmt(v.std), _fmt(v.min), _fmt(v.max), zeros, v.error))
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    out("  " + "  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip())
    for r in rows:
        line = "  " + "  ".join(str(c).ljust(w) for c, w in zip(r[:-1], widths)).rstrip()
        out(line + (f"  error: {r[-1]}" if r[-1] else ""))
    if args.json:
        out(json.dumps({"samples": n, "initial_weights": state is None, "nodes": [v.to_dict() for v in previews]}))
    return 0
