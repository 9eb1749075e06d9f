"""Build LossLab's desktop bundle with PyInstaller (folder mode), then run its self-test and measure it.

    pip install -e '.[bundle,onnx]'        # PyInstaller (+ the onnx extra, for File > Export > onnx)
    python resources/packaging/build.py [--dist DIR] [--work DIR]

The bundle lands in DIR/losslab (default: <temp>/losslab-bundle/dist/losslab): run ``losslab`` inside it;
no Python is needed on the target. Exit status 0 only when the build worked, the finished bundle's
``losslab --self-test`` passed, and the start-up measurement reached the window.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
NAME = "losslab"


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def _check_torch() -> None:
    import torch
    if torch.version.cuda is not None:
        print(f"warning: torch {torch.__version__} is a CUDA build: the bundle will be 4-5 GB instead of ~1 GB. "
              "For the CPU build: pip install torch --index-url https://download.pytorch.org/whl/cpu", flush=True)


def _bundle_env(home: Path) -> dict[str, str]:
    """The environment of a person's machine: no PYTHONPATH, no venv, offscreen Qt, a clean home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "LOSSLAB_"))}
    env.update(QT_QPA_PLATFORM="offscreen", HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(home / ".local/share"))
    return env


def startup_seconds(exe: Path, env: dict[str, str], runs: int = 3) -> list[float]:
    """Seconds from process start to the window shown (the app's own LOSSLAB_STARTUP_REPORT)."""
    times = []
    for _ in range(runs):
        r = subprocess.run([str(exe)], env=dict(env, LOSSLAB_STARTUP_REPORT="1", LOSSLAB_STARTUP_EXIT="1"),
                           capture_output=True, text=True, timeout=300, cwd=env["HOME"])
        m = re.search(r"startup: window shown after ([0-9.]+) s", r.stdout)
        if r.returncode != 0 or not m:
            raise RuntimeError(f"the bundle did not start (exit {r.returncode}):\n{r.stdout[-2000:]}{r.stderr[-2000:]}")
        times.append(float(m.group(1)))
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = Path(tempfile.gettempdir()) / "losslab-bundle"
    ap.add_argument("--dist", type=Path, default=default / "dist", help="where the bundle folder goes")
    ap.add_argument("--work", type=Path, default=default / "work", help="PyInstaller's work folder")
    ap.add_argument("--clean", action="store_true", help="drop PyInstaller's cache in the work folder first")
    ap.add_argument("--skip-self-test", action="store_true", help="only build (not recommended)")
    args = ap.parse_args(argv)
    _check_torch()
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", *(["--clean"] if args.clean else []),
                    "--log-level", "WARN",
                    "--distpath", str(args.dist), "--workpath", str(args.work), str(HERE / "losslab.spec")],
                   check=True, cwd=ROOT)
    bundle = args.dist / NAME
    exe = bundle / (NAME + (".exe" if sys.platform == "win32" else ""))
    if sys.platform.startswith("linux"):  # the desktop entry and its icon, installed by the script beside them
        shutil.copy2(HERE / "losslab.desktop", bundle / "losslab.desktop")
        shutil.copy2(HERE / "install-desktop-entry.sh", bundle / "install-desktop-entry.sh")
        shutil.copy2(ROOT / "resources" / "icons" / "logo.svg", bundle / "losslab.svg")
    print(f"built {bundle} in {time.perf_counter() - t0:.0f} s: {_size(bundle) / 2**20:,.0f} MiB", flush=True)
    if args.skip_self_test:
        return 0
    home = Path(tempfile.mkdtemp(prefix="losslab-bundle-home-"))
    try:
        env = _bundle_env(home)
        r = subprocess.run([str(exe), "--self-test"], env=env, cwd=home, timeout=900)
        if r.returncode != 0:
            print(f"the bundle's self-test FAILED (exit {r.returncode})", file=sys.stderr)
            return 1
        times = startup_seconds(exe, env)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print(f"bundle: {bundle}\n  size: {_size(bundle) / 2**20:,.0f} MiB ({sum(1 for _ in bundle.rglob('*')):,} files)\n"
          f"  start-up to the window (offscreen): {', '.join(f'{t:.2f}' for t in times)} s "
          f"(median {sorted(times)[len(times) // 2]:.2f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
