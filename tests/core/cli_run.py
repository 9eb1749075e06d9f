"""``losslab`` run in this process for the tests: (exit status, stdout lines)."""
from __future__ import annotations

from core.cli import main


def run(*argv) -> tuple[int, list[str]]:
    lines: list[str] = []
    code = main(list(map(str, argv)), out=lines.append)
    return code, lines
