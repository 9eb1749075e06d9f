"""The layering contract in pyproject.toml (core never imports PySide6, pyqtgraph or guiapp), run by
import-linter over the real tree, and shown to fail on a core that imports Qt."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if exe is None:
        pytest.fail("import-linter is not installed: pip install -e '.[test]' (it provides lint-imports)")
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([exe, "--no-cache", "--config", str(cwd / "pyproject.toml")], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_real_tree_keeps_the_contract():
    proc = _lint_imports(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "core never imports Qt, pyqtgraph or the GUI KEPT" in proc.stdout


def test_the_contract_breaks_when_core_imports_qt(tmp_path):
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "guiapp").mkdir()
    (tmp_path / "guiapp" / "__init__.py").write_text("")
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "__init__.py").write_text("")
    # a lazy import inside a function is caught too, not only a top-level one
    (tmp_path / "core" / "plot.py").write_text("def show():\n    from PySide6.QtWidgets import QLabel\n")
    proc = _lint_imports(tmp_path)
    assert proc.returncode != 0
    assert "BROKEN" in proc.stdout and "core.plot -> PySide6" in proc.stdout, proc.stdout
