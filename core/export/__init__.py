"""Take a project out of LossLab: readable PyTorch source (``py``), ``torch.export`` (``pt2``),
ONNX (``onnx``, optional extra), the weights (``state_dict``) and the loss history (``csv``, ``json``).

``export(project, fmt, path, model=..., history=...)`` is the one entry point the CLI and the window
use; every failure is an :class:`ExportError` with a message a person can act on.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ExportError

#: format -> (file suffix, one-line description)
FORMATS: dict[str, tuple[str, str]] = {
    "py": (".py", "a standalone, readable PyTorch script: data, network and training"),
    "pt2": (".pt2", "the network through torch.export (load with torch.export.load)"),
    "onnx": (".onnx", "the network as ONNX (needs the losslab[onnx] extra)"),
    "state_dict": (".pt", "the weights, named as in the py script (torch.load(..., weights_only=True))"),
    "csv": (".csv", "the loss and metric history, one row per epoch"),
    "json": (".json", "the loss and metric history as JSON"),
}

__all__ = ["FORMATS", "ExportError", "ExportResult", "expected_input", "export", "load_weights"]


def expected_input(project, dataset, fmt: str, path: str | Path) -> str:
    """What the file ``fmt`` would expect as input, in one sentence ("" for the history formats)."""
    if fmt in ("csv", "json") or dataset is None:
        return ""
    from .preprocessing import describe, json_path
    name = Path(path).name if fmt == "py" else json_path(path).name
    return describe(project, dataset).input_sentence(fmt, name)


@dataclass
class ExportResult:
    """What an export wrote: the file, files beside it (the preprocessing JSON), notes, and what
    input the written model expects (``input``; empty for the history formats)."""
    format: str
    path: Path
    notes: list[str] = field(default_factory=list)
    input: str = ""
    files: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        beside = "".join(f"\n  and {p.name} beside it (the preprocessing)" for p in self.files)
        expects = f"\n  {self.input}" if self.input else ""
        return (f"wrote {self.format} to {self.path}" + beside + expects
                + "".join(f"\n  note: {n}" for n in self.notes))


def load_weights(project, dataset, weights: str | Path):
    """A LossLab network of ``project`` with the state dict in ``weights`` (``losslab train --save-model``)."""
    import torch

    from ..training.setup import prepare
    setup = prepare(project, dataset, device="cpu")
    try:
        state = torch.load(str(weights), map_location="cpu", weights_only=True)
        from ..training.source_inputs import layer_weights
        state = layer_weights(state, setup.model)   # either naming LossLab writes; older files' input tensors dropped
    except FileNotFoundError:
        raise ExportError(f"--model {weights}: no such file") from None
    except Exception as e:  # noqa: BLE001 - a damaged or foreign file
        raise ExportError(f"--model {weights}: not a weights file LossLab can read ({str(e).splitlines()[0][:200]})") from None
    try:
        setup.model.load_state_dict(state)
    except (RuntimeError, TypeError, AttributeError) as e:
        raise ExportError(f"--model {weights}: these weights do not fit the project's network "
                          f"({str(e).splitlines()[0][:300]}); export the project they were trained with") from None
    return setup.model


def export(project, fmt: str, path: str | Path, *, model=None, dataset=None, history: Any = None) -> ExportResult:
    """Write ``project`` in ``fmt`` to ``path``.

    ``model``: the trained LossLab network to export (pt2, onnx, state_dict); without one the network
    is built with the project's seed (untrained, and the result says so). ``history``: the run's
    epoch records (csv, json).
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    path = Path(path)
    if path.is_dir() or not path.parent.is_dir():
        raise ExportError(f"cannot write {path}: give a file path in an existing folder")
    if fmt in ("csv", "json"):
        from .history import export_history
        return ExportResult(fmt, export_history(history, path, fmt))
    if dataset is None:
        from ..data import load_dataset
        dataset = load_dataset(project.data, project.base_dir)
    if fmt == "py":
        from .py_source import export_py
        return ExportResult(fmt, export_py(project, path, dataset), input=expected_input(project, dataset, fmt, path))
    from ..graph import GraphError, check_graph
    check = check_graph(project, dataset.input_shape, dataset.targets)
    if not check.ok:
        raise ExportError("the model does not check, so there is nothing to export yet:\n"
                          + str(GraphError([p for p in check.problems if p.severity == "error"])))
    notes = []
    if model is None:
        import torch

        from ..network import build_model
        torch.manual_seed(project.training.seed)
        model = build_model(project, dataset.input_shape, dataset.targets, check=check)
        notes.append("no trained weights given: the network has its initial weights (seed "
                     f"{project.training.seed}); train it first or pass --model WEIGHTS")
    model = model.to("cpu")
    from . import model_formats as mf
    from .preprocessing import describe, json_path, write_json
    prep = describe(project, dataset)
    described = json_path(path).name
    if fmt == "state_dict":
        from .py_model import model_code, state_dict_for_script
        names = model_code(check, list(project.model.edges), project.output_nodes()).attrs
        state = state_dict_for_script(model, check, names)
        mf.export_state_dict(state, path)
        write_json(prep, path, fmt, project.name)
        key = next(iter(state), "fc1.weight")
        return ExportResult(fmt, path, notes + [
            f"keys follow the py export's Net (e.g. {key}): Net().load_state_dict(torch.load(path, weights_only=True)); "
            "losslab's --model and the Deployment tab's Weights… take it as it is"],
            input=prep.input_sentence(fmt, described),
            files=[json_path(path)])
    was_training = model.training
    try:
        if fmt == "pt2":
            done = mf.export_pt2(model, check, dataset.input_shape, path, project, prep)
        else:
            from ..training.setup import head_names
            done = mf.export_onnx(model, check, dataset.input_shape, path, head_names(project), project, prep)
    finally:
        model.train(was_training)
    write_json(prep, path, fmt, project.name)
    dims = ", ".join(f"{name} (dim {d})" for d, name in sorted(done.dynamic.items()))
    sentence = prep.input_sentence(fmt, described)
    return ExportResult(fmt, path, notes + done.notes + [f"dynamic: {dims}"], input=sentence,
                        files=[json_path(path)])
