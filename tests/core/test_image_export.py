"""An image model's exports take image files through the documented preprocessing and agree with the app."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from core.data import load_dataset
from core.export import export
from core.training.setup import prepare
from core.training.trainer import train
from tests.core.image_projects import cnn_project

onnxruntime = pytest.importorskip("onnxruntime")

# five classes that differ in colour AND shape, so the model must look at both
CLASSES = {"disc": (200, 60, 60), "bar": (60, 200, 60), "ring": (60, 60, 200), "cross": (200, 200, 60),
           "dots": (200, 60, 200)}


def _picture(kind: str, colour, rng, w: int, h: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    cx, cy, r = w / 2 + rng.normal(0, w / 12), h / 2 + rng.normal(0, h / 12), min(w, h) * rng.uniform(0.25, 0.4)
    d = np.hypot(xx - cx, yy - cy)
    mask = {"disc": d < r, "ring": (d < r) & (d > r * 0.6), "bar": np.abs(xx - cx) < r / 3,
            "cross": (np.abs(xx - cx) < r / 4) | (np.abs(yy - cy) < r / 4),
            "dots": ((xx // max(2, w // 8) + yy // max(2, h // 8)) % 2 == 0)}[kind]
    img = rng.normal(110, 35, size=(h, w, 3))
    img[mask] = np.asarray(colour) + rng.normal(0, 25, size=(int(mask.sum()), 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def make_shapes(root: Path, per_class: int, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    for k, (name, colour) in enumerate(CLASSES.items()):
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            w, h = int(rng.integers(20, 48)), int(rng.integers(20, 48))  # mixed sizes and shapes
            a = _picture(name, colour, rng, w, h)
            ext = ".jpg" if i % 3 == 0 else ".png"
            Image.fromarray(a).save(root / name / f"{name}{i:03d}{ext}")
    return root


def documented_input(path: Path, raw: dict) -> np.ndarray:
    """The preprocessing JSON's do_yourself steps, written from the document (not LossLab's code)."""
    size, fit = raw["size"], raw["fit"]
    with Image.open(path) as im:
        im = im.convert("RGB" if raw["color"] == "rgb" else "L")
        w, h = im.size
        if fit == "resize":
            im = im.resize((size, size), Image.BILINEAR)
        else:
            if fit in ("resize_crop", "resize_pad"):
                s = size / (min(w, h) if fit == "resize_crop" else max(w, h))
                im = im.resize((max(1, round(w * s)), max(1, round(h * s))), Image.BILINEAR)
            canvas = Image.new(im.mode, (size, size))
            canvas.paste(im, ((size - im.size[0]) // 2, (size - im.size[1]) // 2))
            im = canvas
        a = np.asarray(im, dtype=np.float32)
    return a[None] if a.ndim == 2 else a.transpose(2, 0, 1)


@pytest.mark.parametrize("fit", ["resize_crop", "resize_pad"])
def test_onnx_export_fed_image_files_gives_the_apps_class_on_100_held_out_images(tmp_path, monkeypatch, fit):
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path / "home"))
    make_shapes(tmp_path / "shapes", per_class=60)
    project = cnn_project("shapes", len(CLASSES), size=16, epochs=4, val_fraction=0.34, params={"fit": fit})
    project.base_dir = tmp_path
    ds = load_dataset(project.data, tmp_path)
    assert ds.n_val >= 100
    setup = prepare(project, ds, device="cpu")
    train(project, setup=setup, dataset=ds, diagnose=False, health=False)
    model = setup.model.eval()
    with torch.inference_mode():
        app = model(ds.x_val)[0].argmax(1).numpy()
    assert (app == ds.y_val["class"].numpy()).mean() > 0.5  # it learned something: the check is not vacuous
    out = tmp_path / "model.onnx"
    export(project, "onnx", out, model=model, dataset=ds)
    doc = json.loads((tmp_path / "model.onnx.preprocessing.json").read_text())
    assert doc["raw_input"]["kind"] == "images" and doc["normalize"]["per"] == "channel"
    assert any("fit" in step for step in doc["do_yourself"]) and doc["in_model"]
    files = ds.image_files["val"][:100]
    batch = np.stack([documented_input(tmp_path / "shapes" / f, doc["raw_input"]) for f in files])
    sess = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    onnx_class = sess.run(None, {sess.get_inputs()[0].name: batch})[0].argmax(1)
    assert (onnx_class == app[:100]).all()
    classes = doc["outputs"][0]["classes"]
    assert classes == sorted(CLASSES)


def test_losslab_check_and_train_work_headless_and_list_the_skipped_files(tmp_path, monkeypatch):
    from tests.core.cli_run import run
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path / "home"))
    make_shapes(tmp_path / "shapes", per_class=12)
    (tmp_path / "shapes" / "bar" / "broken.png").write_bytes(b"broken")
    project = cnn_project("shapes", len(CLASSES), size=12, epochs=1)
    project.save(tmp_path / "shapes.losslab.json")
    code, lines = run("check", tmp_path / "shapes.losslab.json")
    text = "\n".join(lines)
    assert code == 0 and "images: 60 in 5 classes" in text and "skipped 1 file:" in text
    assert "bar/broken.png: not a readable image" in text
    code, lines = run("train", tmp_path / "shapes.losslab.json", "--no-store", "--quiet")
    assert code == 0, lines
