"""A folder of images as a data source: ``"source": "images"``, ``data.path`` the folder.

The conventions are torchvision's ``ImageFolder`` and Keras' ``image_dataset_from_directory``: one
subfolder per class (class names sorted), searched recursively, files with the extensions in
:data:`EXTENSIONS` decoded by Pillow. When the folder holds ``train/`` and ``val/`` (each with the
same class subfolders) those are the splits; otherwise ``data.seed`` draws a stratified split.

Every image becomes ``(C, size, size)`` uint8 (C = 1 grey, 3 RGB): ``fit`` says how a picture of
another shape gets there (:func:`fit_image`). A file that cannot be decoded is skipped, counted and
named in :class:`ImageReport`; a folder with no images, one class or an empty class is refused with
the reason. The decoded pixels are cached on disk (``core.data.image_cache``) so a second open only
reads a memory-mapped array.

The network sees the pixel values standardized per channel with the training split's mean and
standard deviation (in pixel units 0..255); without ``data.normalize`` they are scaled to 0..1. The
raw input of every export is therefore the decoded, fitted image's pixel values as float32.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from core.data.errors import DataError

EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
FITS = ("crop_or_pad", "resize", "resize_crop", "resize_pad")
COLORS = ("rgb", "grey")
SPLIT_DIRS = ("train", "val")
#: files whose names start with these are a system's bookkeeping, never data (.DS_Store, Thumbs.db)
_IGNORED = (".", "Thumbs.db", "desktop.ini")


@dataclass
class ImageSettings:
    """How each image is decoded: side length in pixels, ``color`` "rgb" or "grey", ``fit`` one of
    :data:`FITS`."""

    size: int = 32
    color: str = "rgb"
    fit: str = "resize"

    @property
    def channels(self) -> int:
        return 1 if self.color == "grey" else 3

    def to_dict(self) -> dict[str, Any]:
        return {"size": self.size, "color": self.color, "fit": self.fit}


@dataclass
class ImageReport:
    """What a scan found: the classes, how many images each split holds, and every file skipped
    with its reason (paths relative to the folder)."""

    folder: str
    classes: list[str]
    counts: dict[str, int]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    split_folders: bool = False
    cached: bool = False

    @property
    def n_images(self) -> int:
        return sum(self.counts.values())

    def notes(self) -> list[str]:
        """Lines for ``losslab check`` and the Data panel."""
        per = ", ".join(f"{c} {self.counts.get(c, 0)}" for c in self.classes)
        out = [f"images: {self.n_images} in {len(self.classes)} classes ({per})"
               + ("; splits from the train/ and val/ folders" if self.split_folders else "")]
        if self.skipped:
            out.append(f"skipped {len(self.skipped)} file{'s' if len(self.skipped) != 1 else ''}:")
            out += [f"  {name}: {reason}" for name, reason in self.skipped[:20]]
            if len(self.skipped) > 20:
                out.append(f"  … and {len(self.skipped) - 20} more")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"folder": self.folder, "classes": self.classes, "counts": self.counts,
                "skipped": [list(s) for s in self.skipped], "split_folders": self.split_folders}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ImageReport":
        return cls(d["folder"], list(d["classes"]), dict(d["counts"]), [tuple(s) for s in d["skipped"]],
                   bool(d["split_folders"]))


@dataclass
class FolderScan:
    """The image files of a folder: ``files[i]`` (relative path), ``labels[i]`` (class index),
    ``splits[i]`` (0 train, 1 val; all -1 without train/val folders), plus what was skipped."""

    root: Path
    classes: list[str]
    files: list[str]
    labels: list[int]
    splits: list[int]
    skipped: list[tuple[str, str]]
    stats: list[tuple[int, int]]  # (size in bytes, mtime in ns) per file: the cache key

    @property
    def split_folders(self) -> bool:
        return bool(self.splits) and self.splits[0] >= 0


def _is_image(name: str) -> bool:
    return name.lower().endswith(EXTENSIONS)


def _walk(folder: Path, root: Path, skipped: list[tuple[str, str]]) -> list[tuple[str, int, int]]:
    """Image files under ``folder`` (recursive, symlinks followed once): (relative path, size, mtime)."""
    out: list[tuple[str, int, int]] = []
    seen: set[tuple[int, int]] = set()

    prefix = os.path.join(str(root), "")

    def rel(p: str) -> str:  # by string: os.walk builds every path from ``folder`` (relpath costs ~0.5 ms a file)
        r = p[len(prefix):] if p.startswith(prefix) else os.path.relpath(p, root)
        return r.replace(os.sep, "/") if os.sep != "/" else r

    def on_error(e: OSError) -> None:
        skipped.append((rel(e.filename) if e.filename else "?", f"could not be read ({e.strerror or e})"))

    for here, dirs, names in os.walk(folder, onerror=on_error, followlinks=True):
        try:
            st = os.stat(here)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in seen:  # a symlink back up the tree: walked once, then skipped
            skipped.append((rel(here) + "/", "a folder link that loops back; its files are read once"))
            dirs[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirs.sort()
        for name in sorted(names):
            path = os.path.join(here, name)
            if name.startswith(_IGNORED):
                continue
            if not _is_image(name):
                skipped.append((rel(path), "not an image file (" + ", ".join(EXTENSIONS) + ")"))
                continue
            try:
                s = os.stat(path)
            except OSError as e:
                skipped.append((rel(path), f"could not be read ({e.strerror or e})"))
                continue
            out.append((rel(path), int(s.st_size), int(s.st_mtime_ns)))
    return out


def _class_dirs(folder: Path, root: Path, skipped: list[tuple[str, str]]) -> dict[str, Path]:
    dirs: dict[str, Path] = {}
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as e:
        raise DataError("data.path", f"the folder {folder} could not be read ({e.strerror or e})") from None
    for e in entries:
        if e.name.startswith(_IGNORED):
            continue
        if e.is_dir():
            dirs[e.name] = Path(e.path)
        elif e.is_file():
            skipped.append((Path(os.path.relpath(e.path, root)).as_posix(),
                            "not inside a class folder (put each image in its class's subfolder)"))
    return dirs


def scan_folder(root: Path, shown: str) -> FolderScan:
    """List ``root``'s images by class; a folder that cannot make a classification set raises
    :class:`DataError` with the reason and what to do."""
    if not root.exists():
        raise DataError("data.path", f"folder not found: {root}; check data.path (a relative path starts at "
                                     "the project file's folder)")
    if not root.is_dir():
        raise DataError("data.path", f"{shown} is a file, not a folder; an image source reads a folder with one "
                                     "subfolder of images per class")
    skipped: list[tuple[str, str]] = []
    split_roots = [root / s for s in SPLIT_DIRS]
    use_splits = all(p.is_dir() for p in split_roots)
    parts = split_roots if use_splits else [root]
    per_part = [_class_dirs(p, root, skipped) for p in parts]
    classes = sorted(per_part[0])
    if use_splits:
        extra = sorted(set(per_part[1]) - set(classes))
        if extra:
            raise DataError("data.path", f"{shown}/val has class folders that train/ lacks: {', '.join(extra)}; "
                                         "give train/ and val/ the same class subfolders")
    if not classes:
        raise DataError("data.path", f"{shown} has no class subfolders; put the images of each class in a "
                                     "subfolder named after the class (cats/, dogs/, …)")
    files, labels, splits, stats = [], [], [], []
    counts = {c: 0 for c in classes}
    for k, class_dirs in enumerate(per_part):
        for ci, c in enumerate(classes):
            if c not in class_dirs:
                continue
            for rel, size, mtime in _walk(class_dirs[c], root, skipped):
                files.append(rel)
                labels.append(ci)
                splits.append(k if use_splits else -1)
                stats.append((size, mtime))
                counts[c] += 1
    if not files:
        raise DataError("data.path", f"{shown} holds no images ({', '.join(EXTENSIONS)}) in its class "
                                     "subfolders")
    if len(classes) < 2:
        raise DataError("data.path", f"{shown} has one class ({classes[0]}); a classifier needs at least two "
                                     "class subfolders")
    empty = [c for c in classes if counts[c] == 0]
    if empty:
        raise DataError("data.path", f"{shown}: the class folder{'s' if len(empty) > 1 else ''} "
                                     f"{', '.join(empty)} hold{'' if len(empty) > 1 else 's'} no images; add "
                                     "images or remove the folder")
    return FolderScan(root, classes, files, labels, splits, skipped, stats)


# --- decoding ---------------------------------------------------------------------------------------

def _as_8bit(im):
    """A 16-bit or 32-bit grey image (PNG ``I;16``, ``I``, ``F``) as 8-bit grey, scaled by its range."""
    from PIL import Image
    a = np.asarray(im, dtype=np.float64)
    top = 65535.0 if im.mode.startswith("I;16") or a.max(initial=0) > 255 else 255.0
    return Image.fromarray(np.clip(a * (255.0 / top) + 0.5, 0, 255).astype(np.uint8), "L")


def fit_image(im, size: int, fit: str):
    """``im`` (a Pillow image) as ``size`` x ``size``: ``resize`` stretches; ``resize_crop`` keeps the
    aspect ratio and crops the centre; ``resize_pad`` keeps it and pads with black; ``crop_or_pad``
    does not scale: a bigger image is cropped at its centre, a smaller one padded."""
    from PIL import Image
    w, h = im.size
    if fit == "resize":
        return im.resize((size, size), Image.BILINEAR) if (w, h) != (size, size) else im
    if fit in ("resize_crop", "resize_pad"):
        scale = size / (min(w, h) if fit == "resize_crop" else max(w, h))
        nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
        if (nw, nh) != (w, h):
            im = im.resize((nw, nh), Image.BILINEAR)
        w, h = nw, nh
    canvas = Image.new(im.mode, (size, size))
    canvas.paste(im, ((size - w) // 2, (size - h) // 2))  # a negative offset crops the centre
    return canvas


def decode_image(path: str | os.PathLike, settings: ImageSettings) -> np.ndarray:
    """One image file as ``(C, size, size)`` uint8; raises OSError/ValueError when it cannot be decoded."""
    from PIL import Image
    with Image.open(path) as im:
        if im.format == "JPEG" and settings.fit != "crop_or_pad":
            im.draft("L" if settings.color == "grey" else "RGB", (settings.size, settings.size))
        im.load()  # a truncated or corrupt file fails here, not later
        if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
            im = _as_8bit(im)
        im = im.convert("L" if settings.color == "grey" else "RGB")
        im = fit_image(im, settings.size, settings.fit)
        a = np.asarray(im, dtype=np.uint8)
    return a[None, :, :] if a.ndim == 2 else np.ascontiguousarray(a.transpose(2, 0, 1))


def decode_all(scan: FolderScan, settings: ImageSettings, out: np.ndarray,
               progress: Callable[[float], None] | None = None) -> list[bool]:
    """Decode every file of ``scan`` into ``out[i]``; returns which decoded. A file Pillow cannot read
    is added to ``scan.skipped`` with Pillow's reason."""
    from PIL import Image, UnidentifiedImageError
    ok = [False] * len(scan.files)
    n = len(scan.files)
    for i, rel in enumerate(scan.files):
        if progress is not None and i % 64 == 0:
            progress(i / max(n, 1))
        try:
            out[i] = decode_image(scan.root / rel, settings)
            ok[i] = True
        except UnidentifiedImageError:
            scan.skipped.append((rel, "not a readable image (Pillow does not recognise its contents)"))
        except Image.DecompressionBombError as e:
            scan.skipped.append((rel, f"too large to decode safely ({e})"))
        except (OSError, ValueError, SyntaxError, EOFError) as e:  # truncated, damaged, unsupported mode
            scan.skipped.append((rel, f"damaged or unsupported ({str(e)[:120] or type(e).__name__})"))
    return ok


def settings_from_params(params: dict[str, Any]) -> ImageSettings:
    return ImageSettings(int(params["size"]), str(params["color"]), str(params["fit"]))
