"""One record per thing, kept so: product code outside ``core/catalog/`` never spells a catalog name.

A layer, loss, optimizer or schedule name written as a string literal elsewhere is a second home:
code that decides by name instead of asking the entry (its traits, ``is_input``, ``width_param``,
``script_code``), and that a newly registered entry silently falls through. This test reads every
product module's syntax tree and fails listing ``file:line`` for each such literal.
"""
from __future__ import annotations

import ast
from pathlib import Path

from core.catalog import LAYERS, LOSSES, OPTIMIZERS, SCHEDULES

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("core", "guiapp")

#: (file, literal) -> why this literal is not a second home (user-facing text or example data)
ALLOWED: dict[tuple[str, str], str] = {
    ("core/studies/preset.py", "Sigmoid"): "the article's activation study values (the neural-net-loss preset's eight studies)",
    ("core/studies/preset.py", "ReLU"): "the article's activation study values",
    ("core/studies/preset.py", "Tanh"): "the article's activation study values",
    ("core/studies/preset.py", "Adam"): "the article's optimizer study values",
    ("core/studies/preset.py", "SGD"): "the article's optimizer study values",
    ("core/studies/preset.py", "RMSprop"): "the article's optimizer study values",
    ("core/studies/knobs.py", "Sigmoid"): "the activation knob's suggested values (the article's), shown in the form",
    ("core/studies/knobs.py", "ReLU"): "the activation knob's suggested values",
    ("core/studies/knobs.py", "Tanh"): "the activation knob's suggested values",
    ("core/studies/knobs.py", "Adam"): "the optimizer knob's suggested values (the article's)",
    ("core/studies/knobs.py", "SGD"): "the optimizer knob's suggested values",
    ("core/studies/knobs.py", "RMSprop"): "the optimizer knob's suggested values",
    ("core/studies/knobs.py", "CrossEntropyLoss"): "the loss knob's suggested values (softmax vs hinge)",
    ("core/studies/knobs.py", "MultiMarginLoss"): "the loss knob's suggested values",
    ("guiapp/document.py", "Input"): "File ▸ New's starter network: a project document (example data)",
    ("guiapp/document.py", "Linear"): "File ▸ New's starter network",
    ("guiapp/document.py", "ReLU"): "File ▸ New's starter network",
    ("guiapp/document.py", "CrossEntropyLoss"): "File ▸ New's starter network",
    ("guiapp/document.py", "Adam"): "File ▸ New's starter network",
    ("guiapp/export_dialog.py", "Input"): "a form label ('Input': what the exported file takes), not a layer",
}


def catalog_names() -> dict[str, str]:
    names = {}
    for registry in (LAYERS, LOSSES, OPTIMIZERS, SCHEDULES):
        for entry in registry:
            names[entry.name] = registry.what
    return names


def name_literals(root: Path = ROOT) -> list[tuple[str, int, str, str]]:
    """(file, line, literal, kind) for every string literal equal to a catalog name outside the catalog."""
    names = catalog_names()
    found = []
    for package in PRODUCT:
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if rel.startswith("core/catalog/"):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), rel)):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names:
                    found.append((rel, node.lineno, node.value, names[node.value]))
    return found


def test_no_catalog_name_is_spelled_outside_the_catalog():
    stray = [f"{f}:{line}: {kind} name {name!r}" for f, line, name, kind in name_literals()
             if (f, name) not in ALLOWED]
    assert not stray, ("catalog names spelled outside core/catalog/ (ask the entry: traits, is_input, width_param, "
                       "script_code, or the catalog's defaults):\n" + "\n".join(stray))


def test_every_exemption_is_still_needed_and_says_why():
    used = {(f, name) for f, _, name, _ in name_literals()}
    assert all(reason.strip() for reason in ALLOWED.values())
    assert not set(ALLOWED) - used, f"exemptions no longer needed: {sorted(set(ALLOWED) - used)}"


def test_the_scan_finds_a_second_home(tmp_path):
    (tmp_path / "core" / "catalog").mkdir(parents=True)
    (tmp_path / "guiapp").mkdir()
    (tmp_path / "core" / "catalog" / "x.py").write_text('NAME = "Linear"\n')          # inside: fine
    (tmp_path / "guiapp" / "view.py").write_text('def f(n):\n    return n.type == "Dropout"\n')
    assert name_literals(tmp_path) == [("guiapp/view.py", 2, "Dropout", "layer")]
