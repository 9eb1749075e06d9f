"""Help ▸ About: LossLab's version and the versions of the libraries it runs on."""
from __future__ import annotations

import html
import sys

from PySide6.QtWidgets import QMessageBox, QWidget

TAGLINE = ("Build neural networks by hand, train them live, and understand their loss. "
           "PyTorch under the hood; runs offline.")


def library_versions() -> dict[str, str]:
    """Name -> version of LossLab and what it is built on (torch is already loaded in a running window)."""
    import numpy
    import pyqtgraph
    import torch
    from PySide6 import __version__ as pyside
    from PySide6.QtCore import qVersion

    from core import __version__
    return {"LossLab": __version__, "Qt": qVersion(), "PySide6": pyside, "PyTorch": torch.__version__,
            "NumPy": numpy.__version__, "pyqtgraph": pyqtgraph.__version__,
            "Python": sys.version.split()[0] + (" (bundled)" if getattr(sys, "frozen", False) else "")}


def about_html() -> str:
    v = library_versions()
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>&nbsp;{html.escape(val)}</td></tr>"
                   for k, val in v.items() if k != "LossLab")
    return (f"<h3>LossLab {html.escape(v['LossLab'])}</h3><p>{html.escape(TAGLINE)}</p>"
            f"<table>{rows}</table>")


def show_about(parent: QWidget | None) -> QMessageBox:
    """The About box (non-blocking: it is returned open)."""
    box = QMessageBox(QMessageBox.Icon.NoIcon, "About LossLab", about_html(), QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("about_box")
    if parent is not None:
        box.setIconPixmap(parent.windowIcon().pixmap(64, 64))
    box.open()
    return box
