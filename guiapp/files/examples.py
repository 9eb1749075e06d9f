"""The bundled examples with their one-line descriptions (``resources/examples/index.json``), the
File ▸ Examples menu, and the blank project File ▸ New opens."""
from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Callable

from PySide6.QtWidgets import QMenu

from core.catalog import DEFAULT_OPTIMIZER, INPUT_TYPE
from core.project import Project

from .recent import EXAMPLES_DIR, example_title, examples

INDEX = EXAMPLES_DIR / "index.json"


def descriptions() -> dict[str, str]:
    """Example title -> one line, in the index's order (an unreadable index gives {})."""
    try:
        data = json.loads(INDEX.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def ordered_examples() -> list[tuple[Path, str]]:
    """(path, description) of each bundled example: the index's order first, then any others by name."""
    found = {example_title(p): p for p in examples()}
    about = descriptions()
    ordered = [t for t in about if t in found] + sorted(t for t in found if t not in about)
    return [(found[t], about.get(t, "")) for t in ordered]


def fill_examples_menu(menu: QMenu, open_example: Callable[[Path], object]) -> None:
    """One entry per example: "spiral — Two interleaved spirals: …"; the description is also the
    status tip."""
    menu.clear()
    menu.setToolTipsVisible(True)
    for path, about in ordered_examples():
        title = example_title(path)
        action = menu.addAction(f"{title} — {about}" if about else title, partial(open_example, path))
        action.setStatusTip(about)
        action.setToolTip(about or title)
        action.setData(str(path))


def blank_project() -> Project:
    """File ▸ New: an empty canvas with the Input node, on the spiral data (the starter network is the
    ``starter`` example)."""
    return Project.from_dict({
        "format": "losslab-project", "version": 1, "name": "untitled",
        "data": {"source": "spiral", "params": {}},
        "model": {"nodes": [{"id": "input", "type": INPUT_TYPE}], "edges": []},
        "outputs": [],
        "training": {"optimizer": {"type": DEFAULT_OPTIMIZER, "params": {"lr": 0.01}}, "epochs": 100,
                     "batch_size": 32},
    })
