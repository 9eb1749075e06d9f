"""core.training vs a hand-written PyTorch loop on a small MLP (CPU), measured side by side.

Run: ``python -m pytest tests/benchmarks/bench_training.py -m benchmark -s``. Prints the ratio of
steps/s (target >= 0.95). Both loops do the same work per epoch: shuffle by ``randperm``, slice
batches, step Adam, evaluate the validation set under ``inference_mode``.
"""
from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import pytest
import torch
from torch import nn

from core.data import load_dataset
from core.project import Project
from core.training import train

SPIRAL = Path(__file__).resolve().parents[2] / "resources" / "examples" / "spiral.losslab.json"
EPOCHS = 40


def _project() -> Project:
    doc = json.loads(SPIRAL.read_text())
    doc["data"]["params"]["samples"] = 4000
    doc["training"].update(epochs=EPOCHS, batch_size=32, schedule={"type": "Constant", "params": {}})
    return Project.from_dict(doc)


def plain_loop(data, epochs: int) -> int:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    x, y = data.x_train, data.y_train["label"]
    xv, yv = data.x_val, data.y_val["label"]
    gen = torch.Generator().manual_seed(0)
    steps = 0
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), 32):
            idx = perm[i:i + 32]
            loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            steps += 1
        model.eval()
        with torch.inference_mode():
            out = model(xv)
            float(nn.functional.cross_entropy(out, yv)), float((out.argmax(1) == yv).float().mean())
    return steps


def timed(fn) -> tuple[float, float, int]:
    """(wall seconds, this thread's CPU seconds, steps): CPU time is robust on a shared machine."""
    w, c = time.perf_counter(), time.thread_time()
    steps = fn()
    return time.perf_counter() - w, time.thread_time() - c, steps


@pytest.mark.benchmark
def test_trainer_costs_about_what_a_plain_loop_costs():
    torch.set_num_threads(1)  # one thread: thread CPU time then measures all the work
    project = _project()
    data = load_dataset(project.data, project.base_dir)
    runs = {"plain": lambda: plain_loop(data, EPOCHS),
            "core": lambda: train(project, dataset=data, diagnose=False).steps,
            "core+diagnostics": lambda: train(project, dataset=data).steps}
    wall: dict[str, list[float]] = {k: [] for k in runs}
    cpu: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(5):  # interleaved rounds: the machine is shared and noisy
        for name, fn in runs.items():
            w, c, steps = timed(fn)
            wall[name].append(steps / w)
            cpu[name].append(steps / c)
    print()
    for name in runs:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        print(f"{name:>17}: {w:7,.0f} steps/s wall (ratio {w / statistics.median(wall['plain']):.3f}), "
              f"{c:7,.0f} steps per CPU-second (ratio {c / statistics.median(cpu['plain']):.3f})")
    assert all(v > 0 for v in cpu["core"])
