"""CUDA check (run on a machine with a GPU): every bundled example trains on ``cuda`` to a clean status,
its first epoch's train loss is close to the CPU run's, and the headless CLI trains on ``--device cuda``.

    python -m pytest tests/benchmarks/bench_cuda.py -m benchmark -s

Skipped where torch sees no CUDA device."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import torch

from core.project import Project
from core.training import train

pytestmark = [pytest.mark.benchmark,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")]

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "resources" / "examples").glob("*.losslab.json"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name.split(".")[0])
def test_example_trains_on_cuda_like_on_cpu(path):
    project = Project.load(path)
    t0 = time.perf_counter()
    gpu = train(project, epochs=3, seed=0, device="cuda")
    gpu_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    cpu = train(project, epochs=3, seed=0, device="cpu", threads=4)
    cpu_s = time.perf_counter() - t0
    assert gpu.status == "completed", gpu.message
    g, c = gpu.history[0].train_loss, cpu.history[0].train_loss
    print(f"\n{path.name}: epoch-1 train loss cuda {g:.6f} cpu {c:.6f}; 3 epochs cuda {gpu_s:.2f}s cpu {cpu_s:.2f}s "
          f"({gpu.steps_per_second:,.0f} vs {cpu.steps_per_second:,.0f} steps/s)")
    # CUDA draws Dropout masks from its own generator: same seed, other masks, so only "close" there
    has_dropout = any(n.type == "Dropout" for n in project.model.nodes)
    assert g == pytest.approx(c, rel=0.05 if has_dropout else 1e-3, abs=1e-5)
    assert next(gpu.model.parameters()).device.type == "cuda"


def test_cli_trains_on_cuda(capsys):
    from core.cli import main
    assert main(["train", str(EXAMPLES[0]), "--epochs", "2", "--device", "cuda", "--json", "--quiet"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["status"] == "completed"
