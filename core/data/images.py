"""The bundled 8x8 handwritten digits (UCI "Optical Recognition of Handwritten Digits", CC BY 4.0).

``resources/data/digits.npz`` holds ``x`` (1797, 8, 8) uint8 pixel counts 0..16 and ``y`` the
digits; see ``resources/data/LICENSE-digits.txt``. Inputs are scaled to 0..1 and shaped
(1, 8, 8) (one channel). The shifted variant moves every image one pixel to the right and
dims it to 70% -- a scanner that changed.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from core.data.dataset import CLASSIFICATION, RawData, TargetInfo
from core.data.errors import DataError
from core.paths import resources_dir

DIGITS_PATH = resources_dir() / "data" / "digits.npz"
SHIFT_DIM = 0.7


@lru_cache(maxsize=1)
def _load_digits() -> tuple[np.ndarray, np.ndarray]:
    try:
        with np.load(DIGITS_PATH, allow_pickle=False) as f:
            x, y = f["x"], f["y"]
    except (OSError, KeyError, ValueError) as e:
        raise DataError("data.source", f"the bundled digits file {DIGITS_PATH} could not be read ({e}); "
                                       "reinstall LossLab") from None
    x = (x.astype(np.float32) / 16.0)[:, None, :, :]
    x.setflags(write=False)
    y = y.astype(np.int64)
    y.setflags(write=False)
    return x, y


def digits(params: dict, shifted: bool = False) -> RawData:
    """1,797 grey 8x8 images of the digits 0..9, about 180 of each."""
    x, y = _load_digits()
    if shifted:
        moved = np.zeros_like(x)
        moved[..., 1:] = x[..., :-1]
        x = moved * SHIFT_DIM
    names = [f"pixel_{r}_{c}" for r in range(8) for c in range(8)]
    info = TargetInfo("digit", CLASSIFICATION, [str(d) for d in range(10)], 10)
    return RawData(x, {"digit": y}, {"digit": info}, names)
