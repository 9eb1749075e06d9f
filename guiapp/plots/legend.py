"""How a plot's legend folds into its title rows: pure layout over text widths (no Qt), so that the
rule is read and tested on its own.

All entries go after the title when they fit the plot's width; else the title gets a row of its own
and the entries wrap onto as many rows as the plot can give (``rows``, title row included) while
its curves keep their minimum height; what is left is folded into "+N more" (the names on hover).
"""
from __future__ import annotations

__all__ = ["fold_legend"]

Lines = tuple[tuple[int, ...], ...]


def fold_legend(title_width: float, widths: list[float], sep: float, room: float, rows: int,
                more_width: float, short_more_width: float) -> tuple[Lines, int, str]:
    """(entry indices per title row, how many are folded away, the format of the fold: "+{} more" or,
    beside a title that leaves no room for it, "+{}"). With more than one row, the first row holds the
    title alone (an empty tuple)."""
    if title_width + sum(sep + w for w in widths) <= room:
        return (tuple(range(len(widths))),), 0, "+{} more"
    more_format, more = "+{} more", more_width
    if rows <= 1:                           # no room for a second row: what fits beside the title
        if title_width + more > room:       # a long title over a narrow plot
            more_format, more = "+{}", short_more_width
        shown, used = [], title_width
        for i, w in enumerate(widths):
            if used + sep + w + more > room:
                break
            shown.append(i)
            used += sep + w
        return (tuple(shown),), len(widths) - len(shown), more_format
    lines: list[list[int]] = [[]]
    used = 0.0
    for i, w in enumerate(widths):
        last_row = len(lines) == rows - 1
        if lines[-1] and used + sep + w + (more if last_row and i < len(widths) - 1 else 0) > room:
            if last_row:
                return ((),) + tuple(tuple(line) for line in lines), len(widths) - i, more_format
            lines.append([])
            used = 0.0
        used += (sep if lines[-1] else 0) + w
        lines[-1].append(i)
    return ((),) + tuple(tuple(line) for line in lines), 0, more_format
