"""Node previews after an edit (core.preview), headless: the time from an edited project to every
node's preview, with the cache reusing what lies before the edit.

Run: ``python -m pytest -n 0 -m benchmark -s tests/benchmarks/bench_preview.py``. Prints, per bundled
example, the median and 95th percentile over edits of every node with a whole-number setting (one
more unit, channel, ...), and how many nodes each edit recomputed. The issue's target (median <= 50 ms,
p95 <= 150 ms) is for the window, which adds drawing; this is the engine's share.
"""
from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import pytest
import torch

from core.catalog import LAYERS
from core.data import load_dataset
from core.preview import PreviewCache, sample_batch
from core.project import Project

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


def _edits(project: Project, more: int):
    """(node id, edited project) for each node whose first shown setting is a whole number, raised by
    ``more`` (a new value each round, so no edit finds its result in the cache)."""
    for node in project.model.nodes:
        entry = LAYERS.get(node.type)
        for name in entry.show:
            param = entry.param(name)
            if param.kind != "int":
                continue
            doc = project.to_dict()
            spec = next(n for n in doc["model"]["nodes"] if n["id"] == node.id)
            spec.setdefault("params", {})[name] = int(spec.get("params", {}).get(name, param.default)) + more
            yield node.id, Project.from_dict(doc, base_dir=project.base_dir)
            break


@pytest.mark.benchmark
def test_preview_after_an_edit():
    torch.set_num_threads(1)
    print()
    for name in json.loads((EXAMPLES / "index.json").read_text()):
        project = Project.load(EXAMPLES / f"{name}.losslab.json")
        data = load_dataset(project.data, project.base_dir)
        cache = PreviewCache(sample_batch(data))
        cache.run(project, data.targets)
        times, counts = [], []
        for more in (1, 2, 3):
            for _node, edited in _edits(project, more):
                t = time.perf_counter()
                cache.run(edited, data.targets)
                times.append(1000 * (time.perf_counter() - t))
                counts.append(len(cache.computed))
                cache.run(project, data.targets)  # back to the original (from the cache)
        if not times:
            continue
        times.sort()
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        print(f"{name}: {len(times)} edits, median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, "
              f"{statistics.mean(counts):.1f} of {len(project.model.nodes)} nodes recomputed per edit")
