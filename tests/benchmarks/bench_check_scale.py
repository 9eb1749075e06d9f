"""How ``losslab check`` scales with the node count: 10,000 / 20,000 / 100,000-node graphs.

Run with ``pytest -m benchmark tests/benchmarks/bench_check_scale.py -s``. Each graph is a chain
Input -> (Linear 8 -> ReLU) x k -> Linear 2 on the spiral data, plus side branches merged by Add so
the graph is not only a line. Prints the seconds of each stage (parse + validate the JSON, the graph
check, the lint, the whole command) and the time per node: linear-time checks keep that last figure
flat as the graph grows (before the rework: 10,000 nodes 5.3 s, 20,000 16 s, 100,000 over 20 s).
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SIZES = (10_000, 20_000, 100_000)


def big_project(n_nodes: int) -> dict:
    """A valid project of about ``n_nodes`` nodes on the spiral data."""
    nodes = [{"id": "input", "type": "Input"}]
    edges = []
    prev, i = "input", 0
    while len(nodes) < n_nodes - 2:
        fc, act = f"fc{i}", f"act{i}"
        nodes += [{"id": fc, "type": "Linear", "params": {"out_features": 8}}, {"id": act, "type": "ReLU"}]
        edges += [[prev, fc], [fc, act]]
        if i % 10 == 9:  # a skip branch every tenth block: Add(prev block output, this one)
            add = f"add{i}"
            nodes.append({"id": add, "type": "Add"})
            edges += [[act, add], [f"act{i - 1}", add]]
            act = add
        prev, i = act, i + 1
    nodes.append({"id": "out", "type": "Linear", "params": {"out_features": 2}})
    edges.append([prev, "out"])
    return {"format": "losslab-project", "version": 1, "name": f"chain of {len(nodes)}",
            "data": {"source": "spiral", "params": {"samples": 300}},
            "model": {"nodes": nodes, "edges": edges},
            "outputs": [{"node": "out", "loss": {"type": "CrossEntropyLoss"}}],
            "training": {"epochs": 1}}


@pytest.mark.benchmark
@pytest.mark.parametrize("n", SIZES)
def test_check_time_grows_linearly(n, tmp_path):
    from core.cli import main
    from core.cli.common import lint
    from core.data import load_dataset
    from core.graph import check_graph
    from core.project import Project

    doc = big_project(n)
    path = tmp_path / "big.losslab.json"
    path.write_text(json.dumps(doc))
    t0 = time.perf_counter()
    project = Project.load(path)
    t1 = time.perf_counter()
    ds = load_dataset(project.data, project.base_dir)
    t2 = time.perf_counter()
    check = check_graph(project, ds.input_shape, ds.targets)
    t3 = time.perf_counter()
    lint(project, check, ds)
    t4 = time.perf_counter()
    lines: list[str] = []
    code = main(["check", str(path)], out=lines.append)
    t5 = time.perf_counter()
    assert code == 0, lines[-3:]
    assert check.ok and len(check.order) == len(doc["model"]["nodes"])
    print(f"\ncheck of {len(doc['model']['nodes']):,} nodes: load+validate {t1 - t0:.2f} s, graph check "
          f"{t3 - t2:.2f} s, lint {t4 - t3:.2f} s, whole `losslab check` {t5 - t4:.2f} s "
          f"({(t5 - t4) / n * 1e6:.0f} us per node)")


def _million_row_project(folder: Path, rows: int = 1_000_000) -> Path:
    """A 1M-row table (8 numeric columns, a text column, a class column) and a project on it."""
    import numpy as np
    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, 8))
    city = np.array(["Lyon", "Paris", "Nice", "Lille"])[rng.integers(0, 4, rows)]
    kind = np.array(["red", "white", "rose"])[rng.integers(0, 3, rows)]
    numbers = np.char.mod("%.4f", x)
    body = np.char.add(np.char.add(np.char.add(np.char.add(numbers[:, 0], ","), numbers[:, 1]), ","), numbers[:, 2])
    for j in range(3, 8):
        body = np.char.add(np.char.add(body, ","), numbers[:, j])
    body = np.char.add(np.char.add(np.char.add(np.char.add(body, ","), city), ","), kind)
    (folder / "big.csv").write_text(",".join([f"f{j}" for j in range(8)] + ["city", "kind"]) + "\n"
                                    + "\n".join(body.tolist()) + "\n")
    doc = json.loads((ROOT / "resources" / "examples" / "csv-moons.losslab.json").read_text())
    doc["name"] = "million rows"
    doc["data"].update(path="big.csv", target="kind", features=[f"f{j}" for j in range(8)] + ["city"])
    doc["model"]["nodes"][-1].setdefault("params", {})["out_features"] = 3
    path = folder / "big.losslab.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.benchmark
def test_check_of_a_million_row_table(tmp_path):
    """``losslab check`` on a 1M-row CSV (goal: under 5 s; 17.4 s when it read every row): the whole
    command in a fresh process, and, side by side in this process (imports done), the check with its
    sample against a full read of the table (what the check did before)."""
    import os
    import subprocess
    import sys

    from core.cli import main
    from core.data import load_dataset
    from core.project import Project

    path = _million_row_project(tmp_path)
    spiral = ROOT / "resources" / "examples" / "spiral.losslab.json"
    assert main(["check", str(spiral)], out=lambda _line: None) == 0   # the imports, done before timing
    lines: list[str] = []
    t0 = time.perf_counter()
    code = main(["check", str(path)], out=lines.append)
    t1 = time.perf_counter()
    project = Project.load(path)
    load_dataset(project.data, project.base_dir)   # every row, as the check used to read them
    t2 = time.perf_counter()
    assert code == 0, lines[-3:]
    assert any("checked on a sample of" in line for line in lines)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    t3 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "core.cli", "check", str(path)], capture_output=True, text=True,
                          env=env, cwd=ROOT)
    t4 = time.perf_counter()
    assert proc.returncode == 0, proc.stderr[-500:]
    t5 = time.perf_counter()   # the same command on a 300-row example: what starting Python and torch costs
    small = subprocess.run([sys.executable, "-m", "core.cli", "check", str(spiral)], capture_output=True, text=True,
                           env=env, cwd=ROOT)
    t6 = time.perf_counter()
    assert small.returncode == 0, small.stderr[-500:]
    print(f"\n`losslab check` of a 1,000,000-row CSV: {t4 - t3:.2f} s in a fresh process (imports included; "
          f"the spiral example's check in a fresh process: {t6 - t5:.2f} s); in this process the check took "
          f"{t1 - t0:.2f} s against {t2 - t1:.2f} s to read every row ({(t2 - t1) / (t1 - t0):.1f}x)")
