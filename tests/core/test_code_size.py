"""Size limits of the product code, kept by a test: no class over 25 methods, no function over 80 lines.

A class past ~25 methods or a function past ~80 lines is a sign that it holds more than one concept
(see "Rules of the house" in resources/docs/development.md). Exceptions are listed with a sentence each saying why this one must be, or who is
splitting it; an exemption that is no longer needed fails the test too, so the list only shrinks.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("core", "guiapp")
MAX_METHODS = 25
MAX_LINES = 80

#: "file::name" -> why it may be bigger (the lead drops the wave3b entries when those branches merge)
EXEMPT: dict[str, str] = {
}


def oversized(root: Path = ROOT) -> list[tuple[str, int, str]]:
    """("file::name", line, what) for every class over MAX_METHODS methods and function over MAX_LINES lines."""
    found = []
    for package in PRODUCT:
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), rel)):
                if isinstance(node, ast.ClassDef):
                    methods = sum(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) for n in node.body)
                    if methods > MAX_METHODS:
                        found.append((f"{rel}::{node.name}", node.lineno, f"class with {methods} methods"))
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    lines = node.end_lineno - node.lineno + 1
                    if lines > MAX_LINES:
                        found.append((f"{rel}::{node.name}", node.lineno, f"function of {lines} lines"))
    return found


def test_no_class_over_25_methods_or_function_over_80_lines():
    big = [f"{name.split('::')[0]}:{line}: {name.split('::')[1]} is a {what}" for name, line, what in oversized()
           if name not in EXEMPT]
    assert not big, (f"split these by concept (at most {MAX_METHODS} methods a class, {MAX_LINES} lines a "
                     "function), or add an exemption with its reason:\n" + "\n".join(big))


def test_every_exemption_is_still_needed_and_says_why():
    names = {name for name, _, _ in oversized()}
    assert all(reason.strip() for reason in EXEMPT.values())
    assert not set(EXEMPT) - names, f"exemptions no longer needed: {sorted(set(EXEMPT) - names)}"


def test_the_scan_counts_methods_and_lines(tmp_path):
    (tmp_path / "core").mkdir()
    (tmp_path / "guiapp").mkdir()
    methods = "".join(f"    def m{i}(self):\n        pass\n" for i in range(26))
    (tmp_path / "core" / "big.py").write_text("class Big:\n" + methods + "\n\ndef long():\n" + "    x = 1\n" * 80)
    assert [(n, w) for n, _, w in oversized(tmp_path)] == [("core/big.py::Big", "class with 26 methods"),
                                                          ("core/big.py::long", "function of 81 lines")]
