"""The network of an exported script: an ``nn.Module`` with one named attribute per layer and a
``forward`` that follows the graph (branches and merges included).

Layers are created in LossLab's build order (the graph's topological order), so with the same seed
they draw the same initial weights. ``state_dict_for_script`` renames a LossLab model's weights to
the script's attribute names.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..graph import GraphCheck, NodeInfo
from .errors import ExportError
from .names import comment_text, identifier


@dataclass
class LayerCode:
    init: str | None                     # constructor expression, or None (no module: reshape, add, concat)
    forward: Callable[[str, list[str]], str]   # (attribute, input variables) -> expression
    comment: str = ""


def _pair(v) -> tuple[int, int]:
    return (int(v[0]), int(v[-1])) if isinstance(v, (list, tuple)) else (int(v), int(v))


def _kw(pairs: list[tuple[str, object, object]]) -> str:
    """``, k=v`` for every (key, value, default) whose value differs from the default."""
    return "".join(f", {k}={v!r}" for k, v, d in pairs if v != d)


def _call(attr: str, ins: list[str]) -> str:
    return f"self.{attr}({ins[0]})"


def _linear(n: NodeInfo) -> LayerCode:
    p = n.params
    return LayerCode(f"nn.Linear({n.in_shapes[0][-1]}, {p['out_features']}{_kw([('bias', p['bias'], True)])})", _call)


def _conv1d(n: NodeInfo) -> LayerCode:
    p = n.params
    kw = _kw([("stride", p["stride"], 1), ("padding", p["padding"], 0), ("dilation", p["dilation"], 1),
              ("bias", p["bias"], True)])
    return LayerCode(f"nn.Conv1d({n.in_shapes[0][0]}, {p['out_channels']}, kernel_size={p['kernel_size']}{kw})", _call)


def _conv2d(n: NodeInfo) -> LayerCode:
    p = n.params
    kw = _kw([("stride", _pair(p["stride"]), (1, 1)), ("padding", _pair(p["padding"]), (0, 0)),
              ("dilation", _pair(p["dilation"]), (1, 1)), ("bias", p["bias"], True)])
    return LayerCode(f"nn.Conv2d({n.in_shapes[0][0]}, {p['out_channels']}, kernel_size={_pair(p['kernel_size'])}{kw})",
                     _call)


def _pool(cls: str):
    def code(n: NodeInfo) -> LayerCode:
        p = n.params
        k = _pair(p["kernel_size"])
        stride = _pair(p["stride"]) if p.get("stride") is not None else k
        kw = _kw([("stride", stride, k), ("padding", _pair(p["padding"]), (0, 0))])
        return LayerCode(f"nn.{cls}(kernel_size={k}{kw})", _call)
    return code


def _reshape(n: NodeInfo) -> LayerCode:
    shape = ", ".join(str(d) for d in n.out_shape)
    return LayerCode(None, lambda a, ins: f"{ins[0]}.reshape({ins[0]}.shape[0], {shape})")


def _batchnorm(n: NodeInfo) -> LayerCode:
    p = n.params
    cls = "BatchNorm2d" if len(n.in_shapes[0]) == 3 else "BatchNorm1d"
    kw = _kw([("eps", p["eps"], 1e-5), ("momentum", p["momentum"], 0.1)])
    return LayerCode(f"nn.{cls}({n.in_shapes[0][0]}{kw})", _call)


def _layernorm(n: NodeInfo) -> LayerCode:
    p = n.params
    kw = _kw([("eps", p["eps"], 1e-5), ("elementwise_affine", p["elementwise_affine"], True)])
    return LayerCode(f"nn.LayerNorm({n.in_shapes[0][-1]}{kw})", _call)


def _embedding(n: NodeInfo) -> LayerCode:
    p = n.params
    top = p["num_embeddings"] - 1
    return LayerCode(f"nn.Embedding({p['num_embeddings']}, {p['embedding_dim']})",
                     lambda a, ins: f"self.{a}({ins[0]}.round().long().clamp(0, {top}))",
                     "inputs are rounded to token ids")


def _recurrent(n: NodeInfo) -> LayerCode:
    p = n.params
    layers = p["num_layers"]
    kw = _kw([("num_layers", layers, 1), ("bidirectional", p["bidirectional"], False),
              ("dropout", p["dropout"] if layers > 1 else 0.0, 0.0)])
    init = f"nn.{n.type}({n.in_shapes[0][-1]}, {p['hidden_size']}, batch_first=True{kw})"
    if p["return_sequences"]:
        return LayerCode(init, lambda a, ins: f"self.{a}({ins[0]})[0]", "every time step")
    return LayerCode(init, lambda a, ins: f"self.{a}({ins[0]})[0][:, -1, :]", "the last time step")


def _add(n: NodeInfo) -> LayerCode:
    return LayerCode(None, lambda a, ins: " + ".join(ins))


def _concat(n: NodeInfo) -> LayerCode:
    dim = n.params["dim"]
    dim = dim + 1 if dim >= 0 else dim  # per-sample dim -> batched dim
    return LayerCode(None, lambda a, ins: f"torch.cat([{', '.join(ins)}], dim={dim})")


def _flatten(n: NodeInfo) -> LayerCode:
    return LayerCode("nn.Flatten()", _call)


def _prelu(n: NodeInfo) -> LayerCode:
    p = n.params
    count = n.in_shapes[0][0] if p["per_channel"] else 1
    return LayerCode(f"nn.PReLU({count}{_kw([('init', p['init'], 0.25)])})", _call,
                     "one slope per channel" if p["per_channel"] else "")


def _dropout(n: NodeInfo) -> LayerCode:
    return LayerCode(f"nn.Dropout(p={n.params['p']!r})", _call)


LAYER_CODE: dict[str, Callable[[NodeInfo], LayerCode]] = {
    "Linear": _linear, "Conv1d": _conv1d, "Conv2d": _conv2d, "MaxPool2d": _pool("MaxPool2d"),
    "AvgPool2d": _pool("AvgPool2d"), "Flatten": _flatten, "Reshape": _reshape, "Dropout": _dropout,
    "BatchNorm": _batchnorm, "LayerNorm": _layernorm, "Embedding": _embedding, "LSTM": _recurrent,
    "GRU": _recurrent, "Add": _add, "Concat": _concat, "PReLU": _prelu,
}


def _plain_nn(n: NodeInfo) -> LayerCode | None:
    """A catalog layer that is just ``torch.nn.<Type>(**params)`` (the activations)."""
    from torch import nn

    from ..catalog import LAYERS
    cls = getattr(nn, n.type, None)
    if cls is None or not isinstance(cls, type):
        return None
    try:
        built = LAYERS.get(n.type).builder(n.params, n.in_shapes)
    except Exception:  # noqa: BLE001 - a layer we cannot build here is one we cannot write either
        return None
    if type(built) is not cls:
        return None
    try:  # the catalog's parameters must be the constructor's keywords, building the same weights
        written = cls(**n.params)
    except TypeError:
        return None
    if {k: v.shape for k, v in written.state_dict().items()} != {k: v.shape for k, v in built.state_dict().items()}:
        return None
    args = ", ".join(f"{k}={v!r}" for k, v in n.params.items())
    return LayerCode(f"nn.{n.type}({args})", _call)


def layer_code(n: NodeInfo) -> LayerCode:
    make = LAYER_CODE.get(n.type)
    code = make(n) if make is not None else _plain_nn(n)
    if code is None:
        raise ExportError(f"node {n.id!r} ({n.type}): the py format cannot write this layer as PyTorch code; "
                          "replace it with a catalog layer or export the model as pt2 or onnx", node=n.id)
    return code


@dataclass
class ModelCode:
    source: str                       # the class definition
    attrs: dict[str, str]             # node id -> attribute (or variable) name
    outputs: list[str]                # forward's return variables, one per head


def model_code(check: GraphCheck, edges: list[tuple[str, str]], output_nodes: list[str],
               class_name: str = "Net") -> ModelCode:
    """The ``nn.Module`` class of a checked graph."""
    taken: set[str] = set()
    names: dict[str, str] = {}
    codes: dict[str, LayerCode] = {}
    for nid in check.order:
        info = check.nodes[nid]
        if info.type == "Input":
            names[nid] = "x"
            continue
        names[nid] = identifier(nid, taken)
        codes[nid] = layer_code(info)
    init, fwd = [], []
    for nid in check.order:
        info = check.nodes[nid]
        if info.type == "Input":
            continue
        c = codes[nid]
        shape = ", ".join(str(d) for d in info.out_shape or ()) + ("," if len(info.out_shape or ()) == 1 else "")
        note = f"node {comment_text(nid)}: {info.type}, output ({shape})" + (f"; {c.comment}" if c.comment else "")
        if c.init is not None:
            init.append(f"        self.{names[nid]} = {c.init}  # {note}")
        ins = [names[a] for a, b in edges if b == nid]
        fwd.append(f"        {names[nid]} = {c.forward(names[nid], ins)}" + ("" if c.init else f"  # {note}"))
    outs = [names[o] for o in output_nodes]
    ret = outs[0] if len(outs) == 1 else ", ".join(outs)
    lines = [f"class {class_name}(nn.Module):",
             '    """The network drawn in LossLab; forward returns '
             + ("the output head." if len(outs) == 1 else f"the {len(outs)} output heads in project order.") + '"""',
             "", "    def __init__(self):", "        super().__init__()", *(init or ["        pass"]), "",
             "    def forward(self, x):", *fwd, f"        return {ret}"]
    return ModelCode("\n".join(lines) + "\n", names, outs)


def state_dict_for_script(model, check: GraphCheck, names: dict[str, str]) -> dict:
    """A LossLab ``GraphNetwork``'s weights under the script's attribute names
    (``layers.fc1.weight`` -> ``fc1.weight``; the recurrent and batch-norm wrappers dropped)."""
    from ..network import _key
    out = {}
    by_key = {_key(nid): nid for nid in check.order}
    for k, v in model.state_dict().items():
        _, key, *rest = k.split(".")
        nid = by_key[key]
        if check.nodes[nid].type in ("LSTM", "GRU", "BatchNorm") and rest and rest[0] in ("rnn", "bn"):
            rest = rest[1:]
        out[".".join([names[nid], *rest])] = v.detach().clone()
    return out
