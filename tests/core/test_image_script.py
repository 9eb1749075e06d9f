"""The py export of an image project: the script reads the folder as LossLab does (same pixels, split and
first-epoch loss) and predicts image files with LossLab's classes."""
from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys

import numpy as np
import torch

from core.data import load_dataset
from core.data.imagefolder import ImageSettings, decode_image
from core.export import export, py_images
from core.training.setup import prepare
from core.training.trainer import train
from tests.core.image_projects import cnn_project
from tests.core.test_image_export import make_shapes


def _run(script, *args):
    r = subprocess.run([sys.executable, str(script), "--threads", "1", "--json", *args], capture_output=True,
                       text=True, cwd=script.parent, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_the_scripts_decoder_gives_losslabs_pixels_for_every_fit(tmp_path):
    make_shapes(tmp_path / "shapes", per_class=4)
    ns: dict = {}
    exec("import os, sys\nfrom pathlib import Path\nimport numpy as np\n" + py_images.READ_IMAGES, ns)  # noqa: S102
    files, labels, splits, classes = ns["list_images"](tmp_path / "shapes")
    assert len(files) == 20 and classes == sorted(classes) and set(splits) == {-1}
    for fit in ("resize", "resize_crop", "resize_pad", "crop_or_pad"):
        for color in ("rgb", "grey"):
            for f in files[::3]:
                np.testing.assert_array_equal(ns["decode_image"](f, 12, color, fit),
                                              decode_image(f, ImageSettings(12, color, fit)))


def test_the_exported_script_reproduces_the_first_epoch_and_predicts_image_files(tmp_path, monkeypatch):
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path / "home"))
    make_shapes(tmp_path / "shapes", per_class=24)
    project = cnn_project("shapes", 5, size=12, epochs=1, params={"fit": "resize_pad"})
    project.base_dir = tmp_path
    script = export(project, "py", tmp_path / "shapes_net.py").path
    history = _run(script, "--epochs", "1")["history"]
    threads = torch.get_num_threads()
    try:
        res = train(project, epochs=1, threads=1, diagnose=False, health=False)
    finally:
        torch.set_num_threads(threads)
    assert math.isclose(history[0]["train_loss"], res.history[0].train_loss, rel_tol=1e-5)
    assert math.isclose(history[0]["val_loss"], res.history[0].val_loss, rel_tol=1e-4)
    # LossLab's trained weights, then image files in: the app's classes out
    ds = load_dataset(project.data, tmp_path)
    setup = prepare(project, ds, device="cpu")
    train(project, setup=setup, dataset=ds, epochs=3, diagnose=False, health=False)
    model = setup.model.eval()
    export(project, "state_dict", tmp_path / "w.pt", model=model, dataset=ds)
    held_out = tmp_path / "new"
    names = ds.image_files["val"][:12]
    held_out.mkdir()
    for k, rel in enumerate(names):  # a folder of held-out files, named so the script reads them in this order
        shutil.copy(tmp_path / "shapes" / rel, held_out / f"{k:02d}{(tmp_path / rel).suffix}")
    with torch.inference_mode():
        want = model(ds.x_val[:12])[0].argmax(1).tolist()
    got = _run(script, "--weights", str(tmp_path / "w.pt"), "--predict", str(held_out))["predictions"]["out"]
    assert got == [ds.targets["class"].classes[k] for k in want]
