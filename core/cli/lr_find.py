"""``losslab lr-find PROJECT``: learning-rate range test."""
from __future__ import annotations

import json

from .common import Out, UserError, load_project as _load

NAME = "lr-find"
HELP = "learning-rate range test: suggest a learning rate"


def add_arguments(f) -> None:
    f.add_argument("project", help="a *.losslab.json project file")
    f.add_argument("--start", type=float, default=1e-7, help="first learning rate of the sweep (default 1e-7)")
    f.add_argument("--end", type=float, default=10.0, help="last learning rate of the sweep (default 10)")
    f.add_argument("--steps", type=int, default=100, help="batches in the sweep, at least 10 (default 100)")
    f.add_argument("--json", action="store_true", help="print the curve and suggestions as JSON as the last line")


def run(args, out: Out) -> int:
    try:
        from ..lr_finder import find_lr
    except ImportError:
        raise UserError("lr-find is not available in this build") from None
    project, dataset = _load(args.project)
    try:
        res = find_lr(project, dataset=dataset, start_lr=args.start, end_lr=args.end, steps=args.steps)
    except ValueError as e:
        raise UserError(f"{args.project}: {e}") from None
    out(res.summary())
    if args.json:
        out(json.dumps(res.to_dict()))
    return 0
