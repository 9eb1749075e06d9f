"""Loading a 1,000,000-row x 20-column numeric CSV: time and peak memory, three readers side by side.

Run: ``python -m pytest tests/benchmarks/bench_csv_load.py -m benchmark -s``. Each reader runs in
its own process so its peak memory (``ru_maxrss`` after imports subtracted) is its own:

- ``load_dataset``: LossLab's whole path (read, split, normalize, tensors), numpy's reader inside;
- ``csv module``: the same table read by the standard ``csv`` module (LossLab's general reader);
- ``pandas``: ``pandas.read_csv(dtype=float32)``, when pandas is installed.

The target: peak memory within ~3x the float32 data (80 MB here).
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
ROWS, COLS = 1_000_000, 20

SCRIPT = textwrap.dedent("""
    import json, resource, sys, time
    from pathlib import Path
    which, path = sys.argv[1], Path(sys.argv[2])
    import numpy as np, torch
    from types import SimpleNamespace
    from core.data import load_dataset
    from core.data.csvfile import _scan, read_table
    try:
        import pandas
    except ImportError:
        pandas = None
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    if which == "load_dataset":
        spec = SimpleNamespace(source="csv", params={}, path=str(path), target="y", features=None, task="regression",
                               val_fraction=0.2, test_fraction=0.0, seed=0, normalize=True)
        ds = load_dataset(spec)
        n = ds.n_train + ds.n_val
    elif which == "csv module":
        header, _, lines, builders = _scan(path, "big.csv", ",", None)
        n = len(lines)
    elif which == "numpy read_table":
        n = read_table(path, "big.csv").n_rows
    else:
        if pandas is None:
            print(json.dumps(None)); sys.exit(0)
        n = len(pandas.read_csv(path, dtype=np.float32))
    seconds = time.perf_counter() - t
    peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
    print(json.dumps({"rows": n, "seconds": seconds, "peak_mb": peak}))
""")


def _make(path: Path) -> None:
    rng = np.random.default_rng(0)
    with path.open("w") as f:
        f.write(",".join(f"x{i}" for i in range(COLS - 1)) + ",y\n")
        for start in range(0, ROWS, 100_000):
            np.savetxt(f, rng.normal(size=(100_000, COLS)).astype(np.float32), fmt="%.6g", delimiter=",")


@pytest.mark.benchmark
def test_million_row_csv_load(tmp_path):
    path = tmp_path / "big.csv"
    _make(path)
    data_mb = ROWS * COLS * 4 / 2**20
    print(f"\n{ROWS:,} rows x {COLS} columns, file {path.stat().st_size / 2**20:.0f} MB, "
          f"float32 data {data_mb:.0f} MB")
    results = {}
    for which in ("load_dataset", "numpy read_table", "csv module", "pandas"):
        out = subprocess.run([sys.executable, "-c", SCRIPT, which, str(path)], cwd=ROOT, capture_output=True,
                             text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        assert out.returncode == 0, out.stderr
        r = json.loads(out.stdout.strip().splitlines()[-1])
        if r is None:
            print(f"{which:>18}: not installed")
            continue
        results[which] = r
        print(f"{which:>18}: {r['seconds']:.2f} s, peak +{r['peak_mb']:.0f} MB "
              f"({r['peak_mb'] / data_mb:.1f}x the float32 data)")
    assert results["load_dataset"]["rows"] == ROWS
    assert results["load_dataset"]["peak_mb"] < 3.5 * data_mb
