"""``losslab export PROJECT --format F --out PATH [--model WEIGHTS | --run RUN]``."""
from __future__ import annotations

from .common import Out, UserError, load_project

NAME = "export"
HELP = "export the model as PyTorch code, pt2, ONNX, a state dict, or the loss history"


def add_arguments(p) -> None:
    from ..export import FORMATS
    p.add_argument("project", help="a *.losslab.json project file")
    p.add_argument("--format", "-f", required=True, choices=list(FORMATS),
                   help="; ".join(f"{k}: {v[1]}" for k, v in FORMATS.items()))
    p.add_argument("--out", "-o", required=True, metavar="PATH", help="the file to write")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--model", metavar="WEIGHTS",
                     help="trained weights to export (a state dict from `losslab train --save-model`)")
    src.add_argument("--run", metavar="RUN", help="a run from the run store: its weights and history")


def _from_run(run_id: str):
    """(final weights state dict or None, epoch history) of a run in the run store."""
    from ..runs import StoreError, open_store
    try:
        with open_store() as store:
            record = store.get(run_id, steps=False)
            try:
                state = store.load_weights(record.id, "final")
            except FileNotFoundError:
                state = None
    except StoreError as e:
        raise UserError(f"--run {run_id}: {e}") from None
    except KeyError as e:
        raise UserError(f"--run {run_id}: {e.args[0] if e.args else e}") from None
    return state, record.history


def run(args, out: Out) -> int:
    from ..export import ExportError, export, load_weights
    project, dataset = load_project(args.project)
    model, history = None, None
    try:
        if args.run:
            state, history = _from_run(args.run)
            if state is None and args.format in ("pt2", "onnx", "state_dict"):
                raise UserError(f"--run {args.run}: the run kept no weights (it failed or was stopped before its "
                                "first epoch); export its history (--format csv or json) or pick another run")
            if state is not None and args.format not in ("csv", "json", "py"):
                from ..training.setup import prepare
                model = prepare(project, dataset, device="cpu").model
                try:
                    model.load_state_dict(state)
                except RuntimeError as e:
                    raise UserError(f"--run {args.run}: its weights do not fit {args.project}'s network "
                                    f"({str(e).splitlines()[0][:200]}); export the project the run trained") from None
        elif args.model:
            if args.format in ("csv", "json"):
                raise UserError(f"--format {args.format} writes a run's history, which a weights file does not "
                                "hold: use --run RUN")
            model = load_weights(project, dataset, args.model)
        result = export(project, args.format, args.out, model=model, dataset=dataset, history=history)
    except ExportError as e:
        raise UserError(f"{args.project}: {e}") from None
    if model is not None and args.format == "py":
        result.notes.append("the script trains from scratch; to predict with (or start from) these weights, "
                            "export them with --format state_dict and run the script with --weights FILE "
                            "[--predict RAW.csv]")
    out(result.summary())
    return 0
