"""The image folder part of the Data panel: a few samples of every class as the network sees them
(decoded, coloured and fitted; before standardizing), and the files that were skipped, with why.

The folder and its settings (size, colour, fit) are edited by the Data panel itself (the folder row
and the catalog-driven parameter form); this view only shows what the load made of them.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QFileDialog, QGridLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from .. import theme

PER_CLASS = 5
THUMB_PX = 40
MAX_CLASSES_SHOWN = 12


def choose_image_folder(parent: QWidget | None, start_dir: str = "") -> str | None:
    """Ask for a folder of class subfolders (monkeypatched in tests)."""
    path = QFileDialog.getExistingDirectory(parent, "Open an image folder (one subfolder per class)", start_dir)
    return path or None


def pixels(ds, split: str = "train") -> np.ndarray:
    """A split's images as uint8 (N, C, H, W): the standardizing undone."""
    x = getattr(ds, f"x_{split}").numpy()
    return np.clip(x * ds.std + ds.mean + 0.5, 0, 255).astype(np.uint8)


def thumbnail(img: np.ndarray, px: int = THUMB_PX) -> QPixmap:
    """One (C, H, W) uint8 image as a pixmap ``px`` wide, without smoothing (pixels stay visible)."""
    c, h, w = img.shape
    if c == 1:
        data = np.ascontiguousarray(img[0])
        q = QImage(data.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    else:
        data = np.ascontiguousarray(img.transpose(1, 2, 0))
        q = QImage(data.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
    return QPixmap.fromImage(q).scaled(px, px, Qt.AspectRatioMode.KeepAspectRatio,
                                       Qt.TransformationMode.FastTransformation)


class ImageSourceView(QWidget):
    """Samples per class and the skip report of an image folder data set."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("data.images")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # the skipped files first: they are what a person must act on
        self.skipped = QPlainTextEdit()
        self.skipped.setObjectName("data.images.skipped")
        self.skipped.setReadOnly(True)
        self.skipped.setMaximumHeight(76)
        self.skipped.setStyleSheet(f"color: {theme.accent('warning')}")
        layout.addWidget(self.skipped)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(3)
        layout.addWidget(self.grid_host)

    def show_dataset(self, ds) -> None:
        """Show ``ds`` (an image folder dataset), or nothing for any other."""
        report = getattr(ds, "image_report", None)
        self.setVisible(report is not None)
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        if report is None:
            return
        cached = " (read from the cache)" if report.cached else ""
        self.heading.setText(f"{report.n_images:,} images in {len(report.classes)} classes{cached}; samples of "
                             "each class as the network sees them:")
        x = pixels(ds)
        y = ds.y_train[next(iter(ds.targets))].numpy()
        for row, name in enumerate(report.classes[:MAX_CLASSES_SHOWN]):
            label = QLabel(f"{name}\n{report.counts.get(name, 0):,} images")
            label.setStyleSheet(f"color: {theme.accent('muted')}")
            label.setMaximumWidth(110)
            self.grid.addWidget(label, row, 0)
            for k, i in enumerate(np.flatnonzero(y == row)[:PER_CLASS]):
                thumb = QLabel()
                thumb.setPixmap(thumbnail(x[i]))
                thumb.setToolTip(ds.image_files["train"][i] if getattr(ds, "image_files", None) else "")
                self.grid.addWidget(thumb, row, k + 1)
        self.grid.setColumnStretch(PER_CLASS + 1, 1)
        self.skipped.setVisible(bool(report.skipped))
        self.skipped.setPlainText("\n".join(report.notes()[1:]))
