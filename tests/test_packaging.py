"""The installer's build files: the frozen entry point calls ``freeze_support`` before anything else,
the spec ships the resources, and the desktop entry installs with the bundle's own path."""
from __future__ import annotations

import ast
import configparser
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

PACKAGING = Path(__file__).resolve().parents[1] / "resources" / "packaging"


def test_entry_point_calls_freeze_support_first():
    tree = ast.parse((PACKAGING / "losslab_entry.py").read_text())
    body = [n for n in tree.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    assert isinstance(body[0], ast.Import) and body[0].names[0].name == "multiprocessing"
    call = body[1].value
    assert isinstance(call, ast.Call) and ast.unparse(call.func) == "multiprocessing.freeze_support"


def _runtime_folders() -> set[str]:
    """Every folder of ``resources/`` the app reads at run time (all but the build files)."""
    return {p.name for p in PACKAGING.parent.iterdir() if p.is_dir() and p.name != "packaging"}


def test_spec_ships_every_runtime_resource_folder_in_folder_mode():
    spec = (PACKAGING / "losslab.spec").read_text()
    shipped = ast.literal_eval(re.search(r"^SHIPPED = (\(.*\))$", spec, re.M).group(1))
    assert set(shipped) == _runtime_folders()     # the user guide (docs, screenshots) and streams too
    assert "for part in SHIPPED" in spec and "COLLECT(" in spec  # COLLECT: folder mode, not one-file
    assert '"ray"' in spec  # the cluster extra stays out of the desktop bundle


def test_a_wheel_installs_every_runtime_resource_folder():
    try:
        import tomllib
    except ModuleNotFoundError:            # Python 3.10
        tomllib = pytest.importorskip("tomli")
    project = tomllib.loads((PACKAGING.parents[1] / "pyproject.toml").read_text())
    data_files = project["tool"]["setuptools"]["data-files"]
    prefix = "share/losslab/resources/"
    installed = {target[len(prefix):]: globs for target, globs in data_files.items() if target.startswith(prefix)}
    assert {k for k in installed if "/" not in k} == _runtime_folders()
    for folder, globs in installed.items():
        entries = list((PACKAGING.parent / folder).iterdir())
        subfolders = [p.name for p in entries if p.is_dir()]
        # a data-files glob copies files only: each subfolder (an image folder's classes) has its own entry
        assert all(f"{folder}/{sub}" in installed for sub in subfolders), folder
        root = PACKAGING.parents[1]
        matched = sorted({q.name for g in globs for q in root.glob(g)})
        assert matched == sorted(p.name for p in entries if p.is_file()), folder  # every file, no folder


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_desktop_entry_installs_with_the_bundle_path(tmp_path):
    bundle = tmp_path / "bundle with space"
    bundle.mkdir()
    for name in ("losslab.desktop", "install-desktop-entry.sh"):
        shutil.copy2(PACKAGING / name, bundle / name)
    (bundle / "losslab.svg").write_text("<svg/>")
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "share"))
    r = subprocess.run(["sh", str(bundle / "install-desktop-entry.sh")], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    entry = configparser.ConfigParser(interpolation=None)
    entry.read(tmp_path / "share/applications/losslab.desktop")
    desktop = entry["Desktop Entry"]
    assert desktop["Exec"] == f'"{bundle}/losslab" %f' and desktop["Icon"] == "losslab"
    assert (tmp_path / "share/icons/hicolor/scalable/apps/losslab.svg").is_file()
