"""Shape rules for layers: per-sample shapes (batch dimension excluded).

Each rule takes the validated params and the input shapes and returns the output shape, or raises
:class:`ShapeMismatch` with a sentence that says what the layer expects and what to change.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

Shape = tuple[int, ...]


class ShapeMismatch(ValueError):
    """The input shape does not fit the layer; the message says what to change."""


def fmt_shape(shape: Sequence[int]) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _one(shapes: Sequence[Shape]) -> Shape:
    return tuple(shapes[0])


def same(params: dict[str, Any], shapes: Sequence[Shape]) -> Shape:
    return _one(shapes)


def linear(params: dict[str, Any], shapes: Sequence[Shape]) -> Shape:
    s = _one(shapes)
    if len(s) == 0:
        raise ShapeMismatch("Linear expects at least one feature dimension")
    return s[:-1] + (params["out_features"],)


def _conv_len(n: int, k: int, stride: int, pad: int, dil: int = 1) -> int:
    return math.floor((n + 2 * pad - dil * (k - 1) - 1) / stride) + 1


def conv1d(params: dict[str, Any], shapes: Sequence[Shape]) -> Shape:
    s = _one(shapes)
    if len(s) != 2:
        raise ShapeMismatch(f"Conv1d expects input (C, L) but gets {fmt_shape(s)}: add a Reshape to (channels, length)")
    out = _conv_len(s[1], params["kernel_size"], params["stride"], params["padding"], params["dilation"])
    if out < 1:
        raise ShapeMismatch(f"Conv1d kernel {params['kernel_size']} is longer than the input length {s[1]}: "
                            "use a smaller kernel_size or add padding")
    return (params["out_channels"], out)


def _pair(v: Any) -> tuple[int, int]:
    if isinstance(v, (list, tuple)):
        return (int(v[0]), int(v[-1]))
    return (int(v), int(v))


def _spatial2d(name: str, s: Shape, k, stride, pad, dil=(1, 1)) -> tuple[int, int]:
    if len(s) != 3:
        raise ShapeMismatch(f"{name} expects input (C, H, W) but gets {fmt_shape(s)}: add a Reshape")
    k, stride, pad, dil = _pair(k), _pair(stride), _pair(pad), _pair(dil)
    h = _conv_len(s[1], k[0], stride[0], pad[0], dil[0])
    w = _conv_len(s[2], k[1], stride[1], pad[1], dil[1])
    if h < 1 or w < 1:
        raise ShapeMismatch(f"{name} kernel {list(k)} does not fit the input {s[1]}x{s[2]}: "
                            "use a smaller kernel_size, add padding, or remove a pooling layer before it")
    return h, w


def conv2d(params: dict[str, Any], shapes: Sequence[Shape]) -> Shape:
    s = _one(shapes)
    h, w = _spatial2d("Conv2d", s, params["kernel_size"], params["stride"], params["padding"], params["dilation"])
    return (params["out_channels"], h, w)


def pool2d(params: dict[str, Any], shapes: Sequence[Shape]) -> Shape:
    s = _one(shapes)
    stride = params["stride"] if params.get("stride") is not None else params["kernel_size"]
    pk, pp = _pair(params["kernel_size"]), _pair(params["padding"])
    if pp[0] * 2 > pk[0] or pp[1] * 2 > pk[1]:
        raise ShapeMismatch("pooling padding must be at most half the kernel size")
    h, w = _spatial2d("pooling", s, params["kernel_size"], stride, params["padding"])
    return (s[0], h, w)


def flatten(params: dict[str, Any], shapes: Sequence[Shape]) -> Shape:
    return (math.prod(_one(shapes)),)


def reshape(params: dict[str, Any], shapes: Sequence[Shape]) -> Shape:
    s = _one(shapes)
    target = list(params["shape"])
    total = math.prod(s)
    if target.count(-1) > 1:
        raise ShapeMismatch("Reshape accepts at most one -1 in its shape")
    if any(t == 0 or t < -1 for t in target):
        raise ShapeMismatch(f"Reshape sizes must be positive (or one -1), got {target}")
    known = math.prod(t for t in target if t != -1)
    if -1 in target:
        if total % known:
            raise ShapeMismatch(f"Reshape cannot split {total} values into {target}: {total} is not a multiple of {known}")
        target[target.index(-1)] = total // known
    elif known != total:
        raise ShapeMismatch(f"Reshape to {fmt_shape(target)} needs {known} values but gets {total} from "
                            f"{fmt_shape(s)}: use sizes whose product is {total}")
    return tuple(target)


def batchnorm(params: dict[str, Any], shapes: Sequence[Shape]) -> Shape:
    s = _one(shapes)
    if len(s) not in (1, 2, 3):
        raise ShapeMismatch(f"BatchNorm expects (F,), (C, L) or (C, H, W) but gets {fmt_shape(s)}")
    return s


def embedding(params: dict[str, Any], shapes: Sequence[Shape]) -> Shape:
    s = _one(shapes)
    if len(s) != 1:
        raise ShapeMismatch(f"Embedding expects a sequence of token ids (T,) but gets {fmt_shape(s)}: add a Flatten")
    return (s[0], params["embedding_dim"])


def recurrent(params: dict[str, Any], shapes: Sequence[Shape]) -> Shape:
    s = _one(shapes)
    if len(s) != 2:
        raise ShapeMismatch(f"recurrent layers expect a sequence (T, F) but get {fmt_shape(s)}: "
                            f"add a Reshape to ({s[0] if s else 'T'}, 1) for one feature per time step")
    h = params["hidden_size"] * (2 if params["bidirectional"] else 1)
    return (s[0], h) if params["return_sequences"] else (h,)


def add(params: dict[str, Any], shapes: Sequence[Shape]) -> Shape:
    first = tuple(shapes[0])
    for other in shapes[1:]:
        if tuple(other) != first:
            listed = " and ".join(fmt_shape(x) for x in shapes)
            raise ShapeMismatch(f"Add needs inputs of one shape but gets {listed}: "
                                "insert a Linear on one branch to match the widths, or use Concat")
    return first


def concat(params: dict[str, Any], shapes: Sequence[Shape]) -> Shape:
    rank = len(shapes[0])
    dim = params["dim"]
    if not -rank <= dim < rank:
        raise ShapeMismatch(f"Concat dim {dim} is out of range for inputs of rank {rank}")
    d = dim % rank
    for other in shapes[1:]:
        if len(other) != rank or any(a != b for i, (a, b) in enumerate(zip(shapes[0], other)) if i != d):
            listed = " and ".join(fmt_shape(x) for x in shapes)
            raise ShapeMismatch(f"Concat along dim {dim} needs the other sizes equal but gets {listed}: "
                                "add a Flatten or Reshape on one branch")
    out = list(shapes[0])
    out[d] = sum(s[d] for s in shapes)
    return tuple(out)


def softmax(params: dict[str, Any], shapes: Sequence[Shape]) -> Shape:
    s = _one(shapes)
    if not -len(s) <= params["dim"] < len(s):
        raise ShapeMismatch(f"Softmax dim {params['dim']} is out of range for input {fmt_shape(s)}")
    return s
