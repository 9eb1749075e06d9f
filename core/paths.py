"""Where LossLab's bundled resources (examples, data, icons) are.

From a source checkout or an editable install they are the repository's ``resources/``; a wheel
installs them as data files under ``<prefix>/share/losslab/resources``.
"""
from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    checkout = Path(__file__).resolve().parents[1] / "resources"
    if checkout.is_dir():
        return checkout
    return Path(sys.prefix) / "share" / "losslab" / "resources"
