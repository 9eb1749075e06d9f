"""Project files in the window, one concept per module:

- :mod:`.recent` — recent files, the last project, the bundled examples, default folders;
- :mod:`.prompts` — the questions and messages (tests answer them with monkeypatch on that module);
- :mod:`.autosave` — autosave and crash recovery;
- :mod:`.examples` — the bundled examples' descriptions, the Examples menu, File ▸ New's blank project;
- :mod:`.controller` — :class:`FileController`, the New/Open/Save/close flow the menus call.
"""
from __future__ import annotations

from .autosave import (AUTOSAVE_FORMAT, AUTOSAVE_INTERVAL_MS, AutosaveRecord, Autosaver, autosave_dir,
                       discard_autosave, find_autosaves, load_autosave)
from .controller import FileController
from .examples import blank_project, fill_examples_menu, ordered_examples
from .prompts import FILE_FILTER
from .recent import (EXAMPLES_DIR, MAX_RECENT, SPIRAL_EXAMPLE, add_recent, clear_recent, documents_dir,
                     example_title, examples, is_bundled_example, last_project, project_start_folder, recent_files,
                     relative_data_path)

__all__ = ["AUTOSAVE_FORMAT", "AUTOSAVE_INTERVAL_MS", "AutosaveRecord", "Autosaver", "EXAMPLES_DIR", "FILE_FILTER",
           "FileController", "MAX_RECENT", "blank_project", "fill_examples_menu", "ordered_examples", "SPIRAL_EXAMPLE", "add_recent", "autosave_dir", "clear_recent",
           "discard_autosave", "documents_dir", "example_title", "examples", "find_autosaves", "is_bundled_example",
           "last_project", "load_autosave", "project_start_folder", "recent_files", "relative_data_path"]
