"""The trained network in the formats the PyTorch world reads: ``pt2`` (``torch.export``), ``onnx``
(``torch.onnx.export``, checked by ``onnx.checker``) and ``state_dict`` (``.pt``, loads with
``weights_only=True``). Exported models take any batch size; recurrent ones any sequence length.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from ..catalog import LAYERS
from .errors import ExportError

ONNX_EXTRA = ("the onnx format needs the packages onnx, onnxscript and onnxruntime: "
              "pip install 'losslab[onnx]' (or: pip install onnx onnxscript onnxruntime)")


@dataclass
class ExportedModel:
    """What an exporter wrote and what the file accepts."""
    path: Path
    dynamic: dict[int, str]                       # input dim -> name ("batch", "sequence")
    notes: list[str] = field(default_factory=list)


class HeadsModel(nn.Module):
    """A LossLab network with plain outputs (one tensor, or a tuple with one tensor per head) and,
    when given, its preprocessing as the first operations, so the file takes raw samples."""

    def __init__(self, net: nn.Module, preprocess: nn.Module | None = None):
        super().__init__()
        self.net = net
        self.preprocess = preprocess if preprocess is not None else nn.Identity()

    def forward(self, x: torch.Tensor):
        outs = self.net(self.preprocess(x))
        return outs[0] if len(outs) == 1 else tuple(outs)


def is_recurrent(check) -> bool:
    return any(LAYERS.get(n.type).traits.recurrent for n in check.nodes.values())


def _sequence_model(model: nn.Module, check, input_shape: tuple[int, ...]) -> nn.Module | None:
    """A copy of a recurrent ``model`` that accepts any length along input dim 1, or None.

    A Reshape right after the Input that turns (T,) into (T, 1) is made (-1, 1), so the sequence
    length follows the input; an input already shaped (T, F) or feeding an Embedding needs nothing.
    """
    if not is_recurrent(check) or len(input_shape) not in (1, 2):
        return None
    from ..network import _key
    from .scan_rnn import ScanRecurrent, scan_available
    if not scan_available():
        return None
    seq = copy.deepcopy(model)
    for nid in check.order:
        info = check.nodes[nid]
        traits = LAYERS.get(info.type).traits
        if traits.sets_shape and info.in_shapes == [tuple(input_shape)]:
            if len(input_shape) == 1 and info.out_shape == (input_shape[0], 1):
                seq.layers[_key(nid)].shape = (-1, 1)
            else:
                return None
        elif traits.sets_shape:
            return None
        elif traits.recurrent:
            seq.layers[_key(nid)] = ScanRecurrent(seq.layers[_key(nid)])
    seq._modules_in_order = [None if LAYERS.get(seq.types[n]).is_input else seq.layers[_key(n)] for n in seq.order]
    return seq


def _length_is_free(project, check, input_shape: tuple[int, ...]) -> bool:
    """Whether the graph checks with one more time step and every layer keeps its weights' shapes
    (a Conv1d over the time steps or a Linear after a Flatten of them fixes the length)."""
    from ..graph import check_graph
    other = project.copy()
    for n in other.model.nodes:
        if LAYERS.get(n.type).traits.sets_shape and check.nodes[n.id].in_shapes == [tuple(input_shape)]:
            n.params = dict(n.params, shape=[-1, *list(n.params.get("shape", []))[1:]])
    longer = check_graph(other, (input_shape[0] + 1, *input_shape[1:]))
    return longer.ok and all(longer.nodes[i].n_params == check.nodes[i].n_params for i in check.order) \
        and all(longer.nodes[o].out_shape == check.nodes[o].out_shape for o in project.output_nodes())


def _sample(input_shape: tuple[int, ...], batch: int = 3) -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    return torch.randn((batch, *input_shape), generator=g)


def _export_program(model: nn.Module, check, input_shape, project=None, prep=None):
    """(ExportedProgram, dynamic dims, notes): dynamic batch, and sequence length for recurrent models
    when the graph allows it. ``prep`` (a :class:`~core.export.preprocessing.Preprocessing`): the
    raw-input steps put in front of the network."""
    from torch.export import Dim, export
    # an earlier failed trace (another model's fixed-length fallback) leaves dynamo state behind that
    # makes the next scan trace specialize: start each export clean
    torch._dynamo.reset()
    notes: list[str] = []
    x = _sample(input_shape)
    pre = prep.module() if prep is not None else None
    seq_model = _sequence_model(model, check, input_shape)
    if seq_model is not None and prep is not None and prep.per_position:
        seq_model = None
        notes.append(f"the sequence length is fixed at {input_shape[0]}: the inputs are standardized with one "
                     "mean and spread per time step (the training split's); with data.normalize off the "
                     "model takes any length")
    elif seq_model is not None and project is not None and not _length_is_free(project, check, input_shape):
        seq_model = None
        notes.append(f"the sequence length is fixed at {input_shape[0]}: a layer after the recurrent one "
                     "takes the time steps as features or channels")
    elif seq_model is not None:
        try:
            ep = export(HeadsModel(seq_model, pre).eval(), (x,), dynamic_shapes={"x": {0: Dim.DYNAMIC, 1: Dim.DYNAMIC}})
            return ep, {0: "batch", 1: "sequence"}, notes
        except Exception as e:  # noqa: BLE001 - fall back to a fixed length, and say so
            notes.append(f"the sequence length is fixed at {input_shape[0]}: a layer after the recurrent one "
                         f"needs it ({str(e).splitlines()[0][:160]})")
    elif is_recurrent(check) and not notes:
        notes.append(f"the sequence length is fixed at {input_shape[0] if input_shape else '?'}: a Reshape "
                     "other than (T,) -> (T, 1) sits before the recurrent layer")
    try:
        ep = export(HeadsModel(model, pre).eval(), (x,), dynamic_shapes={"x": {0: Dim.DYNAMIC}})
    except Exception as e:  # noqa: BLE001 - name the node that torch.export cannot trace
        raise ExportError(_which_node(model, check, input_shape, e, "pt2")) from None
    return ep, {0: "batch"}, notes


def _which_node(model, check, input_shape, error: Exception, fmt: str) -> str:
    """A message naming the first node whose layer alone fails to export, else the error itself."""
    from torch.export import export
    from ..network import _key
    for nid in check.order:
        info = check.nodes[nid]
        if LAYERS.get(info.type).is_input or _key(nid) not in model.layers or len(info.in_shapes) != 1:
            continue
        try:
            export(model.layers[_key(nid)].eval(), (_sample(info.in_shapes[0]),))
        except Exception:  # noqa: BLE001
            return (f"node {nid!r} ({info.type}): the {fmt} format cannot express this layer "
                    f"({str(error).splitlines()[0][:200]}); replace it or export as py or state_dict")
    return f"the {fmt} export failed: {str(error).splitlines()[0][:300]}"


def export_pt2(model: nn.Module, check, input_shape, path: str | Path, project=None, prep=None) -> ExportedModel:
    """``torch.export`` program saved with ``torch.export.save``; load with ``torch.export.load``."""
    model = model.eval()
    ep, dynamic, notes = _export_program(model, check, tuple(input_shape), project, prep)
    path = Path(path)
    torch.export.save(ep, str(path))
    return ExportedModel(path, dynamic, notes)


def onnx_available() -> str | None:
    """None when the onnx extra is installed, else what to install."""
    import importlib.util
    missing = [m for m in ("onnx", "onnxscript") if importlib.util.find_spec(m) is None]
    return None if not missing else f"{ONNX_EXTRA} (missing here: {', '.join(missing)})"


def export_onnx(model: nn.Module, check, input_shape, path: str | Path, head_names: list[str],
                project=None, prep=None) -> ExportedModel:
    """ONNX through ``torch.onnx.export`` (dynamo exporter), checked with ``onnx.checker``."""
    why = onnx_available()
    if why:
        raise ExportError(why)
    import logging
    import warnings

    import onnx
    model = model.eval()
    ep, dynamic, notes = _export_program(model, check, tuple(input_shape), project, prep)
    path = Path(path)
    outputs = [f"output_{i}" if not n.isidentifier() else n for i, n in enumerate(head_names)]
    quiet = logging.getLogger("torch.onnx")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # torchvision-not-installed notices are noise here
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prog = torch.onnx.export(ep, dynamo=True, input_names=["input"], output_names=outputs,
                                     external_data=False, verbose=False)
            prog.save(str(path))
    except Exception as e:  # noqa: BLE001
        raise ExportError(_which_node_onnx(model, check, e)) from None
    finally:
        quiet.setLevel(level)
    try:
        onnx.checker.check_model(str(path), full_check=True)
    except Exception as e:  # noqa: BLE001
        raise ExportError(f"the onnx file did not pass onnx.checker: {str(e).splitlines()[0][:300]}") from None
    return ExportedModel(path, dynamic, notes)


def _which_node_onnx(model, check, error: Exception) -> str:
    from ..network import _key
    try:  # an exporter that fails on a plain Linear is broken here, whatever the model holds
        torch.onnx.export(nn.Linear(2, 2).eval(), (torch.zeros(3, 2),), dynamo=True, verbose=False)
    except Exception as e:  # noqa: BLE001
        return (f"the onnx exporter does not work in this installation ({str(e).splitlines()[0][:200]}); "
                f"reinstall the onnx extra: {ONNX_EXTRA.split(': ', 1)[1]}")
    for nid in check.order:
        info = check.nodes[nid]
        if LAYERS.get(info.type).is_input or _key(nid) not in model.layers or len(info.in_shapes) != 1:
            continue
        try:
            torch.onnx.export(model.layers[_key(nid)].eval(), (_sample(info.in_shapes[0]),), dynamo=True,
                              verbose=False)
        except Exception:  # noqa: BLE001
            return (f"node {nid!r} ({info.type}): the onnx format cannot express this layer "
                    f"({str(error).splitlines()[0][:200]}); replace it or export as pt2, py or state_dict")
    return f"the onnx export failed: {str(error).splitlines()[0][:300]}"


def export_state_dict(state: dict, path: str | Path) -> Path:
    """Plain tensors only (no pickled classes): ``torch.load(path, weights_only=True)`` reads it."""
    path = Path(path)
    torch.save({k: v.detach().cpu().contiguous() for k, v in state.items()}, str(path))
    return path
