"""Architecture lint: every rule fires on a small project built here and names its node; the examples are clean."""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from core.data import TargetInfo, load_dataset
from core.diagnostics import Finding, lint_project
from core.graph import check_graph
from core.project import Project

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "resources" / "examples").glob("*.losslab.json"))

MOONS = {"source": "moons", "params": {"samples": 200, "noise": 0.2}}
SPIRAL3 = {"source": "spiral", "params": {"samples": 150, "classes": 3}}
SINE = {"source": "sine", "params": {"samples": 200}}

_DATA_CACHE: dict[str, object] = {}


def layer(node_id: str, type_: str, **params) -> dict:
    return {"id": node_id, "type": type_, "params": params} if params else {"id": node_id, "type": type_}


def chain_doc(*layers: dict, loss: str = "CrossEntropyLoss", data: dict = MOONS, head: str | None = None,
              extra_edges: tuple = ()) -> dict:
    """A project dict: Input, then ``layers`` in a chain; the last layer (or ``head``) is the output."""
    nodes = [layer("input", "Input"), *layers]
    edges = [[a["id"], b["id"]] for a, b in zip(nodes, nodes[1:])] + [list(e) for e in extra_edges]
    return {
        "format": "losslab-project", "version": 1, "name": "lint-test", "data": dict(data),
        "model": {"nodes": nodes, "edges": edges},
        "outputs": [{"node": head or nodes[-1]["id"], "loss": {"type": loss, "params": {}}}],
        "training": {"epochs": 1},
    }


def dataset_for(doc: dict):
    key = json.dumps(doc["data"], sort_keys=True)
    if key not in _DATA_CACHE:
        _DATA_CACHE[key] = load_dataset(Project.from_dict(doc).data)
    return _DATA_CACHE[key]


def lint(doc: dict, *, expect_ok: bool = True) -> list[Finding]:
    project = Project.from_dict(doc)
    dataset = dataset_for(doc)
    check = check_graph(project, dataset.input_shape, dataset.targets)
    if expect_ok:
        assert check.ok, [p.message for p in check.problems]
    return lint_project(project, check, dataset)


def only(findings: list[Finding], word: str) -> Finding:
    hits = [f for f in findings if word in f.message]
    assert len(hits) == 1, [f.message for f in findings]
    return hits[0]


def assert_lint(f: Finding, node: str, severity: str = "warning") -> None:
    assert f.kind == "lint" and f.severity == severity and f.node == node
    assert f"node {node}" in f.message or node in f.message
    assert f.suggestion and node in f.suggestion, f.suggestion
    json.dumps(f.to_dict())  # JSON-ready, like every finding


def mlp(*tail: dict, hidden: int = 8, out: int = 2) -> tuple[dict, ...]:
    return (layer("fc1", "Linear", out_features=hidden), layer("relu1", "ReLU"),
            layer("out", "Linear", out_features=out), *tail)


# -- a healthy design is clean --------------------------------------------------------------------------
def test_a_plain_mlp_with_cross_entropy_is_clean():
    assert lint(chain_doc(*mlp())) == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_bundled_examples_have_no_lint(path):
    project = Project.load(path)
    dataset = load_dataset(project.data, project.base_dir)
    check = check_graph(project, dataset.input_shape, dataset.targets)
    findings = lint_project(project, check, dataset)
    if project.data.per_class is not None:
        # a few-labels example exists to show small data: an info note that its new layers have many
        # parameters per labelled sample is the lesson, not a mistake; a warning would still be one
        findings = [f for f in findings if not (f.severity == "info" and "params_per_sample" in f.evidence)]
    assert findings == []


# -- heads and losses -------------------------------------------------------------------------------------
def test_softmax_before_cross_entropy_is_flagged_on_the_softmax():
    f = only(lint(chain_doc(*mlp(layer("sm", "Softmax")))), "Softmax")
    assert_lint(f, "sm")
    assert "CrossEntropyLoss" in f.message and "twice" in f.message
    assert "make out the output" in f.suggestion


def test_softmax_seen_through_a_dropout_head_too():
    findings = lint(chain_doc(*mlp(layer("sm", "Softmax"), layer("drop", "Dropout", p=0.2))))
    assert_lint(only(findings, "log-softmax itself"), "sm")


def test_log_softmax_before_cross_entropy_is_redundant_info():
    f = only(lint(chain_doc(*mlp(layer("lsm", "LogSoftmax")))), "LogSoftmax")
    assert_lint(f, "lsm", "info")
    assert "NLLLoss" in f.suggestion


def test_nll_loss_needs_a_log_softmax():
    f = only(lint(chain_doc(*mlp(), loss="NLLLoss")), "NLLLoss")
    assert_lint(f, "out")
    assert "LogSoftmax" in f.suggestion
    assert lint(chain_doc(*mlp(layer("lsm", "LogSoftmax")), loss="NLLLoss")) == []
    assert_lint(only(lint(chain_doc(*mlp(layer("sm", "Softmax")), loss="NLLLoss")), "-output"), "sm")


def test_sigmoid_before_bce_with_logits_is_flagged():
    f = only(lint(chain_doc(*mlp(layer("sig", "Sigmoid"), out=1), loss="BCEWithLogitsLoss")), "Sigmoid")
    assert_lint(f, "sig")
    assert "BCEWithLogitsLoss" in f.message and "0.69" in f.message


@pytest.mark.parametrize("act, words", [("ReLU", "at 0"), ("Tanh", "cannot fall below"),
                                        ("Sigmoid", "cannot fall below")])
def test_a_squashing_activation_on_the_logits_is_flagged(act, words):
    f = only(lint(chain_doc(*mlp(layer("act", act)))), words)
    assert_lint(f, "act")
    if act != "ReLU":
        # two classes, scores within a span of 1 (Sigmoid) or 2 (Tanh): best p = e^s / (e^s + 1)
        span = 1.0 if act == "Sigmoid" else 2.0
        assert f.evidence["loss_floor"] == pytest.approx(-np.log(np.exp(span) / (np.exp(span) + 1)))


def test_mse_on_class_labels_is_flagged_and_l1_left_to_check_graph():
    f = only(lint(chain_doc(*mlp(), loss="MSELoss")), "MSELoss")
    assert_lint(f, "out")
    assert "2 classes" in f.message and "CrossEntropyLoss" in f.suggestion
    # L1Loss on classes cannot run at all: check_graph refuses it, lint does not say it again
    assert lint(chain_doc(*mlp(), loss="L1Loss"), expect_ok=False) == []


def test_bce_on_three_exclusive_classes_is_info():
    f = only(lint(chain_doc(*mlp(out=3), loss="BCEWithLogitsLoss", data=SPIRAL3)), "BCEWithLogitsLoss")
    assert_lint(f, "out", "info")
    assert "3" in f.message and "CrossEntropyLoss" in f.suggestion


def test_wrong_output_widths_are_left_to_check_graph():
    # BCEWithLogitsLoss with two outputs on a binary target, CrossEntropyLoss with one: hard errors, not lint
    for loss, out in (("BCEWithLogitsLoss", 2), ("CrossEntropyLoss", 1)):
        doc = chain_doc(*mlp(out=out), loss=loss)
        project = Project.from_dict(doc)
        dataset = dataset_for(doc)
        check = check_graph(project, dataset.input_shape, dataset.targets)
        assert not check.ok and check.problems_for("out")
        assert lint_project(project, check, dataset) == []


def test_a_bounded_activation_that_cannot_reach_the_regression_targets():
    f = only(lint(chain_doc(*mlp(layer("act", "ReLU"), out=1), loss="MSELoss", data=SINE)), "can only output")
    assert_lint(f, "act")
    assert f.evidence["outside_share"] > 0.3  # sin(x) is negative half the time
    assert lint(chain_doc(*mlp(out=1), loss="MSELoss", data=SINE)) == []


def test_a_sigmoid_head_on_targets_inside_zero_one_is_fine():
    doc = chain_doc(*mlp(layer("act", "Sigmoid"), out=1), loss="MSELoss", data=SINE)
    project = Project.from_dict(doc)
    y = np.linspace(0.0, 1.0, 50, dtype=np.float32)
    data = SimpleNamespace(targets={"y": TargetInfo("y", "regression", [], 1)}, n_train=50, y_train={"y": y})
    check = check_graph(project, (1,), data.targets)
    assert lint_project(project, check, data) == []
    data.y_train["y"] = y * 4 - 2
    assert_lint(only(lint_project(project, check, data), "can only output"), "act")


# -- the body ------------------------------------------------------------------------------------------------
def test_two_linear_layers_in_a_row_collapse():
    doc = chain_doc(layer("fc1", "Linear", out_features=8), layer("fc2", "Linear", out_features=8),
                    layer("relu", "ReLU"), layer("out", "Linear", out_features=2))
    f = only(lint(doc), "collapse")
    assert_lint(f, "fc1")
    assert "fc2" in f.message and "ReLU after fc1" in f.suggestion


@pytest.mark.parametrize("between", ["Dropout", "BatchNorm", "LayerNorm"])
def test_linear_layers_separated_only_by_a_norm_or_dropout_collapse_too(between):
    doc = chain_doc(layer("fc1", "Linear", out_features=8), layer("relu", "ReLU"),
                    layer("fc2", "Linear", out_features=8), layer("mid", between),
                    layer("out", "Linear", out_features=2))
    f = only(lint(doc), "collapse")
    assert_lint(f, "fc2")
    assert "out" in f.message and "only mid" in f.message


def test_dropout_after_the_last_linear_is_flagged():
    f = only(lint(chain_doc(*mlp(layer("drop", "Dropout", p=0.3)))), "predictions")
    assert_lint(f, "drop")
    assert "30%" in f.message and "before out" in f.suggestion


def test_dropout_feeding_a_linear_head_is_the_healthy_pattern():
    doc = chain_doc(layer("fc1", "Linear", out_features=8), layer("relu1", "ReLU"), layer("drop", "Dropout"),
                    layer("out", "Linear", out_features=2))
    assert lint(doc) == []


def test_batchnorm_right_after_dropout_is_flagged():
    doc = chain_doc(layer("fc1", "Linear", out_features=8), layer("relu1", "ReLU"), layer("drop", "Dropout"),
                    layer("bn", "BatchNorm"), layer("out", "Linear", out_features=2))
    f = only(lint(doc), "BatchNorm")
    assert_lint(f, "bn")
    assert "drop" in f.message and "variance shift" in f.message


def test_far_more_parameters_than_samples_names_the_numbers():
    data = {"source": "moons", "params": {"samples": 100, "noise": 0.3}}
    doc = chain_doc(layer("fc1", "Linear", out_features=256), layer("relu1", "ReLU"),
                    layer("fc2", "Linear", out_features=256), layer("relu2", "ReLU"),
                    layer("out", "Linear", out_features=2), data=data)
    f = only(lint(doc), "parameters")
    assert_lint(f, "fc2")
    assert "67,074 parameters for 80 training samples" in f.message
    assert "Bigger is not always better" in f.suggestion and "32 units" in f.suggestion
    assert f.evidence["params_per_sample"] == pytest.approx(67074 / 80)


def test_transferred_and_frozen_layers_do_not_count_as_memorizing_the_samples():
    data = {"source": "moons", "params": {"samples": 100, "noise": 0.3}}

    def doc_with(**fc2) -> dict:
        doc = chain_doc(layer("fc1", "Linear", out_features=256), layer("relu1", "ReLU"),
                        layer("fc2", "Linear", out_features=256), layer("relu2", "ReLU"),
                        layer("out", "Linear", out_features=2), data=data)
        next(n for n in doc["model"]["nodes"] if n["id"] == "fc2").update(fc2)
        return doc

    assert only(lint(doc_with()), "parameters").severity == "warning"         # 67,074 for 80 samples
    # fc2's 65,792 weights start from an earlier network (or stay fixed): 1,282 left, 16 per sample
    assert [f for f in lint(doc_with(init={"file": "source.pt"})) if "parameters" in f.message] == []
    assert [f for f in lint(doc_with(frozen=True)) if "parameters" in f.message] == []


def test_a_moderately_large_model_is_only_info_and_a_fitting_one_is_silent():
    data = {"source": "moons", "params": {"samples": 100, "noise": 0.3}}
    doc = chain_doc(*mlp(hidden=512), data=data)  # 2,562 parameters for 80 samples: 32 per sample
    assert_lint(only(lint(doc), "parameters"), "fc1", "info")
    assert lint(chain_doc(*mlp(hidden=64), data=data)) == []  # 322 parameters: 4 per sample


def test_deep_sigmoid_or_tanh_stacks_vanish():
    def stack(depth: int, act: str = "Tanh", norm: bool = False) -> dict:
        layers = []
        for i in range(1, depth + 1):
            layers.append(layer(f"fc{i}", "Linear", out_features=8))
            if norm:
                layers.append(layer(f"bn{i}", "BatchNorm"))
            layers.append(layer(f"act{i}", act))
        return chain_doc(*layers, layer("out", "Linear", out_features=2))

    f = only(lint(stack(4, "Sigmoid")), "saturating")
    assert_lint(f, "act4")
    assert "act1, act2, act3, act4" in f.message and "0.25" in f.message
    assert "ReLU" in f.suggestion
    assert lint(stack(3)) == []
    assert lint(stack(4, norm=True)) == []


# -- robustness ------------------------------------------------------------------------------------------
def test_lint_survives_a_broken_graph_and_missing_data():
    doc = chain_doc(*mlp(layer("sm", "Softmax")), extra_edges=(("sm", "fc1"),))  # a cycle
    project = Project.from_dict(doc)
    dataset = dataset_for(doc)
    check = check_graph(project, dataset.input_shape, dataset.targets)
    assert not check.ok
    lint_project(project, check, dataset)  # no exception
    findings = lint_project(Project.from_dict(chain_doc(*mlp(layer("sm", "Softmax")))), None, None)
    assert [f.node for f in findings] == ["sm"]


def test_findings_come_most_severe_first_then_in_node_order():
    doc = chain_doc(layer("fc1", "Linear", out_features=8), layer("fc2", "Linear", out_features=8),
                    layer("relu", "ReLU"), layer("out", "Linear", out_features=2), layer("lsm", "LogSoftmax"),
                    layer("drop", "Dropout"))
    findings = lint(doc)
    assert [(f.severity, f.node) for f in findings] == [("warning", "fc1"), ("warning", "drop"), ("info", "lsm")]


# -- layers added as one catalog entry each ------------------------------------------------------------
@pytest.mark.parametrize("act", ["PReLU", "Hardswish", "Mish", "Softplus", "GELU", "LeakyReLU"])
def test_newer_activations_in_a_plain_mlp_are_clean(act):
    doc = chain_doc(layer("fc1", "Linear", out_features=8), layer("act1", act), layer("out", "Linear", out_features=2))
    assert lint(doc) == []


def test_identity_is_transparent_to_lint():
    # Linear, Identity, Linear is still one linear map; an Identity after a Softmax head still hides it
    doc = chain_doc(layer("fc1", "Linear", out_features=8), layer("same", "Identity"),
                    layer("fc2", "Linear", out_features=8), layer("relu", "ReLU"), layer("out", "Linear", out_features=2))
    f = only(lint(doc), "collapse")
    assert_lint(f, "fc1")
    assert "only same between them" in f.message
    assert_lint(only(lint(chain_doc(*mlp(layer("sm", "Softmax"), layer("same", "Identity")))), "twice"), "sm")


def test_a_softplus_head_cannot_reach_negative_regression_targets():
    f = only(lint(chain_doc(*mlp(layer("act", "Softplus"), out=1), loss="MSELoss", data=SINE)), "can only output")
    assert_lint(f, "act")
    assert "values >= 0" in f.message
