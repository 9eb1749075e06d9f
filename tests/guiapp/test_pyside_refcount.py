"""Regression test for "Platform pitfalls" in resources/docs/development.md: PySide6 6.12.0 on
Python < 3.12 drops a reference to ``None`` on every void Qt call, and pyqtgraph makes such calls on
every repaint until the process aborts in ``none_dealloc``. Loop void calls and check that
``None``'s reference count holds."""
from __future__ import annotations

import sys

from PySide6.QtCore import QPointF
from PySide6.QtGui import QPainterPath, QPolygonF

CALLS = 5000
TOLERANCE = 50  # other threads and the allocator may take or drop a few references meanwhile


def test_void_qt_calls_keep_the_reference_count_of_none():
    polygon = QPolygonF([QPointF(0, 0), QPointF(1, 1), QPointF(2, 0)])
    path = QPainterPath()
    before = sys.getrefcount(None)
    for i in range(CALLS):
        polygon.resize(3 + i % 2)       # void
        path.addPolygon(polygon)        # void
        path.clear()                    # void
    after = sys.getrefcount(None)
    assert after >= before - TOLERANCE, (
        f"None lost {before - after} references over {3 * CALLS} void Qt calls: this PySide6 build has the "
        "6.12.0 reference bug; keep PySide6 below 6.12 on Python < 3.12")
