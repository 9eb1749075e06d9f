"""The disk cache of decoded image folders: one uint8 ``.npy`` array per folder state and settings.

The key hashes the folder's path, every image file's relative name, size and modification time, the
class list and the decode settings; any change to the folder (a file added, replaced, touched) or to
the settings makes a new entry. An entry is ``<user data dir>/cache/images/<key>/`` holding ``x.npy``
(N, C, H, W) uint8 and ``meta.json`` (the files that decoded, their labels and splits, the files that
did not and why). It is written to a temporary folder and renamed into place, so a killed process
never leaves half an entry; entries beyond :data:`MAX_ENTRIES` are removed, least recently used first.

Reading an entry memory-maps ``x.npy`` (``np.load(mmap_mode="r")``): a second open of a 10,000-image
folder costs the scan (one ``stat`` per file) and no decoding.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from core.data.errors import DataError
from core.data.imagefolder import FolderScan, ImageSettings, decode_all

CACHE_VERSION = 1
MAX_ENTRIES = 8


@dataclass
class CachedPixels:
    """The decoded images of a scan: ``x`` (N, C, H, W) uint8 (memory-mapped when cached), with the
    relative path, class index and split (-1: none) of each, the files skipped while decoding, and
    whether they came from the cache."""

    x: np.ndarray
    files: list[str]
    labels: np.ndarray
    splits: np.ndarray
    decode_skipped: list[tuple[str, str]]
    from_cache: bool
    #: the cache entry's folder (None when decoded in memory): room for what is derived from the pixels
    entry: Path | None = None


def cache_dir() -> Path:
    """``<LOSSLAB_HOME or the user data folder>/cache/images``."""
    from core.paths import user_data_dir
    return user_data_dir() / "cache" / "images"


def cache_key(scan: FolderScan, settings: ImageSettings) -> str:
    doc = [CACHE_VERSION, str(scan.root.resolve()), settings.to_dict(), scan.classes, scan.files, scan.labels,
           scan.splits, scan.stats]
    return hashlib.sha256(json.dumps(doc, separators=(",", ":")).encode()).hexdigest()[:32]


def _read_entry(entry: Path) -> CachedPixels | None:
    try:
        meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
        x = np.load(entry / "x.npy", mmap_mode="r", allow_pickle=False)
        if x.dtype != np.uint8 or x.ndim != 4 or x.shape[0] != len(meta["files"]):
            return None
        os.utime(entry)  # recently used: kept when older entries are pruned
        return CachedPixels(x, list(meta["files"]), np.asarray(meta["labels"], np.int64),
                            np.asarray(meta["splits"], np.int64), [tuple(s) for s in meta["skipped"]], True, entry)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a damaged entry is rebuilt


def _prune(root: Path, keep: Path) -> None:
    try:
        entries = [p for p in root.iterdir() if p.is_dir() and p != keep and not p.name.startswith(".")]
        entries.sort(key=lambda p: p.stat().st_mtime)
        for p in entries[:max(0, len(entries) - (MAX_ENTRIES - 1))]:
            shutil.rmtree(p, ignore_errors=True)
    except OSError:
        pass


def _decode_into(scan: FolderScan, settings: ImageSettings, folder: Path | None,
                 progress: Callable[[float], None] | None) -> CachedPixels:
    n, c, s = len(scan.files), settings.channels, settings.size
    if folder is not None:
        x = np.lib.format.open_memmap(folder / "x.npy", mode="w+", dtype=np.uint8, shape=(n, c, s, s))
    else:
        x = np.empty((n, c, s, s), dtype=np.uint8)
    before = len(scan.skipped)
    ok = decode_all(scan, settings, x, progress)
    skipped = scan.skipped[before:]
    del scan.skipped[before:]  # the scan's own skips are found again by every scan; these are the cache's
    keep = np.flatnonzero(ok)
    if keep.size < n:  # compact: the array holds only the images that decoded
        if folder is not None:
            small = np.lib.format.open_memmap(folder / "x.tmp.npy", mode="w+", dtype=np.uint8,
                                              shape=(keep.size, c, s, s))
            for j in range(0, keep.size, 1024):
                small[j:j + 1024] = x[keep[j:j + 1024]]
            small.flush()
            del x, small
            os.replace(folder / "x.tmp.npy", folder / "x.npy")
            x = np.load(folder / "x.npy", mmap_mode="r")
        else:
            x = x[keep]
    elif folder is not None:
        x.flush()
    files = [scan.files[i] for i in keep]
    return CachedPixels(x, files, np.asarray(scan.labels, np.int64)[keep], np.asarray(scan.splits, np.int64)[keep],
                        skipped, False)


def load_pixels(scan: FolderScan, settings: ImageSettings,
                progress: Callable[[float], None] | None = None) -> CachedPixels:
    """The decoded images of ``scan``: from the cache when an entry for this folder state and these
    settings exists, else decoded (and cached when the cache folder is writable; in memory if not)."""
    root = cache_dir()
    entry = root / cache_key(scan, settings)
    if (entry / "meta.json").is_file():
        hit = _read_entry(entry)
        if hit is not None:
            return hit
    tmp = root / f".{entry.name}.{os.getpid()}.tmp"
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
    except OSError:
        return _decode_into(scan, settings, None, progress)  # a read-only home: decode in memory
    try:
        pixels = _decode_into(scan, settings, tmp, progress)
        meta = {"version": CACHE_VERSION, "folder": str(scan.root), "settings": settings.to_dict(),
                "classes": scan.classes, "files": pixels.files, "labels": pixels.labels.tolist(),
                "splits": pixels.splits.tolist(), "skipped": [list(s) for s in pixels.decode_skipped]}
        (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        x_shape = pixels.x.shape
        del pixels.x
        shutil.rmtree(entry, ignore_errors=True)
        os.replace(tmp, entry)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _prune(root, entry)
    pixels.x = np.load(entry / "x.npy", mmap_mode="r")
    pixels.entry = entry
    if pixels.x.shape != x_shape:
        raise DataError("data.path", f"the image cache {entry} was changed while it was written; open the "
                                     "folder again")
    return pixels
