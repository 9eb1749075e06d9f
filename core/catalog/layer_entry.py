"""The layer record: everything LossLab knows about one layer type, in one place.

Graph checks, the model builder, the parameter count, architecture lint, the trainer, the palette,
the inspector and the canvas all read a :class:`LayerEntry`; none keeps its own list of layer
names. Adding a layer is adding one entry to ``LAYERS`` (see ``core/catalog/layers.py``).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from .layer_code import LayerCode, TorchModule
from .layer_shapes import Shape, ShapeMismatch, fmt_shape
from .params import Entry

#: ``rule(params, input_shapes) -> output_shape`` (per-sample shapes, batch excluded); raises ShapeMismatch
ShapeRule = Callable[[dict[str, Any], Sequence[Shape]], Shape]
#: ``count(params, input_shapes, output_shape) -> trainable parameters``, from shapes alone (no torch)
ParamCount = Callable[[dict[str, Any], Sequence[Shape], Shape], int]
#: the ``count`` (or ``infer``) value that means "ask the built module" (built on torch's meta device)
FROM_MODULE = "module"


def no_weights(params: dict[str, Any], shapes: Sequence[Shape], out: Shape) -> int:
    """The parameter count of a layer that learns nothing."""
    return 0


@dataclass(frozen=True)
class Traits:
    """What lint, the trainer and the editor need to know about a layer, as named facts.

    - ``activation``: an element-wise non-linearity; it separates two Linear layers and breaks a chain
      of saturating activations (unless it saturates itself).
    - ``saturating``: its gradient vanishes for large inputs (Sigmoid, Tanh): deep stacks train slowly.
    - ``dies``: it outputs exactly 0, with zero gradient, for every input below 0 (ReLU): its units can
      die, the trainer measures the share of dead units, and on class scores it clips the logits.
    - ``has_weights``: it learns a weight map from its inputs (Linear, convolutions, recurrent,
      Embedding): the "last weight layer" of a head.
    - ``normalizes``: it re-centres and re-scales its input (BatchNorm, LayerNorm).
    - ``transparent``: parameter-free and keeps each value's meaning (Dropout, Flatten, Reshape,
      Identity): lint looks through it to find the real head.
    - ``affine``: (near-)affine, so Linear, this, Linear is still one linear map.
    - ``stochastic``: it randomly zeroes values while training and not at evaluation (Dropout): after
      the last weight layer it corrupts the predictions themselves.
    - ``batch_statistics``: it learns running statistics over the batch (BatchNorm): right after a
      stochastic layer those statistics differ between training and evaluation (variance shift).
    - ``output_range``: the (low, high) values it can output when narrower than all reals (a regression
      head ending on it cannot reach targets outside); ``None`` = unbounded or depends on parameters.
    - ``computes``: the named output function it applies ("sigmoid", "softmax", "log_softmax"), which
      some losses apply themselves (see ``LossEntry.applies``).
    - ``linear_map``: a learned affine map of the whole feature vector (Linear): two of them with only
      affine layers between are still one linear map (lint).
    - ``recurrent``: it reads a sequence step by step (LSTM, GRU): exports take any sequence length.
    - ``sets_shape``: it only gives each sample the shape in its ``shape`` parameter (Reshape): an export
      that frees the sequence length rewrites that shape.
    """

    activation: bool = False
    saturating: bool = False
    dies: bool = False
    has_weights: bool = False
    normalizes: bool = False
    transparent: bool = False
    affine: bool = False
    stochastic: bool = False
    batch_statistics: bool = False
    output_range: tuple[float, float] | None = None
    computes: str | None = None
    linear_map: bool = False
    recurrent: bool = False
    sets_shape: bool = False

    @property
    def bounded(self) -> bool:
        """Both ends of the output range are finite (Sigmoid, Tanh, Softmax)."""
        r = self.output_range
        return r is not None and math.isfinite(r[0]) and math.isfinite(r[1])


@dataclass(frozen=True)
class CategoryStyle:
    """How a category looks on the canvas and in the palette: accent colour and glyph.

    ``glyph`` names one of the glyphs ``guiapp/editor/style.py`` can draw (input, dense, convolution,
    pooling, reshape, regularization, normalization, recurrent, merge, activation); an unknown name
    draws a plain circle, so a new category needs no GUI code.
    """

    colour: str = "#607d8b"
    glyph: str = ""


@dataclass(frozen=True)
class LayerEntry(Entry):
    """One layer type. ``builder(params, input_shapes)`` returns its ``torch.nn.Module``.

    - ``infer``: the shape rule, or :data:`FROM_MODULE` to run the built module on a meta tensor.
    - ``arity``: (fewest, most) inputs; most ``None`` = any number; (0, 0) = fed by the data (Input).
    - ``count``: trainable parameters from shapes (a :data:`ParamCount`), or :data:`FROM_MODULE` to
      count ``numel`` of the module built on torch's meta device (needs torch, costs no memory).
    - ``traits``: :class:`Traits`; ``style``: :class:`CategoryStyle`.
    - ``show``: parameters printed on the canvas card; ``width_param``: the parameter that sets the
      output width (``out_features``), named in "make this head wider" advice and scaled by the
      studies' width knob.
    - ``code(node) -> LayerCode``: how an exported script writes the layer; None = the builder's own
      script form (a :class:`TorchModule` builder), else the py export refuses the layer by name.
    - ``wrapper_attr``: LossLab's module wraps the torch one under this attribute (``rnn``, ``bn``);
      the exported script's weight names drop that level.
    """

    infer: ShapeRule | str = FROM_MODULE
    arity: tuple[int, int | None] = (1, 1)
    count: ParamCount | str = FROM_MODULE
    traits: Traits = field(default_factory=Traits)
    style: CategoryStyle = field(default_factory=CategoryStyle)
    show: tuple[str, ...] = ()
    width_param: str | None = None
    code: Callable[[Any], LayerCode] | None = None
    wrapper_attr: str | None = None

    @property
    def is_input(self) -> bool:
        """The layer is fed by the data set, not by another layer."""
        return self.arity == (0, 0)

    @property
    def takes_one_input(self) -> bool:
        return self.arity[1] == 1

    def script_code(self, node: Any) -> LayerCode | None:
        """How an exported script writes ``node`` (a graph ``NodeInfo``), or None when the entry cannot say."""
        if self.code is not None:
            return self.code(node)
        if isinstance(self.builder, TorchModule):
            return self.builder.code(node)
        return None

    def output_shape(self, params: dict[str, Any], shapes: Sequence[Shape]) -> Shape:
        """The output shape for ``shapes``; raises :class:`ShapeMismatch` saying what to change."""
        if self.infer != FROM_MODULE:
            return tuple(self.infer(params, shapes))  # type: ignore[operator]
        _, out, error = _probe(self.name, self.builder, _freeze(params), tuple(tuple(s) for s in shapes))
        if error is not None:
            raise ShapeMismatch(error)
        return out  # type: ignore[return-value]

    def count_params(self, params: dict[str, Any], shapes: Sequence[Shape], out: Shape) -> int:
        """Trainable parameters of the layer built for ``shapes``."""
        if self.count != FROM_MODULE:
            return int(self.count(params, shapes, out))  # type: ignore[operator]
        count, _, error = _probe(self.name, self.builder, _freeze(params), tuple(tuple(s) for s in shapes))
        if count is None:
            raise ShapeMismatch(error or f"{self.name} cannot be built for these inputs")
        return count


def _freeze(params: dict[str, Any]) -> tuple:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))


@functools.lru_cache(maxsize=1024)
def _probe(name: str, builder: Callable, frozen: tuple, shapes: tuple[Shape, ...]
           ) -> tuple[int | None, Shape | None, str | None]:
    """Build the layer on torch's meta device (no memory, no weights initialised) and run it once:
    (trainable parameters, output shape, error sentence). Cached: the editor checks after every edit."""
    import torch
    params = {k: list(v) if isinstance(v, tuple) else v for k, v in frozen}
    got = " and ".join(fmt_shape(s) for s in shapes)
    try:
        with torch.device("meta"):
            module = builder(params, [tuple(s) for s in shapes])
    except (RuntimeError, ValueError, TypeError, IndexError) as e:
        return None, None, f"{name} cannot be built for input {got}: {str(e).splitlines()[0]}"
    count = sum(p.numel() for p in module.parameters() if p.requires_grad)
    try:
        with torch.device("meta"):
            out = module(*[torch.empty(1, *s) for s in shapes])
    except (RuntimeError, ValueError, TypeError, IndexError) as e:
        return count, None, f"{name} cannot take input {got}: {str(e).splitlines()[0]}"
    return count, tuple(out.shape[1:]), None
