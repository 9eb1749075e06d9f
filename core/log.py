"""The ``losslab`` logger: one standard-library logger tree for the engine and the app.

Modules log to ``get_logger(__name__)`` (``losslab.core.training.trainer`` and so on). As a library
rule the tree is silent until an application attaches a handler: the CLI's ``--verbose`` calls
:func:`log_to_stderr`, the window keeps the recent records in a :class:`RecentRecords` handler
for Help ▸ Show log. Code that catches a broad exception to keep going (a failed run, a
diagnostics bug) logs it here with its traceback instead of dropping it.
"""
from __future__ import annotations

import collections
import logging
import sys
from typing import TextIO

ROOT = "losslab"
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"

_root = logging.getLogger(ROOT)
_root.addHandler(logging.NullHandler())  # no "No handlers could be found", no lastResort output


def get_logger(name: str | None = None) -> logging.Logger:
    """The ``losslab`` logger, or its child for a module (``get_logger(__name__)``)."""
    if not name or name == ROOT:
        return _root
    return logging.getLogger(name if name.startswith(ROOT + ".") else f"{ROOT}.{name}")


def log_to_stderr(level: int = logging.DEBUG, stream: TextIO | None = None) -> logging.Handler:
    """Send the ``losslab`` records at ``level`` and above to ``stream`` (stderr); returns the handler.

    Calling it again replaces the handler it added before, so a level is never printed twice.
    """
    for h in list(_root.handlers):
        if getattr(h, "_losslab_stream", False):
            _root.removeHandler(h)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(level)
    handler._losslab_stream = True  # type: ignore[attr-defined]
    _root.addHandler(handler)
    if _root.level == logging.NOTSET or _root.level > level:
        _root.setLevel(level)
    return handler


class RecentRecords(logging.Handler):
    """Keeps the last ``capacity`` formatted records in memory (the window's Help ▸ Show log)."""

    def __init__(self, capacity: int = 2000, level: int = logging.DEBUG):
        super().__init__(level)
        self.lines: collections.deque[str] = collections.deque(maxlen=capacity)
        self.setFormatter(logging.Formatter(FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # noqa: BLE001 - logging must never raise into the caller
            self.handleError(record)

    def text(self) -> str:
        return "\n".join(self.lines)
