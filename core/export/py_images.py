"""The image-folder part of an exported script (``"source": "images"``): listing, decoding, fitting and
splitting a folder of class subfolders exactly as :mod:`core.data.imagefolder` does, and reading image
files for ``--predict``. ``tests/core/test_image_script.py`` checks that the two agree pixel for pixel.
"""
from __future__ import annotations

from .py_data import SPLIT

READ_IMAGES = '''
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
IGNORED = (".", "Thumbs.db", "desktop.ini")


def _class_dirs(folder):
    return {e.name: Path(e.path) for e in sorted(os.scandir(folder), key=lambda e: e.name)
            if not e.name.startswith(IGNORED) and e.is_dir()}


def _image_walk(folder):
    """Image files under `folder`, recursive, in name order; a folder link looping back is read once."""
    seen = set()
    for here, dirs, names in os.walk(folder, followlinks=True):
        try:
            st = os.stat(here)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in seen:
            dirs[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirs.sort()
        for name in sorted(names):
            if not name.startswith(IGNORED) and name.lower().endswith(IMAGE_EXTENSIONS):
                yield os.path.join(here, name)


def list_images(root):
    """(files, class indices, splits (0 train, 1 val, -1 none), class names) of a folder of class subfolders;
    train/ and val/ subfolders, when both exist, are the split."""
    root = Path(root)
    parts = [root / "train", root / "val"] if (root / "train").is_dir() and (root / "val").is_dir() else [root]
    per_part = [_class_dirs(p) for p in parts]
    classes = sorted(per_part[0])
    files, labels, splits = [], [], []
    for k, dirs in enumerate(per_part):
        for ci, c in enumerate(classes):
            for path in (_image_walk(dirs[c]) if c in dirs else ()):
                files.append(path)
                labels.append(ci)
                splits.append(k if len(parts) > 1 else -1)
    return files, labels, splits, classes


def fit_image(im, size, fit):
    """The image as size x size: resize stretches; resize_crop / resize_pad keep the aspect ratio and crop the
    centre / pad with black; crop_or_pad does not scale."""
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
    canvas.paste(im, ((size - w) // 2, (size - h) // 2))
    return canvas


def decode_image(path, size, color, fit):
    """One image file as (channels, size, size) uint8, as LossLab decodes it."""
    from PIL import Image
    with Image.open(path) as im:
        if im.format == "JPEG" and fit != "crop_or_pad":
            im.draft("L" if color == "grey" else "RGB", (size, size))
        im.load()
        if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):  # 16-bit grey: scaled to 0..255
            a = np.asarray(im, dtype=np.float64)
            top = 65535.0 if im.mode.startswith("I;16") or a.max(initial=0) > 255 else 255.0
            im = Image.fromarray(np.clip(a * (255.0 / top) + 0.5, 0, 255).astype(np.uint8), "L")
        im = fit_image(im.convert("L" if color == "grey" else "RGB"), size, fit)
        a = np.asarray(im, dtype=np.uint8)
    return a[None, :, :] if a.ndim == 2 else np.ascontiguousarray(a.transpose(2, 0, 1))


def read_image_folder(root, size, color, fit):
    """uint8 images (N, C, size, size), class indices, splits and class names; unreadable files are skipped."""
    files, labels, splits, classes = list_images(root)
    x, keep = [], []
    for i, path in enumerate(files):
        try:
            x.append(decode_image(path, size, color, fit))
            keep.append(i)
        except Exception as e:  # noqa: BLE001 - LossLab skips (and lists) the files it cannot decode
            print(f"skipped {path}: {e}", file=sys.stderr)
    keep = np.asarray(keep, dtype=np.int64)
    return (np.stack(x), np.asarray(labels, dtype=np.int64)[keep], np.asarray(splits, dtype=np.int64)[keep],
            classes)


def channel_stats(x, idx, block=512):
    """Per-channel mean and standard deviation (pixel units, shape (C, 1, 1)) of x[idx]."""
    c = x.shape[1]
    total, sq, count = np.zeros(c), np.zeros(c), 0
    for j in range(0, len(idx), block):
        b = x[np.sort(idx[j:j + block])].astype(np.float64)
        total += b.sum(axis=(0, 2, 3))
        sq += (b * b).sum(axis=(0, 2, 3))
        count += b.shape[0] * b.shape[2] * b.shape[3]
    mean = total / max(count, 1)
    std = np.sqrt(np.maximum(sq / max(count, 1) - mean * mean, 0.0))
    std = np.where(std < 1e-6, 1.0, std)
    return mean.astype(np.float32).reshape(c, 1, 1), std.astype(np.float32).reshape(c, 1, 1)


def read_image_files(path):
    """Image files to predict: one file, or every image in a folder (recursive, in name order), decoded and
    fitted as PREPROCESSING["raw_input"] says; pixel values 0..255 as float32."""
    raw = PREPROCESSING["raw_input"]
    path = Path(path)
    files = list(_image_walk(path)) if path.is_dir() else [str(path)]
    if not files:
        raise SystemExit(f"{path}: no image files ({', '.join(IMAGE_EXTENSIONS)})")
    print("files: " + ", ".join(os.path.relpath(f, path if path.is_dir() else path.parent) for f in files),
          file=sys.stderr)
    return np.stack([decode_image(f, raw["size"], raw["color"], raw["fit"]) for f in files]).astype(np.float32)
'''


def image_data_code(data, dataset, candidates: list[str]) -> tuple[list[str], list[str]]:
    """(functions, body of ``load_data``) for an image folder source."""
    from ..data.registry import IMAGE_FOLDER
    p = IMAGE_FOLDER.validate_params(data.params, "data.params")
    target = next(iter(dataset.targets))
    body = [f"    root = find_file({', '.join(repr(c) for c in candidates)})",
            f"    x, labels, splits, classes = read_image_folder(root, size={p['size']!r}, color={p['color']!r}, "
            f"fit={p['fit']!r})",
            f"    ys = {{{target!r}: labels}}",
            "    if len(splits) and splits[0] >= 0:  # train/ and val/ folders are the split",
            "        train, val, test = np.flatnonzero(splits == 0), np.flatnonzero(splits == 1), np.zeros(0, np.int64)",
            "    else:",
            f"        train, val, test = split_indices(len(x), {data.val_fraction!r}, {data.test_fraction!r}, "
            f"seed={data.seed!r}, stratify=labels)"]
    c = dataset.input_shape[0]
    if data.normalize and p.get("mean") is not None and p.get("std") is not None:
        body.append(f"    mean = np.asarray({list(p['mean'])!r}, dtype=np.float32).reshape({c}, 1, 1)  # kept in the project")
        body.append(f"    std = np.asarray({list(p['std'])!r}, dtype=np.float32).reshape({c}, 1, 1)")
    elif data.normalize:
        body.append("    mean, std = channel_stats(x, train)  # per channel, from the training split")
    else:
        body.append(f"    mean, std = np.float32(0.0), np.full(({dataset.input_shape[0]}, 1, 1), 255.0, np.float32)"
                    "  # scaled to 0..1")
    body += ["    xs = [(x[idx].astype(np.float32) - mean) / std for idx in (train, val, test)]",
             "    ys = [{name: torch.from_numpy(np.ascontiguousarray(y[idx])) for name, y in ys.items()}"
             " for idx in (train, val, test)]",
             "    return [torch.from_numpy(np.ascontiguousarray(part)) for part in xs], ys"]
    return [READ_IMAGES, SPLIT], body
