"""Two layers that exist only as one catalog entry each, for the "adding a layer is one entry" tests.

``SlopedReLU`` is a PReLU-like activation (a learned slope; explicit shape rule, parameters counted
from the built module); ``StridedConv1d`` a Conv1d-like layer in a category of its own (shape and
parameter count both from the built module, its own colour). Nothing else in the code base knows them.
"""
from __future__ import annotations

from core.catalog import LAYERS, CategoryStyle, LayerEntry, Param, TorchModule, Traits
from core.catalog import layer_shapes as S


def _sloped_relu_args(params, shapes):
    return {"num_parameters": shapes[0][0] if params["per_channel"] else 1, "init": params["init"]}


def _strided_conv1d_args(params, shapes):
    return {"in_channels": shapes[0][0], "out_channels": params["out_channels"],
            "kernel_size": params["kernel_size"], "stride": params["stride"]}


# each builder is a TorchModule: one torch class and its keywords, which the py export writes as they are
_build_sloped_relu = TorchModule("nn.PReLU", _sloped_relu_args)
_build_strided_conv1d = TorchModule("nn.Conv1d", _strided_conv1d_args)


SLOPED_RELU = LayerEntry(
    "SlopedReLU", "Activation",
    (Param("per_channel", "bool", False, help="One slope per channel."),
     Param("init", "float", 0.25, min=0.0, max=1.0, help="Starting slope for x < 0.")),
    "x for x > 0, a learned slope times x otherwise (a test-only PReLU).", _build_sloped_relu,
    infer=S.same, traits=Traits(activation=True), show=("init",))

SEQUENCE_STYLE = CategoryStyle("#00838f", "convolution")
STRIDED_CONV1D = LayerEntry(
    "StridedConv1d", "Sequence filters",
    (Param("out_channels", "int", 4, min=1, max=512, help="Number of filters."),
     Param("kernel_size", "int", 3, min=1, max=64, help="Length of the window."),
     Param("stride", "int", 2, min=1, max=16, help="Step of the window.", advanced=True)),
    "A strided 1-D convolution over (C, L) (a test-only Conv1d).", _build_strided_conv1d,
    traits=Traits(has_weights=True), style=SEQUENCE_STYLE, show=("out_channels",), width_param="out_channels")


def registered():
    """Both layers in ``LAYERS`` for the duration of a ``with`` block."""
    return LAYERS.temporarily(SLOPED_RELU, STRIDED_CONV1D)
