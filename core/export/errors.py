"""The one error type of the exporters: a message a person can act on, naming the node when there is one."""
from __future__ import annotations


class ExportError(ValueError):
    """An export that cannot be done; ``node`` is the graph node at fault, if any."""

    def __init__(self, message: str, node: str | None = None):
        super().__init__(message)
        self.node = node
