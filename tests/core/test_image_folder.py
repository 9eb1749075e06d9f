"""Image folders as a data source: classes, decoding, fits, splits, the disk cache and bad folders."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from core.data import DataError, load_dataset
from core.data.image_cache import cache_dir
from core.data.imagefolder import ImageSettings, decode_image, fit_image
from core.project import Project, ProjectError

COLOURS = {"blue": (20, 40, 220), "green": (30, 200, 40), "red": (220, 30, 30)}


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path / "home"))


def make_folder(root: Path, per_class: int = 12, sizes=((24, 32),), classes=COLOURS, seed: int = 0) -> Path:
    """Class subfolders of noisy, mostly one-colour PNG pictures (of the given (h, w) sizes in turn)."""
    rng = np.random.default_rng(seed)
    for name in classes:
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            h, w = sizes[i % len(sizes)]
            a = np.clip(rng.normal(classes[name], 30, size=(h, w, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(a).save(root / name / f"{name}_{i:03d}.png")
    return root


def spec(path: str = "pics", **params) -> dict:
    return {"source": "images", "path": path, "params": params}


def test_a_folder_of_class_subfolders_loads_as_a_classification_set(tmp_path):
    make_folder(tmp_path / "pics")
    ds = load_dataset(spec(size=16), tmp_path)
    assert ds.input_shape == (3, 16, 16) and ds.x_train.dtype == torch.float32
    info = ds.targets["class"]
    assert info.classes == ["blue", "green", "red"] and info.is_classification  # sorted names
    assert ds.n_train + ds.n_val == 36 and ds.n_val in (7, 8)
    # stratified: every class in both splits
    assert set(ds.y_val["class"].tolist()) == {0, 1, 2}
    # standardized per channel with the training split's statistics
    assert ds.mean.shape == (3, 1, 1) and np.allclose(ds.x_train.mean(dim=(0, 2, 3)).numpy(), 0, atol=1e-4)
    # the red class is red: channel 0 above channel 2 in pixel units
    red = ds.x_train[ds.y_train["class"] == 2] * torch.from_numpy(ds.std) + torch.from_numpy(ds.mean)
    assert float(red[:, 0].mean()) > 150 > float(red[:, 2].mean())
    assert len(ds.image_files["train"]) == ds.n_train and ds.image_files["val"][0].endswith(".png")


def test_grey_and_each_fit_give_the_asked_shape_and_keep_the_picture(tmp_path):
    make_folder(tmp_path / "pics", per_class=4, sizes=((10, 30), (40, 20), (16, 16)))
    for fit in ("resize", "resize_crop", "resize_pad", "crop_or_pad"):
        ds = load_dataset(spec(size=16, color="grey", fit=fit), tmp_path)
        assert ds.input_shape == (1, 16, 16), fit
    wide = Image.new("RGB", (40, 10), (255, 255, 255))
    padded = np.asarray(fit_image(wide, 20, "resize_pad"))
    assert padded.shape == (20, 20, 3) and padded[0].max() == 0 and padded[10].min() == 255  # black bars
    cropped = np.asarray(fit_image(wide, 20, "resize_crop"))
    assert cropped.min() == 255  # scaled so the short side fills, then the centre cropped
    small = np.asarray(fit_image(Image.new("L", (4, 4), 200), 8, "crop_or_pad"))
    assert small[2:6, 2:6].min() == 200 and small[0].max() == 0  # not scaled: padded round the centre


def test_16_bit_pngs_are_scaled_not_clipped(tmp_path):
    a = np.full((8, 8), 40000, dtype=np.uint16)
    Image.fromarray(a).save(tmp_path / "deep.png")
    assert Image.open(tmp_path / "deep.png").mode.startswith("I")
    px = decode_image(tmp_path / "deep.png", ImageSettings(8, "grey", "resize"))
    assert px.shape == (1, 8, 8) and abs(int(px[0, 0, 0]) - round(40000 / 257)) <= 1


def test_train_and_val_subfolders_are_the_split(tmp_path):
    make_folder(tmp_path / "pics" / "train", per_class=6)
    make_folder(tmp_path / "pics" / "val", per_class=2, seed=1)
    ds = load_dataset({**spec(size=8), "val_fraction": 0.5}, tmp_path)
    assert (ds.n_train, ds.n_val) == (18, 6) and ds.image_report.split_folders
    assert all(f.startswith("val/") for f in ds.image_files["val"])


def test_the_second_open_reads_the_cache_and_a_changed_folder_is_decoded_again(tmp_path):
    folder = make_folder(tmp_path / "pics")
    first = load_dataset(spec(size=8), tmp_path)
    assert not first.image_report.cached
    again = load_dataset(spec(size=8), tmp_path)
    assert again.image_report.cached and torch.equal(first.x_train, again.x_train)
    assert len(list(cache_dir().iterdir())) == 1
    # other settings: another entry; a replaced file: the folder is decoded again
    assert not load_dataset(spec(size=10), tmp_path).image_report.cached
    img = folder / "red" / "red_000.png"
    Image.new("RGB", (24, 32), (0, 0, 0)).save(img)
    os.utime(img, ns=(1, 1))
    changed = load_dataset(spec(size=8), tmp_path)
    assert not changed.image_report.cached


def test_corrupt_and_stray_files_are_skipped_counted_and_named(tmp_path):
    folder = make_folder(tmp_path / "pics")
    (folder / "red" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    good = folder / "blue" / "blue_000.png"
    (folder / "blue" / "cut.png").write_bytes(good.read_bytes()[:60])  # truncated
    (folder / "green" / "notes.txt").write_text("hello")
    (folder / "loose.jpg").write_bytes(b"")
    ds = load_dataset(spec(size=8), tmp_path)
    names = dict(ds.image_report.skipped)
    assert set(names) == {"red/broken.png", "blue/cut.png", "green/notes.txt", "loose.jpg"}
    assert "not an image" in names["green/notes.txt"] and "class folder" in names["loose.jpg"]
    assert ds.n_train + ds.n_val == 36
    notes = "\n".join(ds.image_report.notes())
    assert "skipped 4 files" in notes and "red/broken.png" in notes
    # the cached second open reports the same skips
    assert dict(load_dataset(spec(size=8), tmp_path).image_report.skipped) == names


@pytest.mark.parametrize("make, words", [
    (lambda r: make_folder(r, classes={"only": (1, 2, 3)}), "one class"),
    (lambda r: (make_folder(r), (r / "empty").mkdir()), "empty holds no images"),
    (lambda r: (r / "a").mkdir(parents=True), "holds no images"),
    (lambda r: r.mkdir(), "no class subfolders"),
    (lambda r: None, "folder not found"),
    (lambda r: r.write_text("x"), "is a file, not a folder"),
])
def test_folders_that_cannot_make_a_classifier_are_refused_with_the_reason(tmp_path, make, words):
    make(tmp_path / "pics")
    with pytest.raises(DataError) as e:
        load_dataset(spec(), tmp_path)
    assert words in str(e.value) and e.value.where == "data.path"


def test_a_class_whose_every_file_is_corrupt_is_refused(tmp_path):
    folder = make_folder(tmp_path / "pics", classes={k: COLOURS[k] for k in ("red", "blue")})
    (folder / "bad").mkdir()
    (folder / "bad" / "x.png").write_bytes(b"nope")
    with pytest.raises(DataError, match="bad could be decoded"):
        load_dataset(spec(), tmp_path)


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="symlinks")
def test_a_symlink_loop_is_walked_once_and_reported(tmp_path):
    folder = make_folder(tmp_path / "pics", per_class=3)
    os.symlink(folder / "red", folder / "red" / "again")
    ds = load_dataset(spec(size=8), tmp_path)
    assert ds.n_train + ds.n_val == 9
    assert any("loops back" in why for _, why in ds.image_report.skipped)


def test_a_project_stores_the_image_source_and_refuses_bad_settings(tmp_path):
    doc = {"format": "losslab-project", "version": 1, "name": "pics",
           "data": {"source": "images", "path": "pics", "params": {"size": 16, "color": "grey"}},
           "model": {"nodes": [{"id": "input", "type": "Input"}]}, "outputs": []}
    p = Project.from_dict(doc)
    assert p.data.params["size"] == 16 and p.data.params["color"] == "grey"
    assert Project.from_dict(json.loads(json.dumps(p.to_dict()))).data == p.data
    bad = json.loads(json.dumps(doc))
    bad["data"]["params"]["fit"] = "squash"
    with pytest.raises(ProjectError) as e:
        Project.from_dict(bad)
    assert e.value.where == "data.params.fit"
    del bad["data"]["path"]
    bad["data"]["params"] = {}
    with pytest.raises(ProjectError, match="folder"):
        Project.from_dict(bad)


def test_an_image_folder_refuses_regression_and_a_shifted_variant(tmp_path):
    make_folder(tmp_path / "pics", per_class=3)
    with pytest.raises(DataError, match="classification"):
        load_dataset({**spec(), "task": "regression"}, tmp_path)
    with pytest.raises(DataError, match="shifted"):
        load_dataset(spec(), tmp_path, shifted=True)


def test_a_cancelled_load_stops_and_leaves_no_cache_entry(tmp_path):
    make_folder(tmp_path / "pics", per_class=30)

    class Stop(Exception):
        pass

    calls = []

    def progress(f):
        calls.append(f)
        if f > 0.3:
            raise Stop
    with pytest.raises(Stop):
        load_dataset(spec(size=8), tmp_path, progress=progress)
    assert not cache_dir().exists() or not any(cache_dir().iterdir())


def test_statistics_kept_in_the_project_standardize_later_loads(tmp_path):
    make_folder(tmp_path / "pics")
    fitted = load_dataset(spec(size=8), tmp_path)
    kept = load_dataset(spec(size=8, mean=[100.0, 100.0, 100.0], std=[50.0, 50.0, 50.0]), tmp_path)
    assert np.allclose(kept.mean.ravel(), 100) and not np.allclose(fitted.mean.ravel(), 100)
    raw = fitted.x_train * torch.from_numpy(fitted.std) + torch.from_numpy(fitted.mean)
    assert torch.allclose(kept.x_train, (raw - 100) / 50, atol=1e-4)
    with pytest.raises(DataError) as e:
        load_dataset(spec(size=8, color="grey", mean=[1.0, 2.0, 3.0], std=[1.0, 1.0, 1.0]), tmp_path)
    assert e.value.where == "data.params.mean" and "one per channel" in str(e.value)
