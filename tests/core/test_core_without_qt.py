"""``core`` never imports Qt: it must import and train with PySide6 absent."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CODE = """
import sys, pkgutil, importlib
sys.modules["PySide6"] = None      # any `import PySide6...` now raises ImportError
sys.modules["pyqtgraph"] = None
import core
for mod in pkgutil.walk_packages(core.__path__, "core."):
    importlib.import_module(mod.name)
from core.project import Project
from core.training import train
p = Project.load("resources/examples/xor.losslab.json")
print(train(p, epochs=1).status)
"""


def test_core_imports_and_trains_without_pyside6():
    proc = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("completed")
