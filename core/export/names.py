"""Safe Python identifiers for node ids and harmless text for comments.

A node id is whatever a person typed (or a crafted project file holds): it may contain quotes,
newlines or Python keywords. Generated code never pastes it raw: identifiers keep only
``[A-Za-z0-9_]`` and comments and strings carry ``repr()`` of the text.
"""
from __future__ import annotations

from ..script_names import RESERVED, identifier  # noqa: F401 - the script's names live below export


def comment_text(text: str, limit: int = 60) -> str:
    """``text`` as a one-line literal safe inside a ``#`` comment (its repr, shortened)."""
    r = repr(str(text))
    return r if len(r) <= limit else r[:limit - 4] + "...'"
