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
    assert "core's layers: each imports only the layers below it KEPT" in proc.stdout
    assert "guiapp's layers: the window over the features over the shared widgets KEPT" in proc.stdout


def _cycles(graph) -> list[list[str]]:
    """Strongly connected groups of more than one module (an import cycle), lazy imports included."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.find_modules_directly_imported_by(v):
            if w not in graph.modules:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for m in sorted(graph.modules):
        if m not in index:
            visit(m)
    return found


@pytest.mark.parametrize("package", ["core", "guiapp"])
def test_no_module_imports_itself_round_a_cycle(package):
    """Two cycles hid behind imports inside functions (the CSV loader and its table reader; a plot and its
    exporter): a lazy import is an import too. Imports made only for type checking are not counted."""
    import grimp
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    graph = grimp.build_graph(package, exclude_type_checking_imports=True)
    assert _cycles(graph) == []


def test_the_contract_breaks_when_core_imports_qt(tmp_path):
    text = (ROOT / "pyproject.toml").read_text()
    first, marker = text.index("[[tool.importlinter.contracts]]"), "\n[[tool.importlinter.contracts]]"
    second = text.find(marker, first + 1)     # only the Qt contract: the layers name modules this tree lacks
    (tmp_path / "pyproject.toml").write_text(text if second < 0 else text[:second])
    (tmp_path / "guiapp").mkdir()
    (tmp_path / "guiapp" / "__init__.py").write_text("")
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "__init__.py").write_text("")
    # a lazy import inside a function is caught too, not only a top-level one
    (tmp_path / "core" / "plot.py").write_text("def show():\n    from PySide6.QtWidgets import QLabel\n")
    proc = _lint_imports(tmp_path)
    assert proc.returncode != 0
    assert "BROKEN" in proc.stdout and "core.plot -> PySide6" in proc.stdout, proc.stdout
