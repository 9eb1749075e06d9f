"""The layer catalog: every layer a person can drag onto the canvas, as data.

Each layer is one :class:`~core.catalog.layer_entry.LayerEntry`: parameters, builder, shape rule,
arity, parameter count, traits and category style. Adding a layer is adding one entry here (or
``LAYERS.add(LayerEntry(...))`` from elsewhere): graph checks, build, lint, trainer, palette,
inspector and canvas all read the record.

Names and parameters follow PyTorch; inferred arguments (in_features, in_channels, num_features,
normalized_shape) are never stored: the graph builder fills them from the inferred input shape.
"""
from __future__ import annotations

import math
from typing import Any, Callable

from . import layer_shapes as S
from . import layer_code as C
from .layer_code import TorchModule
from .layer_entry import CategoryStyle, LayerEntry, Traits, no_weights
from .params import Param, Registry


def _nn(name: str) -> Callable[..., Any]:
    """``torch.nn.<name>(**params)``: the builder, and the exported script's line."""
    return TorchModule(f"nn.{name}")


def _build_linear(p, shapes):
    from torch import nn
    return nn.Linear(shapes[0][-1], p["out_features"], bias=p["bias"])


def _build_conv1d(p, shapes):
    from torch import nn
    return nn.Conv1d(shapes[0][0], p["out_channels"], p["kernel_size"], stride=p["stride"],
                     padding=p["padding"], dilation=p["dilation"], bias=p["bias"])


def _build_conv2d(p, shapes):
    from torch import nn
    return nn.Conv2d(shapes[0][0], p["out_channels"], S._pair(p["kernel_size"]), stride=S._pair(p["stride"]),
                     padding=S._pair(p["padding"]), dilation=S._pair(p["dilation"]), bias=p["bias"])


def _build_pool(cls_name: str):
    def build(p, shapes):
        from torch import nn
        stride = p["stride"] if p.get("stride") is not None else p["kernel_size"]
        return getattr(nn, cls_name)(S._pair(p["kernel_size"]), stride=S._pair(stride), padding=S._pair(p["padding"]))
    return build


def _build_flatten(p, shapes):
    from torch import nn
    return nn.Flatten()


def _build_reshape(p, shapes):
    from .layer_modules import Reshape
    return Reshape(list(S.reshape(p, shapes)))


def _build_batchnorm(p, shapes):
    from .layer_modules import BatchNormAny
    return BatchNormAny(tuple(shapes[0]), eps=p["eps"], momentum=p["momentum"])


def _build_layernorm(p, shapes):
    from torch import nn
    return nn.LayerNorm(shapes[0][-1], eps=p["eps"], elementwise_affine=p["elementwise_affine"])


def _build_embedding(p, shapes):
    from .layer_modules import TokenEmbedding
    return TokenEmbedding(p["num_embeddings"], p["embedding_dim"])


def _build_recurrent(kind: str):
    def build(p, shapes):
        from .layer_modules import Recurrent
        return Recurrent(kind, shapes[0][-1], p["hidden_size"], p["num_layers"], p["bidirectional"],
                         p["dropout"], p["return_sequences"])
    return build


def _build_add(p, shapes):
    from .layer_modules import Add
    return Add()


def _build_concat(p, shapes):
    from .layer_modules import Concat
    return Concat(p["dim"])


def _build_prelu(p, shapes):
    from torch import nn
    return nn.PReLU(shapes[0][0] if p["per_channel"] else 1, init=p["init"])


def _build_dropout(p, shapes):
    from torch import nn
    return nn.Dropout(p["p"])


# -- parameter counts from shapes (no torch needed); the catalog test checks each against numel() ----------
def _count_linear(p, shapes, out):
    return shapes[0][-1] * p["out_features"] + (p["out_features"] if p["bias"] else 0)


def _count_conv(p, shapes, out):
    k = math.prod(p["kernel_size"]) if isinstance(p["kernel_size"], list) else p["kernel_size"]
    return shapes[0][0] * p["out_channels"] * k + (p["out_channels"] if p["bias"] else 0)


def _count_batchnorm(p, shapes, out):
    return 2 * shapes[0][0]


def _count_layernorm(p, shapes, out):
    return 2 * shapes[0][-1] if p["elementwise_affine"] else 0


def _count_embedding(p, shapes, out):
    return p["num_embeddings"] * p["embedding_dim"]


def _count_recurrent(gates: int):
    def count(p, shapes, out):
        h, dirs = p["hidden_size"], 2 if p["bidirectional"] else 1
        total, in_size = 0, shapes[0][-1]
        for _ in range(p["num_layers"]):
            total += dirs * gates * (h * in_size + h * h + 2 * h)
            in_size = h * dirs
        return total
    return count


def _count_prelu(p, shapes, out):
    return shapes[0][0] if p["per_channel"] else 1


# -- categories: name and look -----------------------------------------------------------------------------
INPUT = ("Input", CategoryStyle("#455a64", "input"))
DENSE = ("Dense", CategoryStyle("#1e6fd0", "dense"))
CONV = ("Convolution", CategoryStyle("#7b4fc4", "convolution"))
POOL = ("Pooling", CategoryStyle("#00897b", "pooling"))
RESHAPE = ("Reshape", CategoryStyle("#6d7782", "reshape"))
REGULARIZATION = ("Regularization", CategoryStyle("#e07b16", "regularization"))
NORM = ("Normalization", CategoryStyle("#b28704", "normalization"))
RECURRENT = ("Recurrent", CategoryStyle("#c2407a", "recurrent"))
MERGE = ("Merge", CategoryStyle("#8d6e52", "merge"))
ACTIVATION = ("Activation", CategoryStyle("#2e9348", "activation"))
UTILITY = ("Utility", CategoryStyle("#5c6bc0", "identity"))

WEIGHTS = Traits(has_weights=True)
TRANSPARENT = Traits(transparent=True, affine=True)


def _layer(name, category, params, doc, builder, infer, *, count=no_weights, arity=(1, 1), show=(),
           traits=Traits(), width_param=None, code=None, wrapper_attr=None) -> LayerEntry:
    cat, style = category
    return LayerEntry(name, cat, tuple(params), doc, builder, infer=infer, arity=arity, count=count,
                      traits=traits, style=style, show=tuple(show), width_param=width_param, code=code,
                      wrapper_attr=wrapper_attr)


BIAS = Param("bias", "bool", True, help="Learn an additive bias.")
KERNEL2 = Param("kernel_size", "int_tuple", [3, 3], min=1, max=64, tuple_len=2, help="Height and width of the window.")
STRIDE2 = Param("stride", "int_tuple", [1, 1], min=1, max=64, tuple_len=2, help="Step of the window.")
PAD2 = Param("padding", "int_tuple", [0, 0], min=0, max=64, tuple_len=2, help="Zeros added on each side.")
DIL2 = Param("dilation", "int_tuple", [1, 1], min=1, max=16, tuple_len=2, help="Spacing of the kernel taps.", advanced=True)


def _activation(name: str, doc: str, params=(), infer=S.same, *, builder=None, count=no_weights,
                output_range=None, code=None, **traits) -> LayerEntry:
    return _layer(name, ACTIVATION, params, doc, builder or _nn(name), infer, count=count, code=code,
                  show=[p.name for p in params], traits=Traits(activation=True, output_range=output_range, **traits))


LAYERS = Registry("layer", [
    _layer("Input", INPUT, [], "The data's input features, one sample at a time. Its shape comes from the data set: "
           "(F,) for tables and 2-D sets, (1, 8, 8) for the digit images.", None, S.same, arity=(0, 0)),
    _layer("Linear", DENSE, [
        Param("out_features", "int", 16, min=1, max=65536, help="Number of output units (neurons)."), BIAS],
        "Fully connected layer: y = xW + b over the last dimension. The workhorse of an MLP; its out_features "
        "is the layer's width. An output head for k classes needs out_features = k.",
        _build_linear, S.linear, count=_count_linear, show=["out_features"],
        traits=Traits(has_weights=True, linear_map=True), width_param="out_features", code=C.linear_code),
    _layer("Conv1d", CONV, [
        Param("out_channels", "int", 16, min=1, max=4096, help="Number of filters."),
        Param("kernel_size", "int", 3, min=1, max=256, help="Length of the window."),
        Param("stride", "int", 1, min=1, max=64, help="Step of the window."),
        Param("padding", "int", 0, min=0, max=256, help="Zeros added on each side."),
        Param("dilation", "int", 1, min=1, max=64, help="Spacing of the kernel taps.", advanced=True), BIAS],
        "1-D convolution over a sequence (C, L): learns local patterns that repeat along time or position.",
        _build_conv1d, S.conv1d, count=_count_conv, show=["out_channels", "kernel_size"], traits=WEIGHTS,
        width_param="out_channels", code=C.conv1d_code),
    _layer("Conv2d", CONV, [
        Param("out_channels", "int", 16, min=1, max=4096, help="Number of filters."), KERNEL2, STRIDE2, PAD2, DIL2, BIAS],
        "2-D convolution over images (C, H, W): learns small filters (edges, strokes) shared across the image. "
        "Far fewer parameters than a Linear layer on the same pixels.",
        _build_conv2d, S.conv2d, count=_count_conv, show=["out_channels", "kernel_size"], traits=WEIGHTS,
        width_param="out_channels", code=C.conv2d_code),
    _layer("MaxPool2d", POOL, [
        Param("kernel_size", "int_tuple", [2, 2], min=1, max=64, tuple_len=2, help="Window height and width."),
        Param("stride", "int_tuple", None, min=1, max=64, tuple_len=2, optional=True, help="Step; empty = kernel_size."),
        Param("padding", "int_tuple", [0, 0], min=0, max=32, tuple_len=2, help="Padding on each side.")],
        "Keeps the largest value in each window: halves H and W with a 2x2 window, adds a little translation invariance.",
        _build_pool("MaxPool2d"), S.pool2d, show=["kernel_size"], code=C.pool_code("MaxPool2d")),
    _layer("AvgPool2d", POOL, [
        Param("kernel_size", "int_tuple", [2, 2], min=1, max=64, tuple_len=2, help="Window height and width."),
        Param("stride", "int_tuple", None, min=1, max=64, tuple_len=2, optional=True, help="Step; empty = kernel_size."),
        Param("padding", "int_tuple", [0, 0], min=0, max=32, tuple_len=2, help="Padding on each side.")],
        "Averages each window: a smoother down-sampling than max pooling.",
        _build_pool("AvgPool2d"), S.pool2d, show=["kernel_size"], code=C.pool_code("AvgPool2d")),
    _layer("Flatten", RESHAPE, [], "Flattens each sample to one vector, e.g. (16, 4, 4) -> (256,), "
           "so a Linear layer can follow a convolution.", _build_flatten, S.flatten, traits=TRANSPARENT,
           code=C.flatten_code),
    _layer("Reshape", RESHAPE, [
        Param("shape", "int_tuple", [1, -1], min=-1, max=1 << 20, help="New per-sample shape; one -1 is inferred.")],
        "Gives each sample a new shape with the same number of values, e.g. (64,) -> (1, 8, 8) for a Conv2d, "
        "or (14,) -> (14, 1) for an LSTM.", _build_reshape, S.reshape, show=["shape"],
        traits=Traits(transparent=True, affine=True, sets_shape=True), code=C.reshape_code),
    _layer("Dropout", REGULARIZATION, [
        Param("p", "float", 0.5, min=0.0, max=0.95, help="Probability of zeroing each unit during training.")],
        "Randomly zeroes units while training (scaled at test time): a regularizer that fights overfitting. "
        "Too high a rate (0.8) starves the network and it underfits.", _build_dropout, S.same, show=["p"],
        traits=Traits(transparent=True, affine=True, stochastic=True), code=C.dropout_code),
    _layer("BatchNorm", NORM, [
        Param("eps", "float", 1e-5, min=1e-10, max=1.0, log=True, help="Added to the variance.", advanced=True),
        Param("momentum", "float", 0.1, min=0.0, max=1.0, help="Running-statistics update rate.")],
        "Normalizes each feature/channel over the batch (BatchNorm1d for (F,) and (C, L), BatchNorm2d for (C, H, W), "
        "inferred). Speeds training and allows higher learning rates; behaves differently in training and evaluation.",
        _build_batchnorm, S.batchnorm, count=_count_batchnorm,
        traits=Traits(normalizes=True, affine=True, batch_statistics=True), code=C.batchnorm_code, wrapper_attr="bn"),
    _layer("LayerNorm", NORM, [
        Param("eps", "float", 1e-5, min=1e-10, max=1.0, log=True, help="Added to the variance.", advanced=True),
        Param("elementwise_affine", "bool", True, help="Learn a scale and shift.")],
        "Normalizes over the last dimension of each sample: independent of the batch size.",
        _build_layernorm, S.same, count=_count_layernorm, traits=Traits(normalizes=True, affine=True),
        code=C.layernorm_code),
    _layer("Embedding", RECURRENT, [
        Param("num_embeddings", "int", 100, min=1, max=1 << 22, help="Vocabulary size (largest id + 1)."),
        Param("embedding_dim", "int", 16, min=1, max=4096, help="Length of each learned vector.")],
        "Maps integer ids (T,) to learned vectors (T, D). Input values are rounded to ids.",
        _build_embedding, S.embedding, count=_count_embedding, show=["embedding_dim"], traits=WEIGHTS,
        code=C.embedding_code),
    *[_layer(kind, RECURRENT, [
        Param("hidden_size", "int", 32, min=1, max=4096, help="Units in the hidden state."),
        Param("num_layers", "int", 1, min=1, max=8, help="Stacked recurrent layers."),
        Param("bidirectional", "bool", False, help="Also read the sequence backwards."),
        Param("dropout", "float", 0.0, min=0.0, max=0.9, help="Dropout between stacked layers."),
        Param("return_sequences", "bool", False, help="Output every time step (T, H) instead of the last (H,).")],
        f"{kind} over a sequence (T, F): carries a memory across time steps. " + (
            "Gated with input, forget and output gates; robust on long sequences." if kind == "LSTM" else
            "A lighter gated unit than the LSTM, often as good."),
        _build_recurrent(kind), S.recurrent, count=_count_recurrent(gates), show=["hidden_size"],
        traits=Traits(has_weights=True, recurrent=True), code=C.recurrent_code(kind), wrapper_attr="rnn")
        for kind, gates in (("LSTM", 4), ("GRU", 3))],
    _layer("Add", MERGE, [], "Adds two or more inputs of the same shape element-wise (a residual connection).",
           _build_add, S.add, arity=(2, None), code=C.add_code),
    _layer("Concat", MERGE, [Param("dim", "int", -1, min=-4, max=3, help="Per-sample dimension to join along.")],
           "Joins two or more inputs along a dimension, e.g. (8,) and (4,) -> (12,).",
           _build_concat, S.concat, arity=(2, None), code=C.concat_code),
    _activation("ReLU", "max(0, x). The default hidden activation: cheap, no saturation for x > 0; units can 'die' "
                "(always 0) with a too-high learning rate.", output_range=(0.0, math.inf), dies=True),
    _activation("LeakyReLU", "x for x > 0, negative_slope * x otherwise: keeps a small gradient so units do not die.",
                [Param("negative_slope", "float", 0.01, min=0.0, max=1.0, help="Slope for x < 0.")]),
    _activation("PReLU", "x for x > 0, a * x otherwise, with the slope a learned (one for the layer, or one per "
                "channel): a LeakyReLU that picks its own slope.",
                [Param("per_channel", "bool", False, help="Learn one slope per channel (the first per-sample "
                                                          "dimension) instead of one for the whole layer."),
                 Param("init", "float", 0.25, min=0.0, max=1.0, help="Starting slope for x < 0.")],
                builder=_build_prelu, count=_count_prelu, code=C.prelu_code),
    _activation("ELU", "x for x > 0, alpha*(exp(x)-1) otherwise: smooth, mean closer to zero.",
                [Param("alpha", "float", 1.0, min=0.0, max=10.0, help="Saturation value for x < 0.")]),
    _activation("GELU", "x * Phi(x): the smooth ReLU of transformers.",
                [Param("approximate", "choice", "none", choices=("none", "tanh"), help="Exact or tanh approximation.")],
                output_range=(-0.17, math.inf)),
    _activation("SiLU", "x * sigmoid(x) (swish): smooth and non-monotonic.", output_range=(-0.279, math.inf)),
    _activation("Mish", "x * tanh(softplus(x)): smooth and non-monotonic like SiLU, with a slightly deeper dip "
                "below zero; a common choice in vision models.", output_range=(-0.309, math.inf)),
    _activation("Hardswish", "x * relu6(x + 3) / 6: a piecewise approximation of SiLU that is cheap on phones "
                "(MobileNetV3). Zero below -3.", output_range=(-0.375, math.inf)),
    _activation("Softplus", "log(1 + exp(beta * x)) / beta: a smooth ReLU that is always positive, e.g. for a "
                "head that must predict a positive scale or rate.",
                [Param("beta", "float", 1.0, min=1e-3, max=100.0, log=True, help="Sharpness: larger is closer to ReLU."),
                 Param("threshold", "float", 20.0, min=1.0, max=100.0, help="Above beta * x > threshold it is just x "
                                                                             "(for numerical stability).",
                       advanced=True)],
                output_range=(0.0, math.inf)),
    _activation("Sigmoid", "1/(1+exp(-x)), squashes to (0, 1). Saturates, so deep stacks of it train slowly "
                "(vanishing gradients). Do not put it before BCEWithLogitsLoss: that loss applies it itself.",
                output_range=(0.0, 1.0), saturating=True, computes="sigmoid"),
    _activation("Tanh", "Squashes to (-1, 1), zero-centred: better than Sigmoid for hidden layers, still saturates.",
                output_range=(-1.0, 1.0), saturating=True),
    _activation("LogSoftmax", "log(softmax(x)): log-probabilities, what NLLLoss expects as input.",
                [Param("dim", "int", -1, min=-4, max=3, help="Dimension to normalize over.")], S.softmax,
                output_range=(-math.inf, 0.0), computes="log_softmax"),
    _activation("Softmax", "Turns scores into probabilities that sum to 1. Do not put it before CrossEntropyLoss: "
                "that loss applies log-softmax itself, and a double softmax trains badly.",
                [Param("dim", "int", -1, min=-4, max=3, help="Dimension that sums to 1.")], S.softmax,
                output_range=(0.0, 1.0), computes="softmax"),
    _layer("Identity", UTILITY, [], "Passes its input through unchanged: a placeholder while you try designs "
           "(swap it for an activation or a Dropout later), or a named point to mark as an extra output.",
           _nn("Identity"), S.same, traits=TRANSPARENT),
])



#: the layer type fed by the data set (the one entry whose arity is (0, 0))
INPUT_TYPE = next(e.name for e in LAYERS if e.is_input)  # type: ignore[attr-defined]


def is_input(type_name: object) -> bool:
    """Whether ``type_name`` is the layer fed by the data (False for an unknown name)."""
    entry = LAYERS.find(type_name)
    return entry is not None and entry.is_input  # type: ignore[attr-defined]


def category_style(category: str) -> CategoryStyle:
    """The look of a layer category (from its first entry; a plain default for an unknown one)."""
    for e in LAYERS:
        if e.category == category:
            return e.style  # type: ignore[attr-defined]
    return CategoryStyle()
