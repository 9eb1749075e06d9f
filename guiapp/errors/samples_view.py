"""The samples behind a confusion cell or a suspect list: image thumbnails, table rows with their
column names, or 2-D points over the whole split."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QLabel, QListView, QListWidget, QListWidgetItem, QSplitter, QVBoxLayout, QWidget

from core.data.exclude import id_label, sample_ids
from core.evaluation.samples import IMAGE, POINTS, column_names, image_pixels, sample_inputs, sample_kind

from .tables import NumberTable

MAX_SHOWN = 200          # a cell of 10,000 rows: the worst 200 are what a person reads
THUMB_PX = 56


def thumbnail(pixels: np.ndarray, size: int = THUMB_PX) -> QPixmap:
    """An ``(H, W, C)`` uint8 image as a pixmap ``size`` pixels wide, pixels kept sharp (an 8x8 digit
    blurred by smooth scaling is unreadable)."""
    h, w, c = pixels.shape
    if c == 1:
        img = QImage(np.ascontiguousarray(pixels[..., 0]).data, w, h, w, QImage.Format.Format_Grayscale8)
    else:
        rgb = np.ascontiguousarray(pixels[..., :3])
        img = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    return QPixmap.fromImage(img.copy()).scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                                                Qt.TransformationMode.FastTransformation)


class SampleList(QWidget):
    """``set_data(dataset, split)`` once per model, then ``show_samples(indices, columns)`` where
    ``columns`` is ``[(header, values)]`` shown beside each sample (given, predicted, probability...)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        self.thumbs = QListWidget()
        self.thumbs.setViewMode(QListView.ViewMode.IconMode)
        self.thumbs.setIconSize(QSize(THUMB_PX, THUMB_PX))
        self.thumbs.setResizeMode(QListView.ResizeMode.Adjust)
        self.thumbs.setGridSize(QSize(THUMB_PX + 50, THUMB_PX + 58))
        self.thumbs.setWordWrap(True)
        self.thumbs.setMovement(QListView.Movement.Static)
        self.thumbs.setSelectionMode(QListView.SelectionMode.ExtendedSelection)
        self.rows = NumberTable()
        self.plot = None                # a pyqtgraph plot, made for 2-D points only
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(self.rows)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.caption)
        lay.addWidget(self.thumbs, 1)
        lay.addWidget(self.split, 1)
        self.dataset, self.data_split, self.kind = None, "val", "rows"
        self.shown: list[int] = []
        self.ids: list | None = None     # each sample's name in its source: file path, file row or index
        self._set_mode()

    def set_data(self, dataset, split: str) -> None:
        self.dataset, self.data_split, self.kind = dataset, split, sample_kind(dataset)
        try:
            self.ids = sample_ids(dataset, split)
        except (AttributeError, KeyError):   # a data set built by hand names no source
            self.ids = None
        self._set_mode()
        if self.kind == POINTS:
            self._draw_all_points()
        self.clear_samples("")

    def _set_mode(self) -> None:
        self.thumbs.setVisible(self.kind == IMAGE)
        self.split.setVisible(self.kind != IMAGE)
        if self.plot is not None:
            self.plot.setVisible(self.kind == POINTS)

    def prepare(self, dataset) -> None:
        """Make what ``dataset``'s samples will need (the points' plot, 20-30 ms the first time), so that
        :meth:`set_data` later does not: the errors view calls this in an event-loop turn of its own."""
        if sample_kind(dataset) == POINTS and self.plot is None:
            self._make_plot()
            self.plot.setVisible(self.kind == POINTS)

    def _make_plot(self) -> None:
        import pyqtgraph as pg
        self.plot = pg.PlotWidget()
        self.plot.setMinimumHeight(120)
        self.split.insertWidget(0, self.plot)
        self._all = self.plot.plot([], [], pen=None, symbol="o", symbolSize=4, symbolBrush=(140, 140, 140, 110),
                                   symbolPen=None)
        self._picked = self.plot.plot([], [], pen=None, symbol="o", symbolSize=9, symbolBrush=(218, 54, 51),
                                      symbolPen="w")

    def _draw_all_points(self) -> None:
        if self.plot is None:
            self._make_plot()
        n = int(getattr(self.dataset, f"x_{self.data_split}").shape[0])
        xy = sample_inputs(self.dataset, self.data_split, np.arange(n))
        names = column_names(self.dataset)
        self.plot.setLabel("bottom", names[0])
        self.plot.setLabel("left", names[1])
        self._all.setData(xy[:, 0], xy[:, 1])
        self._picked.setData([], [])
        self.plot.setVisible(True)

    def clear_samples(self, text: str) -> None:
        self.shown = []
        self.thumbs.clear()
        self.rows.fill([], [])
        if self.plot is not None and self.kind == POINTS:
            self._picked.setData([], [])
        self.caption.setText(text)

    def show_samples(self, indices, columns: list[tuple[str, list]], caption: str = "") -> None:
        """List the samples ``indices`` (in that order; at most :data:`MAX_SHOWN`)."""
        idx = [int(i) for i in np.asarray(indices)[:MAX_SHOWN]]
        self.shown = idx
        total = len(indices)
        more = f" (the first {MAX_SHOWN} of {total})" if total > MAX_SHOWN else ""
        self.caption.setText(caption + more if caption else f"{total} sample(s){more}")
        if self.dataset is None:
            return
        values = sample_inputs(self.dataset, self.data_split, idx)
        if self.kind == IMAGE:
            self._fill_thumbs(idx, values, columns)
            return
        names = column_names(self.dataset)
        flat = values.reshape(len(idx), -1)
        # the first column names the sample as its source does: a file row (tables), an index (generated sets)
        ids = self.ids if self.ids is not None else list(range(len(getattr(self.dataset, f"x_{self.data_split}"))))
        rows = [[(str(ids[i]), ids[i])] + [(str(c[1][k]), c[1][k]) for c in columns]
                + [(f"{v:.4g}", float(v)) for v in flat[k]] for k, i in enumerate(idx)]
        header = id_label(self.dataset) if self.ids is not None else "row"
        self.rows.fill([header] + [c[0] for c in columns] + names, rows)
        self.rows.setSortingEnabled(False)
        for k, i in enumerate(idx):     # the split position, whatever the sort order later
            self.rows.item(k, 0).setData(Qt.ItemDataRole.UserRole, i)
        self.rows.setSortingEnabled(True)
        if self.kind == POINTS and self.plot is not None:
            self._picked.setData(flat[:, 0], flat[:, 1]) if len(idx) else self._picked.setData([], [])

    def _fill_thumbs(self, idx: list[int], values: np.ndarray, columns: list[tuple[str, list]]) -> None:
        self.thumbs.clear()
        if not idx:
            return
        pixels = image_pixels(values)
        for k, i in enumerate(idx):
            # "#237", "0 → 4" (given → predicted, or given → suggested) and the probability beside them
            # the file name of an image folder's sample, the bundled set's index of a built-in one
            sid = i if self.ids is None else self.ids[i]
            name = sid.rsplit("/", 1)[-1] if isinstance(sid, str) else f"#{sid}"
            text = f"{name}\n" + " → ".join(str(c[1][k]) for c in columns[:2])
            if len(columns) > 2:
                text += f"\n{columns[2][0]} {columns[2][1][k]}"
            item = QListWidgetItem(QIcon(thumbnail(pixels[k])), text)
            where = "" if self.ids is None else f"{self.ids[i]}: "
            item.setToolTip("\n".join([f"{where}sample {i} of the {self.data_split} split"]
                                      + [f"{h}: {v[k]}" for h, v in columns]))
            item.setData(Qt.ItemDataRole.UserRole, i)
            self.thumbs.addItem(item)

    def selected(self) -> list[int]:
        """The split positions of the selected samples, in the order shown."""
        if self.kind == IMAGE:
            items = self.thumbs.selectedItems()
            picked = {int(it.data(Qt.ItemDataRole.UserRole)) for it in items}
        else:
            rows = {ix.row() for ix in self.rows.selectionModel().selectedRows()} if self.rows.selectionModel() \
                else set()
            picked = {int(self.rows.item(r, 0).data(Qt.ItemDataRole.UserRole)) for r in rows}
        return [i for i in self.shown if i in picked]
