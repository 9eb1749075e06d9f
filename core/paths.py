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


def user_data_dir() -> Path:
    """Where LossLab keeps what it writes for the user (the run store): ``LOSSLAB_HOME`` when set,
    else the platform's user data folder (``~/.local/share/losslab`` on Linux)."""
    import os
    home = os.environ.get("LOSSLAB_HOME")
    if home:
        return Path(home).expanduser()
    from platformdirs import user_data_dir as _platform_dir
    return Path(_platform_dir("losslab", appauthor=False))
