"""Property test: mutated example projects never crash ``losslab check``, and whatever ``check`` accepts
trains one epoch to a clean status with its JSON summary.

The mutations are the ones that produced tracebacks when the examples were mutated by hand: keys
deleted, values swapped for other JSON types, huge / negative / NaN / tiny numbers, unicode and lone
surrogates, deep nesting, references to missing or non-text nodes, and data paths that are folders,
devices, FIFOs, unknown ``~user`` homes or hold NUL bytes.
"""
from __future__ import annotations

import contextlib
import copy
import io
import json
import math
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st

from core.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {p.name: json.loads(p.read_text()) for p in sorted((ROOT / "resources/examples").glob("*.losslab.json"))}
CLEAN = {"completed", "early_stopped", "stopped", "diverged"}


def _paths(doc, prefix=()):
    """Every (path, value) in the document, containers included."""
    yield prefix, doc
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _paths(v, prefix + (i,))


def _deep(n: int):
    value: object = 1
    for _ in range(n):
        value = [value]
    return value


DEEP = "__nested_3000_levels__"  # substituted in the file's text: json.dumps itself cannot write it

NASTY = st.one_of(
    st.sampled_from([
        None, True, False, 0, -1, -(10 ** 6), 10 ** 400, -(10 ** 400), 2 ** 31, 2 ** 63, 1e308, -1e308, 1e-308,
        float("nan"), float("inf"), 0.5, -0.5, "", " ", "ghost", "\ud800", "é€😀", "x" * 5000, [], {}, [[]],
        ["input"], {"node": "out"}, [1, 2, 3], [0, 0], [-1, 1], [1e308, 1], _deep(80), DEEP,
        "~nosuchuser_losslab/x.csv", "/dev/zero", "/dev/urandom", "/", "x\x00.csv", "../../../../etc/hostname", "pipe.csv",
    ]),
    st.integers(min_value=-10 ** 6, max_value=10 ** 6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)


PLAUSIBLE_NUMBER = st.one_of(st.integers(min_value=-3, max_value=300), st.floats(min_value=-2, max_value=2),
                             st.sampled_from([0, 1, 2, 1e6, 65536, 1e-9, 4096, 0.999]))
LAYER_TYPES = ["Linear", "ReLU", "BatchNorm", "LayerNorm", "Dropout", "Conv1d", "Conv2d", "Flatten", "Reshape",
               "MaxPool2d", "Add", "Concat", "Sigmoid", "Softmax", "LSTM", "GRU", "Embedding", "Tanh"]
LOSS_TYPES = ["CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "BCEWithLogitsLoss", "HuberLoss",
              "MultiMarginLoss", "HingeEmbeddingLoss", "KLDivLoss", "PoissonNLLLoss"]


ALL_OPS = ["delete", "replace", "replace", "wrap"] + ["tweak"] * 6


@st.composite
def mutated_project(draw, ops=tuple(ALL_OPS)):
    name = draw(st.sampled_from(sorted(EXAMPLES)))
    doc = copy.deepcopy(EXAMPLES[name])
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = [p for p, _ in _paths(doc) if p]
        path = draw(st.sampled_from(paths))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        old = parent[key]
        op = draw(st.sampled_from(list(ops)))
        if op == "tweak" and isinstance(old, (int, float)) and not isinstance(old, bool):
            parent[key] = draw(PLAUSIBLE_NUMBER)
        elif op == "tweak" and isinstance(old, str):
            ids = [v for p, v in _paths(doc) if p and p[-1] == "id" and isinstance(v, str)]
            parent[key] = draw(st.sampled_from(ids + LAYER_TYPES + LOSS_TYPES) if ids else st.sampled_from(LAYER_TYPES))
        elif op == "delete":
            del parent[key]
        elif op == "wrap":
            parent[key] = draw(st.sampled_from([[old], {"value": old}, str(old)]))
        else:
            parent[key] = copy.deepcopy(draw(NASTY))  # the constants are shared between examples
    return name, doc


def _cli(*argv: str) -> tuple[int, list[str], str]:
    lines: list[str] = []
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(list(argv), out=lines.append)
    return code, lines, err.getvalue()


def _cheap_enough(path: Path) -> bool:
    """Keep the training half fast: skip projects whose one epoch would be large (the property is about
    statuses, not speed; large projects are covered by the memory-estimate test)."""
    from core.data import load_dataset
    from core.graph import check_graph
    from core.project import Project
    project = Project.load(path)
    ds = load_dataset(project.data, project.base_dir)
    check = check_graph(project, ds.input_shape, ds.targets)
    steps = math.ceil(ds.x_train.shape[0] / max(1, project.training.batch_size))
    return steps <= 400 and check.total_params * ds.x_train.shape[0] <= 5e8


SETTINGS = settings(max_examples=int(os.environ.get("LOSSLAB_FUZZ_EXAMPLES", "60")), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@SETTINGS
@given(case=mutated_project())
def test_check_never_raises_and_what_it_accepts_trains(case, tmp_path):
    _check_then_train(case, tmp_path)


@SETTINGS
@given(case=mutated_project(ops=("tweak",)))
def test_plausible_edits_that_check_accepts_train_to_a_clean_status(case, tmp_path):
    """Only type-preserving edits (numbers for numbers, layer/loss names and node ids for text): most of
    these pass ``check``, so this half exercises the promise that an accepted project trains."""
    _check_then_train(case, tmp_path)


def _check_then_train(case, tmp_path):
    name, doc = case
    (tmp_path / "moons.csv").write_bytes((ROOT / "resources/examples/moons.csv").read_bytes())
    if hasattr(os, "mkfifo") and not (tmp_path / "pipe.csv").exists():
        os.mkfifo(tmp_path / "pipe.csv")  # reading it would block forever
    path = tmp_path / name
    text = json.dumps(doc, allow_nan=True).replace(json.dumps(DEEP), "[" * 3000 + "]" * 3000)
    path.write_text(text, encoding="utf-8")
    code, lines, err = _cli("check", str(path))
    assert code in (0, 2), (code, lines[-3:], err)
    assert "Traceback" not in err
    if code == 2:
        assert err or any("problem" in line for line in lines)  # refused, with a message
        event("refused by check")
        return
    if not _cheap_enough(path):
        event("accepted, too large to train here")
        return
    event("accepted and trained")
    code, lines, err = _cli("train", str(path), "--epochs", "1", "--json", "--quiet", "--threads", "1")
    assert "Traceback" not in err
    summary = json.loads(lines[-1])
    assert summary["status"] in CLEAN, (summary["status"], summary["message"], err)
    assert code == 0, err
