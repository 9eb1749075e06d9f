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


def _shape(t) -> str:
    return "x".join(map(str, tuple(t.shape))) or "scalar"


def weights_mismatch(expected: dict, given: dict, limit: int = 3) -> str | None:
    """How a state dict ``given`` differs from the network's ``expected`` one, in a sentence (tensor
    names and shapes, the first few of each kind), or None when it fits."""
    missing = [k for k in expected if k not in given]
    extra = [k for k in given if k not in expected]
    shapes = [k for k in expected if k in given and hasattr(given[k], "shape")
              and tuple(given[k].shape) != tuple(expected[k].shape)]
    if not (missing or extra or shapes):
        return None

    def some(keys, show) -> str:
        more = f" and {len(keys) - limit} more" if len(keys) > limit else ""
        return ", ".join(show(k) for k in keys[:limit]) + more
    parts = []
    if shapes:
        parts.append(f"{len(shapes)} tensor(s) have other shapes ("
                     + some(shapes, lambda k: f"{k}: {_shape(given[k])} in the file, {_shape(expected[k])} here") + ")")
    if missing:
        parts.append(f"the file lacks {len(missing)} the network needs (" + some(missing, str) + ")")
    if extra:
        parts.append(f"it holds {len(extra)} the network has no place for (" + some(extra, str) + ")")
    return "; ".join(parts)


def _load_model(project, dataset, weights: str, what: str, state: dict | None = None):
    """The project's network with the weights of file ``weights`` (or ``state``, a run's), or a
    :class:`UserError` that says why they do not fit, in LossLab's words rather than torch's."""
    import torch

    from ..training.setup import prepare
    if state is None:
        try:
            state = torch.load(str(weights), map_location="cpu", weights_only=True)
        except FileNotFoundError:
            raise UserError(f"{what}: no such file") from None
        except Exception:  # noqa: BLE001 - a damaged or foreign file: torch's own text says little
            raise UserError(f"{what}: not a PyTorch weights file LossLab can read; give the file that "
                            "`losslab train --save-model FILE` wrote (or File ▸ Export ▸ state_dict)") from None
    from ..training.source_inputs import layer_weights
    model = prepare(project, dataset, device="cpu").model
    state = layer_weights(state, model)   # either naming LossLab writes; older files' input tensors dropped
    if not isinstance(state, dict) or not all(hasattr(v, "shape") for v in state.values()):
        raise UserError(f"{what}: holds {type(state).__name__}, not a state dict of weights; give the file that "
                        "`losslab train --save-model FILE` wrote")
    why = weights_mismatch(model.state_dict(), state)
    if why:
        raise UserError(f"{what}: these weights do not fit the project's network ({project.name!r}), they "
                        f"belong to another network: {why}. Export the project they were trained with (the run "
                        "store keeps it: `losslab runs show RUN`), or train this one first (`losslab train PROJECT "
                        "--save-model FILE`)")
    model.load_state_dict(state)
    return model


def run(args, out: Out) -> int:
    from ..export import ExportError, export
    project, dataset = load_project(args.project)
    model, history = None, None
    try:
        if args.run:
            state, history = _from_run(args.run)
            if state is None and args.format in ("pt2", "onnx", "state_dict"):
                raise UserError(f"--run {args.run}: the run kept no weights (it failed or was stopped before its "
                                "first epoch); export its history (--format csv or json) or pick another run")
            if state is not None and args.format not in ("csv", "json", "py"):
                model = _load_model(project, dataset, "", f"--run {args.run}", state)
        elif args.model:
            if args.format in ("csv", "json"):
                raise UserError(f"--format {args.format} writes a run's history, which a weights file does not "
                                "hold: use --run RUN")
            model = _load_model(project, dataset, args.model, f"--model {args.model}")
        result = export(project, args.format, args.out, model=model, dataset=dataset, history=history)
    except ExportError as e:
        raise UserError(f"{args.project}: {e}") from None
    if model is not None and args.format == "py":
        result.notes.append("the script trains from scratch; to predict with (or start from) these weights, "
                            "export them with --format state_dict and run the script with --weights FILE "
                            "[--predict RAW.csv]")
    out(result.summary())
    return 0
