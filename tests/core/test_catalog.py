"""The catalog: parameter validation messages, and shape rules that agree with torch itself."""
from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings, strategies as st

from core.catalog import LAYERS, LOSSES, OPTIMIZERS, SCHEDULES, Param, ParamError
from core.graph import count_params

# a typical input for each layer type (per-sample shape)
INPUTS = {
    "Linear": [(7,)], "Conv1d": [(3, 20)], "Conv2d": [(3, 12, 10)], "MaxPool2d": [(4, 9, 8)], "AvgPool2d": [(4, 9, 8)],
    "Flatten": [(2, 3, 4)], "Reshape": [(24,)], "Dropout": [(5,)], "BatchNorm": [(6,)], "LayerNorm": [(4, 6)],
    "Embedding": [(9,)], "LSTM": [(11, 3)], "GRU": [(11, 3)], "Add": [(5,), (5,)], "Concat": [(5,), (3,)],
}


def test_every_entry_has_a_doc_and_described_params():
    for registry in (LAYERS, LOSSES, OPTIMIZERS, SCHEDULES):
        for entry in registry:
            assert len(entry.doc) > 20, entry.name
            for p in entry.params:
                assert p.help or registry is LOSSES, (entry.name, p.name)


@pytest.mark.parametrize("entry", [e for e in LAYERS if e.name != "Input"], ids=lambda e: e.name)
def test_shape_rule_and_param_count_match_the_real_torch_module(entry):
    shapes = INPUTS.get(entry.name, [(5,)])
    params = entry.validate_params({}, "p")
    if entry.name == "Reshape":
        params["shape"] = [4, -1]
    torch.manual_seed(0)
    module = entry.builder(params, shapes)
    module.eval()
    xs = [torch.rand(2, *s) * (8 if entry.name == "Embedding" else 1) for s in shapes]
    out = module(*xs)
    expected = entry.output_shape(params, shapes)
    assert tuple(out.shape[1:]) == tuple(expected)
    assert count_params(entry.name, params, shapes, expected) == sum(p.numel() for p in module.parameters())


@settings(max_examples=40, deadline=None)
@given(h=st.integers(3, 16), w=st.integers(3, 16), k=st.integers(1, 3), s=st.integers(1, 2), p=st.integers(0, 1))
def test_conv2d_shape_rule_matches_torch_for_any_geometry(h, w, k, s, p):
    entry = LAYERS.get("Conv2d")
    params = entry.validate_params({"out_channels": 2, "kernel_size": [k, k], "stride": [s, s], "padding": [p, p]}, "p")
    expected = entry.output_shape(params, [(1, h, w)])
    out = entry.builder(params, [(1, h, w)])(torch.zeros(1, 1, h, w))
    assert tuple(out.shape[1:]) == expected


def test_param_errors_quote_the_value_received():
    p = Param("units", "int", 16, min=1, max=100)
    with pytest.raises(ParamError, match=r"expected an integer between 1 and 100, received units=-3"):
        p.validate(-3)
    with pytest.raises(ParamError, match="received units=2.5"):
        p.validate(2.5)
    assert Param("rate", "float", 0.1, min=0, max=1).validate(1) == 1.0
    with pytest.raises(ParamError, match="expected one of"):
        Param("mode", "choice", "a", choices=("a", "b")).validate("c")


def test_catalog_covers_what_the_issue_lists():
    for name in ("Input Linear Conv1d Conv2d MaxPool2d AvgPool2d Flatten Reshape Dropout BatchNorm LayerNorm Embedding "
                 "LSTM GRU Add Concat ReLU LeakyReLU ELU GELU SiLU Sigmoid Tanh Softmax").split():
        assert name in LAYERS
    for name in ("MSELoss L1Loss HuberLoss SmoothL1Loss CrossEntropyLoss BCEWithLogitsLoss NLLLoss MultiMarginLoss "
                 "HingeEmbeddingLoss KLDivLoss PoissonNLLLoss").split():
        assert name in LOSSES
    assert OPTIMIZERS.names() == ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "NAdam", "RAdam"]
    assert {"Constant", "StepLR", "ExponentialLR", "CosineAnnealingLR", "OneCycleLR", "ReduceLROnPlateau",
            "LinearWarmup"} <= set(SCHEDULES.names())


def test_catalog_and_project_files_load_without_torch():
    import subprocess
    import sys
    code = ("import sys, core.catalog, core.graph; from core.project import Project; "
            "Project.load('resources/examples/digits.losslab.json'); print('torch' in sys.modules)")
    root = __import__("pathlib").Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "False", "the editor must not need torch to show the window"


@pytest.mark.parametrize("shape", [(5,), (3, 12, 10)])
def test_prelu_per_channel_learns_one_slope_per_channel(shape):
    entry = LAYERS.get("PReLU")
    params = entry.validate_params({"per_channel": True}, "p")
    module = entry.builder(params, [shape])
    out = entry.output_shape(params, [shape])
    assert tuple(module(torch.rand(2, *shape)).shape[1:]) == out == shape
    assert count_params("PReLU", params, [shape], out) == shape[0] == sum(p.numel() for p in module.parameters())


def test_layer_records_are_consistent():
    styles: dict[str, object] = {}
    for entry in LAYERS:
        assert styles.setdefault(entry.category, entry.style) == entry.style, f"{entry.name}: one look per category"
        assert entry.style.colour.startswith("#") and entry.style.glyph, entry.name
        assert set(entry.show) <= {p.name for p in entry.params}, entry.name
        assert entry.width_param is None or entry.width_param in {p.name for p in entry.params}, entry.name
        t = entry.traits
        if t.transparent:  # looked through by lint: must change no value and learn nothing
            assert not t.has_weights and t.affine, entry.name
        if t.saturating or t.dies or t.computes:
            assert t.activation, entry.name
        lo, hi = entry.arity
        assert hi is None or lo <= hi, entry.name
    assert [e.name for e in LAYERS if e.is_input] == ["Input"]


@pytest.mark.parametrize("entry", [e for e in LAYERS if e.traits.output_range is not None], ids=lambda e: e.name)
def test_declared_output_ranges_hold_in_torch(entry):
    shapes = [(5,)]
    params = entry.validate_params({}, "p")
    x = torch.linspace(-50.0, 50.0, 20001).reshape(-1, 1).repeat(1, 5)
    with torch.no_grad():
        y = entry.builder(params, shapes)(x)
    low, high = entry.traits.output_range
    assert float(y.min()) >= low - 1e-6 and float(y.max()) <= high + 1e-6


def test_every_schedule_builds_from_its_record():
    for entry in SCHEDULES:
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        sched = entry.builder(entry.validate_params({}, "p"), opt, epochs=10, steps_per_epoch=5)
        assert (sched is None) == (entry.name == "Constant"), entry.name
    assert [e.name for e in SCHEDULES if e.per_step] == ["OneCycleLR"]
    assert [e.name for e in SCHEDULES if e.needs_metric] == ["ReduceLROnPlateau"]


@pytest.mark.parametrize("entry", list(LOSSES), ids=lambda e: e.name)
def test_every_loss_record_runs_on_a_target_it_fits(entry):
    from core.catalog import default_loss, loss_fits
    from core.data import TargetInfo
    task = "regression" if entry.fits == "regression" else "classification"
    info = TargetInfo("y", task, ["a", "b"] if task == "classification" else [], 2 if task == "classification" else 1)
    assert loss_fits(entry, info) is None
    y = torch.tensor([0.0, 1.0, 1.0, 0.0])
    out = torch.randn(4, entry.width(info))
    if entry.expects == "log_softmax":
        out = torch.log_softmax(out, dim=1)
    value = entry.builder(entry.validate_params({}, "p"))(out, entry.adapt(y, info))
    assert torch.isfinite(value)
    if task == "classification":
        assert entry.predict(out).shape == (4,)
        probs = entry.probabilities(out)
        assert probs.shape == (4, 2) and torch.allclose(probs.sum(dim=1), torch.ones(4))
    assert default_loss("classification") == "CrossEntropyLoss" and default_loss("regression") == "MSELoss"


@pytest.mark.parametrize("log_input", [True, False])
def test_poisson_baseline_is_the_loss_of_predicting_the_mean(log_input):
    import json
    from pathlib import Path

    from core.data import load_dataset
    from core.project import Project
    from core.training.setup import baseline_loss, prepare
    doc = json.loads((Path(__file__).resolve().parents[2] / "resources/examples/demand.losslab.json").read_text())
    doc["outputs"][0]["loss"] = {"type": "PoissonNLLLoss", "params": {"log_input": log_input}}
    project = Project.from_dict(doc)
    setup = prepare(project, load_dataset(project.data, project.base_dir))
    y_train, y_val = setup.heads[0].y_train, setup.heads[0].y_val
    assert float(y_train.min()) >= 0  # counts
    mean = y_train.mean(dim=0, keepdim=True)
    rate = mean.clamp_min(1e-6).log() if log_input else mean
    expected = float(torch.nn.PoissonNLLLoss(log_input=log_input)(rate.expand_as(y_val), y_val))
    assert baseline_loss(setup) == pytest.approx(expected)
