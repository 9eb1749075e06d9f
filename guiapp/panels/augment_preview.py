"""The augmentation preview strip: a few training samples beside their augmented versions.

Images are drawn as pictures (originals above, augmented below, one shared grey scale so a change in
brightness shows); a table shows its first rows and columns as "before → after". The draw follows a
fixed seed (the split seed), so the strip changes only when a setting does. A small data set is
augmented on the spot (a few milliseconds); a big one on a background task, since the noise spread and
the image background are measured over the whole training split, as a run does.
"""
from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from .. import theme

#: training-split elements (rows x inputs) up to which the preview is computed on the GUI thread
SYNC_ELEMENTS = 4_000_000
SAMPLES = 6
TABLE_ROWS, TABLE_COLUMNS = 3, 3


def preview_task(dataset, augment: dict, seed: int, count: int, *, state=None):
    """``core.data.augment.preview`` as a ``core.tasks`` task (the state only lets a newer draw cancel it)."""
    from core.data.augment import preview
    return preview(dataset, augment, seed, count)


def to_pixmaps(before: np.ndarray, after: np.ndarray, side: int) -> tuple[list[QPixmap], list[QPixmap]]:
    """(C, H, W) samples as pixmaps ``side`` pixels high: grey for one channel, RGB for three (else the
    first channel); one scale for every picture, from the originals' range."""
    lo, hi = float(np.min(before)), float(np.max(before))
    span = hi - lo if hi > lo else 1.0

    def one(x: np.ndarray) -> QPixmap:
        rgb = x.shape[0] == 3
        a = np.clip((x[:3] if rgb else x[:1]) - lo, 0, span) / span
        a = (a * 255).astype(np.uint8)
        h, w = a.shape[1], a.shape[2]
        if rgb:
            buf = np.ascontiguousarray(np.transpose(a, (1, 2, 0)))
            img = QImage(buf.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        else:
            buf = np.ascontiguousarray(a[0])
            img = QImage(buf.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
        scaled = img.scaledToHeight(side, Qt.TransformationMode.FastTransformation)  # pixels stay pixels
        return QPixmap.fromImage(scaled)
    return [one(x) for x in before], [one(x) for x in after]


class ImageStrip(QWidget):
    """Two rows of pictures with their row titles: the originals and the augmented versions. The pictures
    shrink to fit the panel's width (every sample stays in view), between ``MIN_SIDE`` and ``SIDE``."""

    SIDE = 48
    MIN_SIDE = 20
    GAP = 6

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._rows: tuple[list[QPixmap], list[QPixmap]] = ([], [])
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def show_samples(self, before: np.ndarray, after: np.ndarray) -> None:
        self._rows = to_pixmaps(before, after, self.SIDE)
        self.updateGeometry()
        self.update()

    def count(self) -> int:
        return len(self._rows[0])

    def _title_width(self) -> int:
        fm = self.fontMetrics()
        return max(fm.horizontalAdvance("augmented"), fm.horizontalAdvance("original")) + 8

    def side(self) -> int:
        """The side of one picture at the current width."""
        n = max(1, self.count())
        fit = (self.width() - self._title_width()) // n - self.GAP
        return int(min(self.SIDE, max(self.MIN_SIDE, fit)))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        n = max(1, self.count())
        return QSize(self._title_width() + n * (self.SIDE + self.GAP), 2 * self.SIDE + 3 * self.GAP)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(self._title_width() + 2 * (self.MIN_SIDE + self.GAP), 2 * self.SIDE + 3 * self.GAP)

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.setPen(self.palette().color(self.foregroundRole()))
        title, side = self._title_width(), self.side()
        for r, (name, pixmaps) in enumerate((("original", self._rows[0]), ("augmented", self._rows[1]))):
            y = self.GAP + r * (side + self.GAP)
            p.drawText(QRect(0, y, title - 4, side), int(Qt.AlignmentFlag.AlignVCenter), name)
            for k, pm in enumerate(pixmaps):
                x = title + k * (side + self.GAP)
                p.drawPixmap(QRect(x, y, side * pm.width() // max(1, pm.height()), side), pm)
        p.end()


def table_html(names: list[str], before: np.ndarray, after: np.ndarray) -> str:
    """The first rows and columns, each row as it is and, below it, augmented (a changed value in the
    accent colour): narrow enough for the Data panel's width."""
    cols = list(range(min(TABLE_COLUMNS, before.shape[1])))
    more = before.shape[1] - len(cols)
    head = "<th></th>" + "".join(f"<th align='right'>{html.escape(_short(names[j]))}</th>" for j in cols)
    accent = theme.accent("warning")
    rows = []
    for i in range(min(TABLE_ROWS, before.shape[0])):
        rows.append(f"<tr><td>sample {i + 1}</td>"
                    + "".join(f"<td align='right'>{_num(float(before[i, j]))}</td>" for j in cols) + "</tr>")
        cells = []
        for j in cols:
            b, a = _num(float(before[i, j])), _num(float(after[i, j]))
            cells.append(f"<td align='right' style='color:{accent}'>{a}</td>" if a != b else
                         "<td align='right' style='color:gray'>=</td>")
        rows.append(f"<tr><td style='color:{accent}'>augmented</td>" + "".join(cells) + "</tr>")
    tail = f"; {more} more column{'s' if more != 1 else ''} not shown" if more > 0 else ""
    return ("<table cellspacing='0' cellpadding='3'><tr>" + head + "</tr>" + "".join(rows) + "</table>"
            f"<div style='color:gray'>= unchanged{tail}</div>")


def _num(v: float) -> str:
    return f"{v:.3g}"


def _short(name: str, n: int = 10) -> str:
    return name if len(name) <= n else name[:n - 1] + "…"


class AugmentPreview(QWidget):
    """The strip; :meth:`show_for` draws (on the spot, or on a task for a big data set)."""

    previewShown = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.status = QLabel()
        self.status.setObjectName("augment.preview.status")
        self.status.setWordWrap(True)
        self.status.setStyleSheet(f"color: {theme.accent('muted')}")
        self.images = ImageStrip()
        self.images.setObjectName("augment.preview.images")
        self.table = QLabel()
        self.table.setObjectName("augment.preview.table")
        self.table.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.status)
        layout.addWidget(self.images)
        layout.addWidget(self.table)
        self.images.hide()
        self.table.hide()
        self._key: tuple | None = None
        self._dataset = None
        self._runner = None
        self._pending: tuple | None = None
        self.shown_key: tuple | None = None

    def show_for(self, dataset, augment: dict, seed: int) -> None:
        """Draw the strip for ``dataset`` under ``augment`` (nothing when it is already shown)."""
        key = (id(dataset), repr(sorted(augment.items())), seed)
        if key == self._key:
            return
        self._key = key
        self._dataset = dataset
        if dataset is None or dataset.n_train == 0:
            self.cancel()
            self.status.setText("The preview shows once the data is loaded.")
            self.images.hide()
            self.table.hide()
            return
        size = dataset.n_train * int(np.prod(dataset.input_shape))
        if size <= SYNC_ELEMENTS:
            self.cancel()
            self._show(key, preview_task(dataset, augment, seed, SAMPLES))
            return
        self.status.setText("Drawing augmented samples…")
        self._start(key, dataset, augment, seed)

    def _start(self, key: tuple, dataset, augment: dict, seed: int) -> None:
        from ..tasks import TaskRunner
        if self._runner is None:
            self._runner = TaskRunner(self, name="LossLabAugmentPreview")
            self._runner.taskFinished.connect(self._on_runner_taskFinished)
        self._runner.cancel()              # a newer setting: the older draw is never shown
        self._runner.start(preview_task, dataset, dict(augment), seed, SAMPLES)
        self._pending = key

    def _on_runner_taskFinished(self, outcome) -> None:  # noqa: N802 - the signal's name
        if outcome.ok and self._pending == self._key:
            self._show(self._key, outcome.value)
        elif outcome.error is not None:
            self.status.setText(f"The preview failed: {outcome.message}")

    def _show(self, key: tuple, result) -> None:
        _idx, before, after = result
        ds = self._dataset
        image = len(ds.input_shape) == 3
        self.images.setVisible(image)
        self.table.setVisible(not image)
        changed = not np.array_equal(before, after)
        note = "" if changed else " (no augmentation is on: they are the same)"
        if image:
            self.images.show_samples(before, after)
            self.status.setText(f"{len(before)} training images, drawn with a fixed seed{note}:")
        else:
            flat_b, flat_a = before.reshape(len(before), -1), after.reshape(len(after), -1)
            names = list(ds.feature_names) if len(ds.feature_names) == flat_b.shape[1] else \
                [f"x{j}" for j in range(flat_b.shape[1])]
            self.table.setText(table_html(names, flat_b, flat_a))
            self.status.setText(f"{min(len(before), TABLE_ROWS)} training rows, drawn with a fixed seed{note}:")
        self.shown_key = key
        self.previewShown.emit()

    def cancel(self) -> None:
        if self._runner is not None:
            self._runner.cancel()

    def shutdown(self) -> None:
        """Stop a running draw and wait for its thread (window close)."""
        if self._runner is not None:
            self._runner.cancel()
            self._runner.wait(5000)
