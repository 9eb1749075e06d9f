"""Behaviour of core.data that a user would notice: built-in sets, splits, normalization, files."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from core.data import DATASETS, SOURCES, DataError, Dataset, dataset_params, load_dataset
from core.data.dataset import split_indices, split_sizes

BUILTINS = DATASETS.names()
ROOT = Path(__file__).resolve().parents[2]


def spec(source: str = "spiral", **kw) -> SimpleNamespace:
    """A stand-in for the project's DataSpec."""
    base = dict(source=source, params={}, path=None, target=None, features=None, task="auto",
                val_fraction=0.2, test_fraction=0.0, seed=0, normalize=True)
    base.update(kw)
    return SimpleNamespace(**base)


def same(a: Dataset, b: Dataset) -> bool:
    parts = ("x_train", "x_val", "x_test")
    if not all(torch.equal(getattr(a, p), getattr(b, p)) for p in parts):
        return False
    return all(torch.equal(getattr(a, s)[k], getattr(b, s)[k]) for s in ("y_train", "y_val", "y_test")
               for k in a.targets)


def write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# --- built-in sets ------------------------------------------------------------------------------

@pytest.mark.parametrize("source", BUILTINS)
def test_each_builtin_loads_with_sensible_shapes_and_targets(source):
    ds = load_dataset(spec(source, test_fraction=0.1))
    entry = DATASETS[source]
    assert list(ds.targets) == list(entry.default_targets)
    n = ds.n_train + ds.n_val + ds.n_test
    assert ds.n_train > ds.n_val > 0 and ds.n_test > 0
    assert ds.x_train.dtype == torch.float32 and ds.x_train.shape[1:] == ds.input_shape
    assert int(np.prod(ds.input_shape)) == len(ds.feature_names)
    for name, info in ds.targets.items():
        y = ds.y_train[name]
        assert y.shape[0] == ds.n_train and ds.y_val[name].shape[0] == ds.n_val
        if info.task == "classification":
            assert y.dtype == torch.int64 and info.width == len(info.classes) >= 2
            assert 0 <= int(y.min()) and int(y.max()) < info.width
        else:
            assert y.dtype == torch.float32 and y.ndim == 1 and info.width == 1 and info.classes == []
    assert torch.isfinite(ds.x_train).all() and torch.isfinite(ds.x_val).all()
    assert ds.summary().startswith(f"{source}: ")
    assert f"{ds.n_train} train / {ds.n_val} val / {ds.n_test} test" in ds.summary()
    assert n > 0


def test_2d_sets_are_named_x1_x2_and_keep_raw_points_for_plotting():
    ds = load_dataset(spec("spiral", params={"classes": 3, "samples": 600}))
    assert ds.feature_names == ["x1", "x2"] and ds.input_shape == (2,)
    assert ds.summary() == "spiral: 2 features, 3 classes, 480 train / 120 val / 0 test"
    assert ds.raw_train.shape == (480, 2) and ds.raw_val.shape == (120, 2)
    assert np.abs(ds.raw_train).max() > 3  # raw Playground coordinates, not standardized
    np.testing.assert_allclose(ds.normalize_inputs(ds.raw_val), ds.x_val.numpy(), rtol=1e-5, atol=1e-6)
    assert load_dataset(spec("diagnosis")).raw_train is None


def test_noise_makes_2d_sets_harder():
    def spread(noise):
        ds = load_dataset(spec("circle", params={"noise": noise}, normalize=False))
        r = np.linalg.norm(ds.raw_train, axis=1)
        y = ds.y_train["label"].numpy()
        return r[y == 1].max() - r[y == 0].min()  # > 0: the classes overlap

    assert spread(0.0) < 0 < spread(0.5)


def test_diagnosis_has_two_targets_for_a_two_head_model():
    ds = load_dataset(spec("diagnosis"))
    assert ds.targets["diagnosis"].classes == ["healthy", "at_risk", "ill"]
    assert ds.targets["severity"].task == "regression"
    sev = ds.y_train["severity"].numpy()
    assert 0 <= sev.min() and sev.max() <= 10
    assert "age" in ds.feature_names and "glucose" in ds.feature_names
    diag = ds.y_train["diagnosis"].numpy()
    assert sev[diag == 2].mean() > sev[diag == 0].mean() + 3  # the targets share a cause
    only = load_dataset(spec("diagnosis", target="severity", features=["age", "bmi"]))
    assert list(only.targets) == ["severity"] and only.input_shape == (2,)


def test_fraud_is_imbalanced_and_stratified():
    ds = load_dataset(spec("fraud", test_fraction=0.2))
    rates = [ds.y_train["fraud"].float().mean().item(), ds.y_val["fraud"].float().mean().item(),
             ds.y_test["fraud"].float().mean().item()]
    assert 0.02 < rates[0] < 0.045
    assert max(rates) - min(rates) < 0.003  # stratification keeps the rare class in every split


def test_demand_split_is_chronological():
    ds = load_dataset(spec("demand", test_fraction=0.1, normalize=False))
    assert ds.feature_names[0] == "lag_14" and ds.feature_names[-1] == "lag_1" and ds.time_ordered
    xtr, xva, xte = ds.x_train.numpy(), ds.x_val.numpy(), ds.x_test.numpy()
    ytr, yva = ds.y_train["demand"].numpy(), ds.y_val["demand"].numpy()
    np.testing.assert_array_equal(xtr[1:, -1], ytr[:-1])  # consecutive days, in order
    assert xva[0, -1] == ytr[-1]  # validation starts the day after training ends
    assert xte[0, -1] == yva[-1]  # and test after validation
    # Same with a different split seed: time order does not depend on shuffling.
    assert same(ds, load_dataset(spec("demand", test_fraction=0.1, normalize=False, seed=7)))


def test_digits_load_offline_from_the_bundled_file():
    assert (ROOT / "resources" / "data" / "digits.npz").is_file()
    assert "CC BY 4.0" in (ROOT / "resources" / "data" / "LICENSE-digits.txt").read_text()
    ds = load_dataset(spec("digits", normalize=False))
    assert ds.n_train + ds.n_val + ds.n_test == 1797
    assert ds.input_shape == (1, 8, 8) and ds.targets["digit"].classes == [str(d) for d in range(10)]
    assert 0.0 == ds.x_train.min() and ds.x_train.max() == 1.0
    assert ds.summary().startswith("digits: 1x8x8 inputs, 10 classes")
    norm = load_dataset(spec("digits"))
    assert norm.mean.shape == () and norm.std.shape == ()  # one global statistic, not per pixel
    assert abs(norm.x_train.mean().item()) < 1e-4 and abs(norm.x_train.std().item() - 1) < 1e-3


@pytest.mark.parametrize("source", BUILTINS)
def test_shifted_variant_differs_measurably_and_keeps_original_normalization(source):
    orig = load_dataset(spec(source))
    shifted = load_dataset(spec(source), shifted=True)
    assert shifted.shifted and "(shifted)" in shifted.summary()
    assert np.array_equal(orig.mean, shifted.mean) and np.array_equal(orig.std, shifted.std)
    # In units of the original training std, the deployment data moved.
    moved = (shifted.x_train.mean(0) - orig.x_train.mean(0)).abs().max().item()
    first = orig.default_target
    if orig.targets[first].task == "classification":
        k = orig.targets[first].width
        balance = lambda d: torch.bincount(d.y_train[first], minlength=k).float() / d.n_train  # noqa: E731
        moved = max(moved, (balance(shifted) - balance(orig)).abs().max().item() * 10)
    assert moved > 0.3


def test_fraud_shift_changes_class_balance():
    orig = load_dataset(spec("fraud"))
    new = load_dataset(spec("fraud"), shifted=True)
    assert new.y_train["fraud"].float().mean() > 1.4 * orig.y_train["fraud"].float().mean()


# --- determinism, splits, normalization ---------------------------------------------------------

@pytest.mark.parametrize("source", ["spiral", "sine", "diagnosis", "fraud", "demand", "digits"])
def test_same_spec_gives_identical_tensors(source):
    s = spec(source, test_fraction=0.1)
    assert same(load_dataset(s), load_dataset(s))
    assert same(load_dataset(s, shifted=True), load_dataset(s, shifted=True))


def test_different_seeds_differ():
    base = load_dataset(spec("moons"))
    other_split = load_dataset(spec("moons", seed=1))
    other_data = load_dataset(spec("moons", params={"seed": 1}))
    assert not same(base, other_split) and not same(base, other_data)
    # A new split seed reshuffles the same points.
    all_pts = lambda d: np.sort(np.concatenate([d.raw_train, d.raw_val]), axis=0)  # noqa: E731
    np.testing.assert_array_equal(all_pts(base), all_pts(other_split))


def test_split_sizes_follow_the_fractions():
    ds = load_dataset(spec("gauss", val_fraction=0.2, test_fraction=0.1))
    assert (ds.n_train, ds.n_val, ds.n_test) == (350, 100, 50)
    tiny = load_dataset(spec("gauss", params={"samples": 10}, val_fraction=0.01, test_fraction=0.01))
    assert (tiny.n_train, tiny.n_val, tiny.n_test) == (8, 1, 1)  # a split asked for is never empty


def test_stratification_keeps_class_balance_in_val():
    ds = load_dataset(spec("spiral", params={"classes": 3, "samples": 600}))
    counts = torch.bincount(ds.y_val["label"], minlength=3).tolist()
    assert counts == [40, 40, 40]


def test_normalization_is_fitted_on_train_only():
    ds = load_dataset(spec("diagnosis"))
    assert ds.mean.shape == (8,) and ds.std.shape == (8,)
    assert ds.x_train.mean(0).abs().max() < 1e-4
    assert (ds.x_train.std(0, unbiased=False) - 1).abs().max() < 1e-3
    assert ds.x_val.mean(0).abs().max() > 1e-3  # validation is not standardized on itself
    raw = load_dataset(spec("diagnosis", normalize=False))
    assert raw.mean is None and raw.std is None
    np.testing.assert_allclose(ds.mean, raw.x_train.numpy().mean(0), rtol=1e-5)
    np.testing.assert_allclose(ds.normalize_inputs(raw.x_val.numpy()), ds.x_val.numpy(), atol=1e-5)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(3, 400), vf=st.floats(0, 0.95), tf=st.floats(0, 0.95), seed=st.integers(0, 2**31 - 1),
       k=st.integers(1, 5), ordered=st.booleans())
def test_any_valid_fractions_give_splits_that_partition_the_data(n, vf, tf, seed, k, ordered):
    if vf + tf >= 1:
        return
    try:
        n_train, n_val, n_test = split_sizes(n, vf, tf)
    except DataError:
        assert n < 3 or n * (vf + tf) > n - 2
        return
    labels = np.arange(n) % k
    tr, va, te = split_indices(n, vf, tf, seed, None if ordered else labels, ordered)
    assert (len(tr), len(va), len(te)) == (n_train, n_val, n_test)
    assert n_train >= 1 and (n_val >= 1) == (vf > 0) and (n_test >= 1) == (tf > 0)
    np.testing.assert_array_equal(np.sort(np.concatenate([tr, va, te])), np.arange(n))
    if not ordered:
        expected = np.bincount(labels, minlength=k) * n_val / n
        assert np.all(np.abs(np.bincount(labels[va], minlength=k) - expected) <= 1)


# --- validation ----------------------------------------------------------------------------------

def test_bad_params_name_the_json_path_and_quote_the_value():
    with pytest.raises(DataError) as e:
        load_dataset(spec("circle", params={"noise": -3}))
    assert e.value.where == "data.params.noise" and "-3" in str(e.value) and "between 0" in str(e.value)
    with pytest.raises(DataError) as e:
        load_dataset(spec("spiral", params={"classes": 9}))
    assert e.value.where == "data.params.classes" and "9" in str(e.value)
    with pytest.raises(DataError) as e:
        load_dataset(spec("circle", params={"nosie": 0.1}))
    assert e.value.where == "data.params.nosie" and "noise" in str(e.value)
    with pytest.raises(DataError) as e:
        load_dataset(spec("circle", params={"samples": "many"}))
    assert e.value.where == "data.params.samples"
    with pytest.raises(DataError) as e:
        load_dataset(spec("mnist"))
    assert e.value.where == "data.source" and "spiral" in str(e.value)
    with pytest.raises(DataError) as e:
        load_dataset(spec("circle", val_fraction=0.6, test_fraction=0.5))
    assert e.value.where == "data.val_fraction" and "below 1" in str(e.value)
    with pytest.raises(DataError) as e:
        load_dataset(spec("circle", task="ranking"))
    assert e.value.where == "data.task"
    with pytest.raises(DataError) as e:
        load_dataset(spec("diagnosis", target="mortality"))
    assert e.value.where == "data.target" and "severity" in str(e.value)
    assert isinstance(e.value, ValueError)


def test_registry_describes_every_builtin():
    cats = {"2-D classification", "regression", "tables", "images"}
    for entry in DATASETS.values():
        assert entry.category in cats and len(entry.doc) > 60 and entry.default_targets
        assert dataset_params(entry.name) == entry.params
    assert DATASETS["spiral"].param("classes").default == 2
    assert {p.name for p in dataset_params("circle")} == {"samples", "noise", "seed"}
    assert dataset_params("csv") == () and set(SOURCES) >= {"csv", "npz", "digits", "demand"}
    assert dict(DATASETS.items())["fraud"].name == "fraud"


def test_core_data_does_not_import_qt():
    code = "import sys, core.data; sys.exit(any(m.startswith(('PySide6', 'PyQt')) for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


# --- CSV -----------------------------------------------------------------------------------------

def test_csv_numeric_with_last_column_as_target(tmp_path):
    rows = "\n".join(f"{i},{i * 0.5:.1f},{i % 3}" for i in range(30))
    write(tmp_path, "age,score,group\n" + rows + "\n")
    ds = load_dataset(spec("csv", path="data.csv"), base_dir=tmp_path)
    assert ds.name == "data" and ds.feature_names == ["age", "score"] and list(ds.targets) == ["group"]
    assert ds.targets["group"].task == "classification" and ds.targets["group"].classes == ["0", "1", "2"]
    reg = load_dataset(spec("csv", path=str(tmp_path / "data.csv"), target="score"))
    assert reg.targets["score"].task == "regression" and reg.feature_names == ["age", "group"]
    forced = load_dataset(spec("csv", path="data.csv", task="regression"), base_dir=tmp_path)
    assert forced.y_train["group"].dtype == torch.float32


def test_csv_non_numeric_class_column_and_semicolons(tmp_path):
    kinds = ["setosa", "virginica", "versicolor"]
    rows = "\n".join(f"{i};{(i * 7) % 11};{kinds[i % 3]}" for i in range(30))
    write(tmp_path, "\ufefflength;width;species\n\n" + rows + "\n")
    ds = load_dataset(spec("csv", path="data.csv", val_fraction=0.3), base_dir=tmp_path)
    assert ds.targets["species"].classes == ["setosa", "versicolor", "virginica"]
    assert torch.bincount(ds.y_val["species"]).tolist() == [3, 3, 3]


def test_csv_several_targets(tmp_path):
    rows = "\n".join(f"{i},{i % 2},{i * 1.5}" for i in range(20))
    write(tmp_path, "x,cls,value\n" + rows + "\n")
    ds = load_dataset(spec("csv", path="data.csv", target=["cls", "value"]), base_dir=tmp_path)
    assert list(ds.targets) == ["cls", "value"] and ds.feature_names == ["x"]
    assert [t.task for t in ds.targets.values()] == ["classification", "regression"]


GOOD = "age,bmi,label\n" + "\n".join(f"{20 + i},{22 + i % 5},{i % 2}" for i in range(20)) + "\n"


@pytest.mark.parametrize("text, where, words", [
    ("", "bad.csv", ["empty", "header"]),
    ("1,2,3\n4,5,6\n", "bad.csv line 1", ["header row"]),
    ("age,bmi,label\n", "bad.csv", ["no data rows"]),
    ("a,b,label\n1,2,0\n3,4,1\n5,6\n7,8,1\n", "bad.csv line 4", ["2 fields", "header has 3"]),
    ("age,bmi,label\n1,2,0\n3,4,1\n" + "5,6,0\n" * 8 + "abc,7,1\n", "bad.csv line 12, column 'age'",
     ["'abc' is not a number", "data.features"]),
    ("age,bmi,label\n1,1e39,0\n3,4,1\n", "bad.csv line 2, column 'bmi'", ["'1e39' is too large", "32-bit"]),
    ("age,bmi,label\n1,-inf,0\n3,4,1\n", "bad.csv line 2, column 'bmi'", ["finite"]),
    ("age,age,label\n1,2,0\n", "bad.csv line 1", ["more than once"]),
    ("age,bmi,label\n1,2,5\n3,4,5\n5,6,5\n", "bad.csv column 'label'", ["same value", "another target"]),
])
def test_csv_errors_name_the_line_and_column(tmp_path, text, where, words):
    write(tmp_path, text, "bad.csv")
    with pytest.raises(DataError) as e:
        load_dataset(spec("csv", path="bad.csv"), base_dir=tmp_path)
    assert e.value.where == where, str(e.value)
    msg = str(e.value)
    assert msg.startswith(where + ": ") and all(w in msg for w in words), msg


def test_csv_errors_for_path_and_columns(tmp_path):
    write(tmp_path, GOOD)
    with pytest.raises(DataError) as e:
        load_dataset(spec("csv", path="missing.csv"), base_dir=tmp_path)
    assert e.value.where == "data.path" and "missing.csv" in str(e.value)
    with pytest.raises(DataError) as e:
        load_dataset(spec("csv", path=None))
    assert e.value.where == "data.path"
    with pytest.raises(DataError) as e:
        load_dataset(spec("csv", path="data.csv", target="outcome"), base_dir=tmp_path)
    assert e.value.where == "data.target" and "age, bmi, label" in str(e.value)
    with pytest.raises(DataError) as e:
        load_dataset(spec("csv", path="data.csv", features=["age", "height"]), base_dir=tmp_path)
    assert e.value.where == "data.features" and "'height'" in str(e.value)
    write(tmp_path, "a,b\n1,0\n2,1\n", "two.csv")
    with pytest.raises(DataError) as e:
        load_dataset(spec("csv", path="two.csv", val_fraction=0.3, test_fraction=0.3), base_dir=tmp_path)
    assert "too few" in str(e.value) and e.value.where == "two.csv"
    write(tmp_path, "a,b\n1,x\n2,y\n3,z\n", "text.csv")
    with pytest.raises(DataError) as e:
        load_dataset(spec("csv", path="text.csv", task="regression"), base_dir=tmp_path)
    assert e.value.where == "text.csv line 2, column 'b'" and "'x' is not a number" in str(e.value)
    with pytest.raises(DataError) as e:
        load_dataset(spec("csv", path="data.csv"), base_dir=tmp_path, shifted=True)
    assert e.value.where == "data.source"


# --- NPZ -----------------------------------------------------------------------------------------

def test_npz_classification_and_multi_output_regression(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3)).astype(np.float32)
    np.savez(tmp_path / "cls.npz", x=x, y=np.arange(40) % 2, classes=np.array(["no", "yes"]),
             feature_names=np.array(["a", "b", "c"]))
    ds = load_dataset(spec("npz", path="cls.npz"), base_dir=tmp_path)
    assert ds.targets["y"].classes == ["no", "yes"] and ds.feature_names == ["a", "b", "c"]
    np.savez(tmp_path / "reg.npz", x=rng.normal(size=(40, 1, 4, 4)), y=rng.normal(size=(40, 2)))
    reg = load_dataset(spec("npz", path="reg.npz", target="pos"), base_dir=tmp_path)
    assert reg.input_shape == (1, 4, 4) and reg.targets["pos"].width == 2
    assert reg.y_train["pos"].shape == (reg.n_train, 2) and reg.mean.shape == ()


def test_npz_errors(tmp_path):
    np.savez(tmp_path / "nox.npz", inputs=np.zeros((5, 2)), y=np.zeros(5))
    with pytest.raises(DataError) as e:
        load_dataset(spec("npz", path="nox.npz"), base_dir=tmp_path)
    assert "'x'" in str(e.value) and "inputs" in str(e.value)
    np.savez(tmp_path / "obj.npz", x=np.zeros((5, 2)), y=np.array([{}, 1, 2, 3, 4], dtype=object))
    with pytest.raises(DataError) as e:
        load_dataset(spec("npz", path="obj.npz"), base_dir=tmp_path)
    assert "Python objects" in str(e.value)
    write(tmp_path, "not a zip", "junk.npz")
    with pytest.raises(DataError) as e:
        load_dataset(spec("npz", path="junk.npz"), base_dir=tmp_path)
    assert e.value.where == "junk.npz" and "numpy.savez" in str(e.value)
