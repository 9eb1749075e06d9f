"""Image folders: time to a first trained model, memory of a big folder, and the cached second open.

Prints (the issue's targets in brackets):
- 1,000 images in 5 classes (the bundled flowers, saved as 64x64 PNG in a temporary folder): load with
  an empty cache, decode, cache, and train a small CNN for 3 epochs [< 60 s];
- 10,000 images of 64x64 RGB: peak resident memory of a first open [< 1 GB], in a fresh process;
- the second open of the same folder (the cache memory-mapped) [< 2 s], in a fresh process.
Each measurement runs in its own process, so imports and earlier allocations do not blur it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLOWERS = ROOT / "resources" / "data" / "flowers"

_MEASURE = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from core.data import load_dataset
t_import = time.perf_counter() - t0
mode, folder = sys.argv[1], sys.argv[2]
spec = {"source": "images", "path": folder, "params": {"size": int(sys.argv[3]), "fit": "resize"}}
def cpu():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime
t1, c1 = time.perf_counter(), cpu()
ds = load_dataset(spec)
t_load, c_load = time.perf_counter() - t1, cpu() - c1
out = {"images": ds.n_train + ds.n_val, "load_s": t_load, "load_cpu_s": c_load, "import_s": t_import, "cached": ds.image_report.cached}
if mode == "train":
    sys.path.insert(0, sys.argv[4])
    from tests.core.image_projects import cnn_project
    from core.training.trainer import train
    p = cnn_project(folder, len(ds.targets["class"].classes), size=int(sys.argv[3]), epochs=3)
    t2, c2 = time.perf_counter(), cpu()
    r = train(p, dataset=ds, diagnose=False, health=False)
    out["train_s"], out["train_cpu_s"] = time.perf_counter() - t2, cpu() - c2
    out["val_accuracy"] = r.history[-1].metrics.get("val_accuracy")
out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def _measure(tmp_path: Path, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LOSSLAB_HOME": str(tmp_path / "home")}
    r = subprocess.run([sys.executable, "-c", _MEASURE, *args], capture_output=True, text=True, env=env,
                       timeout=1800)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def _flower_folder(root: Path, per_class: int, size: int, ext: str = ".png") -> Path:
    """``per_class`` images of each bundled flower class at ``size`` x ``size``: the photos, then their
    mirror images and rotations when a class runs out (each file different)."""
    from PIL import Image
    for cls in sorted(p for p in FLOWERS.iterdir() if p.is_dir()):
        files = sorted(cls.iterdir())
        (root / cls.name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            with Image.open(files[i % len(files)]) as im:
                im = im.convert("RGB").resize((size, size), Image.BILINEAR)
                variant = i // len(files)
                if variant % 2:
                    im = im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
                im = im.rotate(90 * (variant // 2))
                im.save(root / cls.name / f"{i:05d}{ext}")
    return root


@pytest.mark.benchmark
def test_bench_image_folder_first_model_memory_and_second_open(tmp_path):
    small = _flower_folder(tmp_path / "small", 200, 64)
    first = _measure(tmp_path, "train", str(small), "32", str(ROOT))
    total = first["load_s"] + first["train_s"]
    print(f"\nmachine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall times stretch with it; "
          "CPU seconds do not)")
    print(f"1,000 images (5 classes, 64x64 PNG -> 32x32): load+decode+cache {first['load_s']:.1f} s "
          f"(CPU {first['load_cpu_s']:.1f} s), 3 epochs of a small CNN {first['train_s']:.1f} s (CPU "
          f"{first['train_cpu_s']:.1f} s): first trained model in {total:.1f} s "
          f"(target < 60 s; torch import {first['import_s']:.1f} s not counted), val accuracy {first['val_accuracy']}")
    big = _flower_folder(tmp_path / "big", 2000, 64, ".jpg")
    opened = _measure(tmp_path, "load", str(big), "64")
    print(f"10,000 images 64x64 RGB, first open: {opened['load_s']:.1f} s (CPU {opened['load_cpu_s']:.1f} s), peak RSS {opened['peak_rss_mb']:.0f} MB "
          "(target < 1024 MB)")
    again = _measure(tmp_path, "load", str(big), "64")
    assert again["cached"] and again["images"] == 10_000
    print(f"second open of the same folder: {again['load_s']:.2f} s (CPU {again['load_cpu_s']:.2f} s; target < 2 s), peak RSS "
          f"{again['peak_rss_mb']:.0f} MB")
