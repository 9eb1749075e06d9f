"""``data.target`` and ``data.features``: a name or a list of names, read the same way for every source."""
from __future__ import annotations

from typing import Any

from core.data.errors import DataError

__all__ = ["names_arg"]


def names_arg(value: Any, key: str, noun: str = "name") -> list[str] | None:
    """``data.target`` / ``data.features`` as a list of names (None when unset)."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        return list(value)
    raise DataError(f"data.{key}", f"expected a {noun} or a list of {noun}s, received {key}={value!r}")
