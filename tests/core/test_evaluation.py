"""The errors behind the loss (core.evaluation): per-class numbers, confusion cells, residuals, suspect
labels by cross-validated confident learning, and clear messages for what cannot be answered."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from core.data import load_dataset
from core.evaluation import (EvaluationError, analyze, cell_samples, confusion_matrix, find_suspects,
                             per_class_results, predict_split, residual_summary)
from core.evaluation.crossval import fold_assignment
from core.evaluation.samples import column_names, image_pixels, sample_inputs, sample_kind
from core.evaluation.suspects import rank_suspects
from core.project import Project
from core.tasks import TaskState, run_task
from core.training import train, trained_model

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


def toy(source: str = "gauss", samples: int = 200, noise: float = 0.05, epochs: int = 40, **data) -> Project:
    """The xor example's small network on a built-in 2-D set."""
    doc = json.loads((EXAMPLES / "xor.losslab.json").read_text())
    doc["data"].update({"source": source, "params": {"samples": samples, "noise": noise}, **data})
    doc["training"].update({"epochs": epochs, "early_stopping": {"patience": 0, "min_delta": 0.0,
                                                                 "restore_best": False}})
    doc["training"]["optimizer"] = {"type": "Adam", "params": {"lr": 0.05}}
    return Project.from_dict(doc, base_dir=EXAMPLES)


def trained(project: Project):
    data = load_dataset(project.data, project.base_dir)
    result = train(project, dataset=data, diagnose=False, health=False)
    return data, trained_model(project, result, data)


def test_per_class_numbers_match_a_hand_computed_case():
    labels = np.array([0, 0, 0, 1, 1, 2])
    predicted = np.array([0, 1, 0, 1, 2, 2])
    # given 0: 2 right, 1 taken for a 1; given 1: 1 right, 1 taken for a 2; given 2: right; class d absent
    assert confusion_matrix(labels, predicted, 4).tolist() == [[2, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 0], [0, 0, 0, 0]]
    a, b, c, d = per_class_results(labels, predicted, ["a", "b", "c", "d"])
    assert (a.precision, a.recall, a.support) == (1.0, pytest.approx(2 / 3), 3)
    assert a.f1 == pytest.approx(0.8)
    assert (b.precision, b.recall, b.f1, b.support) == (0.5, 0.5, 0.5, 2)
    assert (c.precision, c.recall, c.support) == (0.5, 1.0, 1)
    assert c.f1 == pytest.approx(2 / 3)
    assert (d.precision, d.recall, d.f1, d.support) == (0.0, 0.0, 0.0, 0)     # never given, never predicted
    assert a.to_dict() == {"class": "a", "precision": 1.0, "recall": 0.666667, "f1": 0.8, "support": 3}


def test_a_cell_lists_exactly_its_samples_worst_first():
    labels = np.array([1, 0, 1, 1, 2, 1])
    predicted = np.array([2, 0, 2, 1, 2, 2])
    loss = np.array([0.5, 0.1, 2.0, 0.01, 0.2, 1.0])
    assert cell_samples(labels, predicted, 1, 2, loss).tolist() == [2, 5, 0]
    assert cell_samples(labels, predicted, 1, 2, loss, limit=2).tolist() == [2, 5]
    assert cell_samples(labels, predicted, 0, 2, loss).tolist() == []
    assert cell_samples(labels, predicted, 1, 1).tolist() == [3]


def test_residuals_by_target_range_and_the_largest_errors():
    y = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
    pred = y + np.array([0.1, -0.1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3.0, 1.0])
    s = residual_summary(y, pred, ranges=2)
    assert [r["count"] for r in s.ranges] == [5, 5]
    assert s.ranges[0]["mean_residual"] == pytest.approx(0.0)
    assert s.ranges[1]["mean_residual"] == pytest.approx(0.8)
    assert s.worst[:2].tolist() == [8, 9]
    assert s.mae == pytest.approx(0.42)


def test_predictions_of_a_trained_model_hold_together():
    project = toy(epochs=10)
    data, model = trained(project)
    (p,) = predict_split(project, data, model, "val")
    assert p.n == data.n_val and p.probabilities.shape == (data.n_val, 2)
    assert np.allclose(p.probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert np.allclose(p.loss, -np.log(p.probabilities[np.arange(p.n), p.labels]), atol=1e-5)
    report = analyze(project, data, model, "val")
    h = report.head()
    assert h.confusion.sum() == data.n_val and sum(c.support for c in h.per_class) == data.n_val
    assert h.accuracy > 0.9          # two far-apart blobs
    d = report.to_dict()["heads"][0]
    assert set(d) >= {"name", "classes", "per_class", "confusion"}
    assert d["classes"] == list(data.targets["label"].classes) and len(d["per_class"]) == 2


def test_regression_heads_get_residuals_and_no_suspects():
    project = Project.load(EXAMPLES / "sine.losslab.json")
    project.training.epochs = 3
    data, model = trained(project)
    h = analyze(project, data, model, "val").head()
    assert not h.is_classification and h.residuals.ranges and h.per_class == []
    assert "residuals" in h.to_dict()
    with pytest.raises(EvaluationError, match="regression"):
        find_suspects(project, data)


def test_no_model_and_an_empty_split_say_what_to_do():
    project = toy(epochs=1)
    data = load_dataset(project.data, project.base_dir)
    with pytest.raises(EvaluationError, match="train the project first"):
        analyze(project, data, None)
    _, model = trained(project)
    with pytest.raises(EvaluationError, match="test split is empty"):
        analyze(project, data, model, "test")
    with pytest.raises(EvaluationError, match="expected one of"):
        analyze(project, data, model, "holdout")
    with pytest.raises(EvaluationError, match="at least 2 folds"):
        find_suspects(project, data, folds=1)


def test_folds_are_stratified_and_cover_every_sample():
    labels = np.repeat([0, 1, 2], [30, 12, 6])
    fold = fold_assignment(labels, 3, seed=1)
    for k in range(3):
        counts = np.bincount(labels[fold == k], minlength=3)
        assert counts.tolist() == [10, 4, 2]


def test_confident_learning_ranks_planted_errors_first():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, size=300)
    probs = np.full((300, 3), 0.05)
    probs[np.arange(300), labels] = 0.9
    planted = np.array([5, 50, 150, 250])
    for i in planted:          # a model that never saw them is sure they are another class
        probs[i] = 0.05
        probs[i, (labels[i] + 1) % 3] = 0.9
    suspects = rank_suspects(labels, probs)
    assert {s.index for s in suspects} == set(planted.tolist())
    s = suspects[0]
    assert s.suggested == (labels[s.index] + 1) % 3 and s.p_given == pytest.approx(0.05)
    assert rank_suspects(np.zeros(10, dtype=int), np.tile([1.0, 0.0], (10, 1))) == []


def test_suspects_of_a_tiny_planted_set_are_the_flipped_labels():
    project = toy(samples=160, epochs=30)
    data = load_dataset(project.data, project.base_dir)
    y = data.y_train["label"]
    # flips deep inside a blob (a point halfway between the blobs is ambiguous, not mislabelled)
    deep = np.flatnonzero(np.abs(data.raw_train.sum(axis=1)) / np.sqrt(2) > 2.0)
    planted = deep[[2, 11, 23, 37]].tolist()
    y[planted] = 1 - y[planted]
    state = TaskState()
    (result,) = find_suspects(project, data, folds=3, state=state)
    found = {s.index for s in result.suspects}
    assert set(planted) <= found and len(found) <= len(planted) + 2
    assert state.progress == 1.0
    first = result.suspects[0]
    assert first.index in planted and first.given != first.suggested and first.p_suggested > 0.5


def test_a_cancelled_search_stops():
    project = toy(samples=160, epochs=30)
    data = load_dataset(project.data, project.base_dir)
    state = TaskState()
    state.cancel()
    outcome = run_task(find_suspects, project, data, folds=3, state=state)
    assert outcome.cancelled and outcome.value is None


def test_samples_in_the_persons_units():
    project = toy(epochs=1)
    data = load_dataset(project.data, project.base_dir)
    assert sample_kind(data) == "points"
    xy = sample_inputs(data, "val", [0, 1])
    assert np.allclose(xy, data.raw_val[:2])
    digits = Project.load(EXAMPLES / "digits.losslab.json")
    dd = load_dataset(digits.data, digits.base_dir)
    assert sample_kind(dd) == "image"
    pix = image_pixels(sample_inputs(dd, "train", [0, 1, 2]))
    assert pix.shape == (3, 8, 8, 1) and pix.dtype == np.uint8 and pix.max() == 255
    # normalization undone: the bundled digits are 0..1 before normalizing
    raw = sample_inputs(dd, "train", np.arange(50))
    assert raw.min() == pytest.approx(0.0, abs=1e-5) and raw.max() == pytest.approx(1.0, abs=1e-5)
    fraud = Project.load(EXAMPLES / "fraud.losslab.json")
    fd = load_dataset(fraud.data, fraud.base_dir)
    assert sample_kind(fd) == "rows" and column_names(fd) == fd.feature_names
