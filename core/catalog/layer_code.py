"""How an exported script writes a layer, kept on the layer's own record.

A :class:`LayerEntry` either has a ``code`` function (``code(node) -> LayerCode``, for layers whose
script form is not one torch constructor: Reshape, Add, a recurrent layer's last time step) or is built
by a :class:`TorchModule`, which is both the builder and its script form: one torch class called with
keywords computed from the node's parameters and input shapes. Either way the py export asks the entry
and knows no layer names.

``node`` is anything with ``params``, ``in_shapes`` and ``out_shape`` (the graph's ``NodeInfo``).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from .layer_shapes import Shape, _pair

#: ``forward(attribute, input variables) -> expression`` in the script's ``forward``
Forward = Callable[[str, list[str]], str]


def call(attr: str, ins: list[str]) -> str:
    """The usual forward: the layer's module applied to its one input."""
    return f"self.{attr}({ins[0]})"


@dataclass(frozen=True)
class LayerCode:
    """A layer in an exported script: its constructor expression (None: no module, the forward is
    plain tensor code), its forward expression and a comment for the line."""

    init: str | None
    forward: Forward = call
    comment: str = ""


def keywords(pairs: list[tuple[str, object, object]]) -> str:
    """``, k=v`` for every (key, value, default) whose value differs from the default."""
    return "".join(f", {k}={v!r}" for k, v, d in pairs if v != d)


def _resolve(path: str) -> type:
    """``"nn.PReLU"`` -> ``torch.nn.PReLU``; a full dotted path (``"torch.nn.PReLU"``) works too."""
    module, _, name = (path if path.startswith("torch") else f"torch.{path}").rpartition(".")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class TorchModule:
    """A builder that is one torch class called with keywords, and the script line that does the same.

    - ``path``: the class as the script writes it (``"nn.PReLU"``; the script imports ``torch.nn as nn``).
    - ``args(params, input_shapes) -> keywords``: the constructor's keywords; None = the node's
      parameters as they are (the catalog's parameter names are then the constructor's).
    - ``forward`` / ``comment``: how the script's ``forward`` applies it (default: to its one input).
    """

    path: str
    args: Callable[[dict[str, Any], Sequence[Shape]], dict[str, Any]] | None = None
    forward: Forward = call
    comment: str = ""

    def kwargs(self, params: dict[str, Any], shapes: Sequence[Shape]) -> dict[str, Any]:
        return dict(params) if self.args is None else self.args(params, shapes)

    def __call__(self, params: dict[str, Any], shapes: Sequence[Shape]):
        return _resolve(self.path)(**self.kwargs(params, shapes))

    def code(self, node: Any) -> LayerCode:
        kw = ", ".join(f"{k}={v!r}" for k, v in self.kwargs(node.params, node.in_shapes).items())
        return LayerCode(f"{self.path}({kw})", self.forward, self.comment)


# -- the script forms of the built-in layers whose constructor is not just their parameters -------------------
def linear_code(n) -> LayerCode:
    p = n.params
    return LayerCode(f"nn.Linear({n.in_shapes[0][-1]}, {p['out_features']}{keywords([('bias', p['bias'], True)])})")


def conv1d_code(n) -> LayerCode:
    p = n.params
    kw = keywords([("stride", p["stride"], 1), ("padding", p["padding"], 0), ("dilation", p["dilation"], 1),
                   ("bias", p["bias"], True)])
    return LayerCode(f"nn.Conv1d({n.in_shapes[0][0]}, {p['out_channels']}, kernel_size={p['kernel_size']}{kw})")


def conv2d_code(n) -> LayerCode:
    p = n.params
    kw = keywords([("stride", _pair(p["stride"]), (1, 1)), ("padding", _pair(p["padding"]), (0, 0)),
                   ("dilation", _pair(p["dilation"]), (1, 1)), ("bias", p["bias"], True)])
    return LayerCode(f"nn.Conv2d({n.in_shapes[0][0]}, {p['out_channels']}, kernel_size={_pair(p['kernel_size'])}{kw})")


def pool_code(cls: str) -> Callable[[Any], LayerCode]:
    def code(n) -> LayerCode:
        p = n.params
        k = _pair(p["kernel_size"])
        stride = _pair(p["stride"]) if p.get("stride") is not None else k
        return LayerCode(f"nn.{cls}(kernel_size={k}{keywords([('stride', stride, k), ('padding', _pair(p['padding']), (0, 0))])})")
    return code


def reshape_code(n) -> LayerCode:
    shape = ", ".join(str(d) for d in n.out_shape)
    return LayerCode(None, lambda a, ins: f"{ins[0]}.reshape({ins[0]}.shape[0], {shape})")


def batchnorm_code(n) -> LayerCode:
    p = n.params
    cls = "BatchNorm2d" if len(n.in_shapes[0]) == 3 else "BatchNorm1d"
    return LayerCode(f"nn.{cls}({n.in_shapes[0][0]}{keywords([('eps', p['eps'], 1e-5), ('momentum', p['momentum'], 0.1)])})")


def layernorm_code(n) -> LayerCode:
    p = n.params
    kw = keywords([("eps", p["eps"], 1e-5), ("elementwise_affine", p["elementwise_affine"], True)])
    return LayerCode(f"nn.LayerNorm({n.in_shapes[0][-1]}{kw})")


def embedding_code(n) -> LayerCode:
    p = n.params
    top = p["num_embeddings"] - 1
    return LayerCode(f"nn.Embedding({p['num_embeddings']}, {p['embedding_dim']})",
                     lambda a, ins: f"self.{a}({ins[0]}.round().long().clamp(0, {top}))", "inputs are rounded to token ids")


def recurrent_code(cls: str) -> Callable[[Any], LayerCode]:
    def code(n) -> LayerCode:
        p = n.params
        layers = p["num_layers"]
        kw = keywords([("num_layers", layers, 1), ("bidirectional", p["bidirectional"], False),
                       ("dropout", p["dropout"] if layers > 1 else 0.0, 0.0)])
        init = f"nn.{cls}({n.in_shapes[0][-1]}, {p['hidden_size']}, batch_first=True{kw})"
        if p["return_sequences"]:
            return LayerCode(init, lambda a, ins: f"self.{a}({ins[0]})[0]", "every time step")
        return LayerCode(init, lambda a, ins: f"self.{a}({ins[0]})[0][:, -1, :]", "the last time step")
    return code


def add_code(n) -> LayerCode:
    return LayerCode(None, lambda a, ins: " + ".join(ins))


def concat_code(n) -> LayerCode:
    dim = n.params["dim"]
    dim = dim + 1 if dim >= 0 else dim  # per-sample dim -> batched dim
    return LayerCode(None, lambda a, ins: f"torch.cat([{', '.join(ins)}], dim={dim})")


def prelu_code(n) -> LayerCode:
    p = n.params
    count = n.in_shapes[0][0] if p["per_channel"] else 1
    return LayerCode(f"nn.PReLU({count}{keywords([('init', p['init'], 0.25)])})", call,
                     "one slope per channel" if p["per_channel"] else "")


def dropout_code(n) -> LayerCode:
    return LayerCode(f"nn.Dropout(p={n.params['p']!r})")


def flatten_code(n) -> LayerCode:
    return LayerCode("nn.Flatten()")
