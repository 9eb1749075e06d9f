"""The data section of an exported script: readable numpy code that rebuilds the project's data.

Each built-in set has its generator written out as a plain function (the same numpy calls in the
same order as ``core.data``, so the script draws the very same samples); CSV and NPZ files are read
from the project's relative path. ``tests/core/test_export_py.py`` runs every generator here against
``core.data`` so the two cannot drift apart unnoticed.
"""
from __future__ import annotations

from ..data.registry import CATEGORY_2D, CATEGORY_REGRESSION

# --- generators, one per built-in set (plus the helpers they share) ---------------------------------

_TOY_HELPERS = '''
def _finish_2d(x, y, noise, rng):
    """Gaussian jitter of standard deviation 2.5 x noise on the clean points."""
    x = x + rng.normal(0.0, 2.5 * noise, size=x.shape)
    return x.astype(np.float32), y.astype(np.int64)


def _polar(r, t):
    return np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
'''

GENERATORS: dict[str, str] = {
    "circle": '''
def make_circle(samples, noise, seed):
    """Class 1 inside a disc of radius 2.5, class 0 on a ring from 3.5 to 5 around it."""
    rng = np.random.default_rng([seed, 0])
    n_in = samples // 2
    n_out = samples - n_in
    inner = _polar(rng.uniform(0, 5.0 * 0.5, n_in), rng.uniform(0, 2 * math.pi, n_in))
    outer = _polar(rng.uniform(5.0 * 0.7, 5.0, n_out), rng.uniform(0, 2 * math.pi, n_out))
    x = np.concatenate([outer, inner])
    y = np.concatenate([np.zeros(n_out), np.ones(n_in)])
    return _finish_2d(x, y, noise, rng)
''',
    "xor": '''
def make_xor(samples, noise, seed):
    """Class 1 where x1 and x2 have the same sign; a small gap keeps the quadrants apart."""
    rng = np.random.default_rng([seed, 0])
    x = rng.uniform(-5.0, 5.0, size=(samples, 2))
    x = x + np.where(x > 0, 0.3, -0.3)
    y = (x[:, 0] * x[:, 1] >= 0).astype(np.int64)
    return _finish_2d(x, y, noise, rng)
''',
    "gauss": '''
def make_gauss(samples, noise, seed):
    """Two Gaussian blobs (sd 0.7) centred at (-2, -2) (class 0) and (2, 2) (class 1)."""
    rng = np.random.default_rng([seed, 0])
    n1 = samples // 2
    n0 = samples - n1
    x = np.concatenate([rng.normal(-2.0, 0.7, size=(n0, 2)), rng.normal(2.0, 0.7, size=(n1, 2))])
    y = np.concatenate([np.zeros(n0), np.ones(n1)])
    return _finish_2d(x, y, noise, rng)
''',
    "spiral": '''
def make_spiral(samples, noise, classes, seed):
    """`classes` interleaved spiral arms, each winding 1.75 turns out to radius 5."""
    rng = np.random.default_rng([seed, 0])
    xs, ys = [], []
    for c in range(classes):
        m = samples // classes + (1 if c < samples % classes else 0)
        i = np.arange(m) / max(m, 1)
        xs.append(_polar(i * 5.0, 1.75 * i * 2 * math.pi + 2 * math.pi * c / classes))
        ys.append(np.full(m, c))
    return _finish_2d(np.concatenate(xs), np.concatenate(ys), noise, rng)
''',
    "moons": '''
def make_moons(samples, noise, seed):
    """Two interleaving half circles, scaled by 2.5 and centred."""
    rng = np.random.default_rng([seed, 0])
    n0 = samples // 2
    n1 = samples - n0
    t0 = np.linspace(0, math.pi, n0)
    t1 = np.linspace(0, math.pi, n1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    x = (np.concatenate([upper, lower]) - np.array([0.5, 0.25])) * 2.5
    y = np.concatenate([np.zeros(n0), np.ones(n1)])
    return _finish_2d(x, y, noise, rng)
''',
    "sine": '''
def make_sine(samples, noise, seed):
    """y = sin(x) + noise for x uniform in -2*pi..2*pi."""
    rng = np.random.default_rng([seed, 0])
    x = rng.uniform(-2 * math.pi, 2 * math.pi, size=(samples, 1))
    y = np.sin(x[:, 0]) + rng.normal(0.0, noise, size=samples)
    return x.astype(np.float32), y.astype(np.float32)
''',
    "plane": '''
def make_plane(samples, noise, seed):
    """y = (0.7 * x1 - 0.3 * x2) / 5 + noise on the square -5..5."""
    rng = np.random.default_rng([seed, 0])
    x = rng.uniform(-5.0, 5.0, size=(samples, 2))
    y = (0.7 * x[:, 0] - 0.3 * x[:, 1]) / 5.0
    y = y + rng.normal(0.0, noise, size=y.shape)
    return x.astype(np.float32), y.astype(np.float32)
''',
    "gauss_regression": '''
def make_gauss_regression(samples, noise, seed):
    """A bump up at (-2, 2) and a bump down at (2, -2) (Gaussian, width 1.5) on the square -5..5."""
    rng = np.random.default_rng([seed, 0])
    x = rng.uniform(-5.0, 5.0, size=(samples, 2))

    def bump(cx, cy):
        return np.exp(-((x[:, 0] - cx) ** 2 + (x[:, 1] - cy) ** 2) / (2 * 1.5 ** 2))

    y = bump(-2.0, 2.0) - bump(2.0, -2.0)
    y = y + rng.normal(0.0, noise, size=y.shape)
    return x.astype(np.float32), y.astype(np.float32)
''',
    "diagnosis": '''
def make_diagnosis(samples, seed):
    """Synthetic patients; targets diagnosis (healthy, at_risk, ill) and severity (0..10) from one risk score."""
    n, rng = samples, np.random.default_rng([seed, 0])
    age = np.clip(rng.normal(50.0, 15.0, n), 18, 95)
    smoker = (rng.random(n) < 0.22).astype(np.float64)
    exercise = np.clip(rng.gamma(2.0, 1.5, n) - 0.02 * (age - 50), 0, 20)
    bmi = np.clip(rng.normal(27 + 0.04 * (age - 50) - 0.25 * (exercise - 3), 4.5), 15, 55)
    bp = rng.normal(120 + 0.5 * (age - 50) + 0.9 * (bmi - 27) + 4 * smoker, 12)
    glucose = np.maximum(rng.normal(95 + 1.6 * (bmi - 27) + 0.25 * (age - 50), 15), 55)
    chol = rng.normal(195 + 0.6 * (age - 50) + 1.5 * (bmi - 27) + 8 * smoker - 2 * exercise, 30)
    heart = rng.normal(72 + 0.3 * (bmi - 27) + 4 * smoker - 1.5 * (exercise - 3), 9)
    risk = (0.9 * (age - 50) / 15 + 0.6 * (bp - 125) / 15 + 0.8 * np.maximum(glucose - 110, 0) / 15
            + 0.4 * (chol - 200) / 35 + 0.7 * smoker + 0.3 * (bmi - 27) / 5 - 0.3 * (exercise - 3) / 2)
    label = np.digitize(risk + rng.normal(0, 0.45, n), (-0.05, 1.55)).astype(np.int64)
    severity = np.clip(10 * (1.0 / (1.0 + np.exp(-1.2 * (risk - 0.8)))) + rng.normal(0, 0.6, n), 0, 10)
    x = np.stack([np.round(age), np.round(bmi, 1), np.round(bp), np.round(glucose), np.round(chol),
                  np.round(heart), smoker, np.round(exercise, 1)], axis=1)
    return x.astype(np.float32), {"diagnosis": label, "severity": severity.astype(np.float32)}
''',
    "fraud": '''
def _fraud_logit(amount, hour, merchant_risk, distance, tx24, online):
    night = ((hour < 6) | (hour >= 23)).astype(np.float64)
    return (0.9 * np.log(amount / 30.0) + 1.2 * night + 4.0 * merchant_risk
            + 0.5 * np.log1p(distance) + 0.25 * tx24 + 0.6 * online)


def make_fraud(samples, fraud_rate, seed):
    """Card transactions (amount, hour, merchant risk, distance, transactions in 24 h, online); target fraud."""
    n, rng = samples, np.random.default_rng([seed, 0])
    amount = np.round(rng.lognormal(3.5, 1.0, n), 2)
    day = rng.random(n) < 0.85
    hour = np.where(day, np.round(rng.normal(14.0, 4.0, n)) % 24, rng.integers(0, 24, n)).astype(np.float64)
    merchant_risk = np.round(rng.beta(2.0, 8.0, n), 3)
    distance = np.round(rng.lognormal(1.5, 1.0, n), 1)
    tx24 = rng.poisson(2.5, n).astype(np.float64)
    online = (rng.random(n) < 0.4).astype(np.float64)
    logit = _fraud_logit(amount, hour, merchant_risk, distance, tx24, online)
    lo, hi = -40.0, 40.0  # bisection for the intercept that gives the wanted fraud rate
    for _ in range(60):
        mid = (lo + hi) / 2
        if (1.0 / (1.0 + np.exp(-(logit + mid)))).mean() < fraud_rate:
            lo = mid
        else:
            hi = mid
    p = 1.0 / (1.0 + np.exp(-(logit + (lo + hi) / 2)))
    y = (rng.random(n) < p).astype(np.int64)
    if y.sum() < 2:  # make sure both classes exist
        y[np.argsort(-p, kind="stable")[:2]] = 1
    x = np.stack([amount, hour, merchant_risk, distance, tx24, online], axis=1)
    return x.astype(np.float32), y
''',
    "demand": '''
def make_demand(days, lags, noise, seed):
    """Daily demand (trend, weekly and yearly season, noise); each sample is `lags` days, the target the next."""
    rng = np.random.default_rng([seed, 0])
    weekly = np.array([-0.6, -0.8, -0.4, 0.0, 0.6, 1.5, 0.9])
    t = np.arange(days, dtype=np.float64)
    series = (10.0 + 0.002 * t + weekly[t.astype(np.int64) % 7]
              + 2.0 * np.sin(2 * math.pi * t / 365.25) + rng.normal(0.0, 5.0 * noise, days))
    windows = np.lib.stride_tricks.sliding_window_view(series, lags + 1)
    return np.ascontiguousarray(windows[:, :lags], dtype=np.float32), windows[:, lags].astype(np.float32)
''',
    "digits": '''
def make_digits(path):
    """The UCI 8x8 handwritten digits (CC BY 4.0) that ship with LossLab, scaled to 0..1, shape (1, 8, 8)."""
    with np.load(path, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    return (x.astype(np.float32) / 16.0)[:, None, :, :], y.astype(np.int64)
''',
}

# the generator's parameters in call order (the registry's names)
CALL_PARAMS: dict[str, tuple[str, ...]] = {
    "spiral": ("samples", "noise", "classes", "seed"),
    "diagnosis": ("samples", "seed"),
    "fraud": ("samples", "fraud_rate", "seed"),
    "demand": ("days", "lags", "noise", "seed"),
    "digits": (),
}
_DEFAULT_CALL = ("samples", "noise", "seed")

# --- reading the user's files ---------------------------------------------------------------------

READ_CSV = '''
MISSING = {"", "na", "n/a", "nan", "null", "none", "#n/a"}


def read_table(path):
    """(header, rows of stripped text cells, delimiter) of a CSV file with a header row (comma,
    semicolon or tab), read as LossLab reads it."""
    text = Path(path).read_text(encoding="utf-8-sig")
    best, best_score = ",", 0
    for d in (",", ";", "\\t"):  # the delimiter whose parse of the first rows gives the most fields
        try:
            counts = [len(r) for r in csv.reader(io.StringIO(text[:65536], newline=""), delimiter=d)
                      if r and any(c.strip() for c in r)][:20]
        except csv.Error:
            continue
        if counts and counts[0] >= 2:
            score = counts[0] * 1000 + sum(n == counts[0] for n in counts[1:-1] or counts)
            if score > best_score:
                best, best_score = d, score
    rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text, newline=""), delimiter=best)
            if r and any(c.strip() for c in r)]
    return rows[0], rows[1:], best


def number(cell, delimiter=","):
    """A cell as a float: NaN when missing (a semicolon file may write 1,5 for 1.5)."""
    if cell is None or str(cell).strip().lower() in MISSING:
        return math.nan
    if isinstance(cell, str) and delimiter != ",":
        cell = cell.replace(",", ".")
    return float(cell)


def category(cell, categories):
    """A cell as LossLab names a category (a whole number without '.0'); None when missing."""
    if cell is None or str(cell).strip().lower() in MISSING:
        return None
    text = str(cell).strip()
    if text not in categories:
        try:
            v = float(text)
            text = str(int(v)) if v.is_integer() else f"{v:g}"
        except ValueError:
            pass
    return text


def table_inputs(header, rows, delimiter=","):
    """Raw rows -> the model's raw input: the input columns in the table's order, numbers as they are
    (missing: NaN), each categorical column one-hot in its listed categories (missing: its usual one)."""
    columns = PREPROCESSING["raw_input"]["columns"]
    x = np.zeros((len(rows), PREPROCESSING["raw_input"]["width"]), dtype=np.float32)
    for c in columns:
        if c["name"] not in header:
            raise SystemExit(f"the table has no column {c['name']!r}; the model takes the columns "
                             + ", ".join(col["name"] for col in columns))
        j = header.index(c["name"])
        if c["kind"] == "numeric":
            x[:, c["slots"][0]] = [number(r[j], delimiter) for r in rows]
            continue
        for i, r in enumerate(rows):
            text = category(r[j], c["categories"])
            text = c.get("missing_becomes") if text is None else text
            if text in c["categories"]:  # a category the training data never had: every slot 0
                x[i, c["slots"][c["categories"].index(text)]] = 1.0
    return x


def target_values(header, rows, name, classes, delimiter=","):
    """A target column: class indices into `classes` (LossLab's order), or numbers (regression)."""
    j = header.index(name)
    if classes is None:
        return np.asarray([number(r[j], delimiter) for r in rows], dtype=np.float64).astype(np.float32)
    return np.asarray([classes.index(category(r[j], classes)) for r in rows], dtype=np.int64)


def split_unlabelled(header, rows, target, inputs):
    """(rows with a label, rows whose target cell is empty and every input filled): LossLab keeps the latter
    aside as unlabelled rows (pseudo-labels learn from them; nothing else does) and drops the rest."""
    t, idx = header.index(target), [header.index(n) for n in inputs]
    labelled = [r for r in rows if r[t].strip().lower() not in MISSING]
    unlabelled = [r for r in rows if r[t].strip().lower() in MISSING
                  and all(r[j].strip().lower() not in MISSING for j in idx)]
    return labelled, unlabelled


def complete_rows(header, rows, names):
    """The rows with a value in every one of the columns `names` (data.missing is "drop")."""
    idx = [header.index(n) for n in names]
    return [r for r in rows if all(r[j].strip().lower() not in MISSING for j in idx)]
'''

READ_NPZ = '''
def read_npz(path, feature_indices):
    """Arrays x (N, ...) and y (N,) or (N, k) of an .npz file (no pickle)."""
    with np.load(path, allow_pickle=False) as f:
        x, y = f["x"].astype(np.float32), f["y"]
    if x.ndim == 1:
        x = x[:, None]
    if feature_indices is not None:
        x = x[:, feature_indices]
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    return x, y
'''

ENCODE = '''
def encode_classes(cells):
    """Class indices: numbers sort numerically, text alphabetically (as LossLab encodes them)."""
    try:
        values = np.asarray(cells, dtype=np.float64)
    except ValueError:
        _, index = np.unique(np.asarray([str(c).strip() for c in cells]), return_inverse=True)
        return np.asarray(index, dtype=np.int64).reshape(-1)
    return np.searchsorted(np.unique(values), values).astype(np.int64)
'''

SPLIT = '''
def split_indices(n, val_fraction, test_fraction, seed, stratify=None, ordered=False):
    """(train, val, test) indices: shuffled with `seed` and stratified by class, or in time order."""
    def size(fraction):
        return 0 if fraction <= 0 else max(1, int(math.floor(n * fraction + 0.5)))

    n_val, n_test = size(val_fraction), size(test_fraction)
    n_train = n - n_val - n_test
    if ordered:
        order = np.arange(n)
        return order[:n_train], order[n_train:n_train + n_val], order[n_train + n_val:]
    perm = np.random.default_rng([seed, 0x5EED]).permutation(n)
    if stratify is not None:
        # the k-th of a class's n_c members gets the key (k + 0.5) / n_c: sorting interleaves the classes
        labels = np.asarray(stratify)[perm]
        key = np.empty(n, dtype=np.float64)
        for c in np.unique(labels):
            members = np.flatnonzero(labels == c)
            key[members] = (np.arange(members.size) + 0.5) / members.size
        perm = perm[np.argsort(key, kind="stable")]
    return perm[n_val + n_test:], perm[:n_val], perm[n_val:n_val + n_test]
'''


def generator_code(source: str) -> str:
    """The function(s) that generate the built-in set ``source``."""
    from ..data.registry import entry_for
    category = entry_for(source).category
    helpers = _TOY_HELPERS if category == CATEGORY_2D else ""
    return (helpers.strip("\n") + "\n\n\n" if helpers else "") + GENERATORS[source].strip("\n")


def generator_call(source: str, params: dict, digits_var: str = "DIGITS_FILE") -> str:
    """``make_<source>(...)`` with the project's parameter values as literals."""
    if source == "digits":
        return f"make_digits({digits_var})"
    names = CALL_PARAMS.get(source, _DEFAULT_CALL)
    return f"make_{source}(" + ", ".join(f"{k}={params[k]!r}" for k in names) + ")"


def returns_target_dict(source: str) -> bool:
    return source == "diagnosis"


def is_regression_source(category: str) -> bool:
    return category == CATEGORY_REGRESSION


# --- raw samples in, LossLab's predictions out -------------------------------------------------------

PREDICT = '''
def fill_and_order(x):
    """Missing numbers (NaN) become the training split's values; the columns go in the network's order."""
    raw = PREPROCESSING["raw_input"]
    if raw["kind"] != "table":
        return x
    fill = np.zeros(x.shape[1], dtype=np.float32)
    for c in raw["columns"]:
        if c["kind"] == "numeric":
            fill[c["slots"][0]] = c.get("missing_becomes", 0.0)
    x = np.where(np.isnan(x), fill, x).astype(np.float32)
    order = PREPROCESSING["network_input"]["order"]
    return x if order is None else x[:, order]


def prepare_inputs(raw):
    """Raw samples (N, ...) -> the network's input as LossLab prepares it: filled, ordered, standardized
    with the training split's mean and spread (PREPROCESSING["normalize"])."""
    x = fill_and_order(np.asarray(raw, dtype=np.float32))
    x = x.reshape(len(x), *PREPROCESSING["network_input"]["shape"])
    norm = PREPROCESSING["normalize"]
    if norm is not None:
        x = (x - np.asarray(norm["mean"], dtype=np.float32)) / np.asarray(norm["std"], dtype=np.float32)
    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))


def read_samples(path):
    """Raw samples from a file: for a table, a CSV with its header (any column order, the target may be
    missing); for images, an image file or a folder of them; else a .npy array or a CSV of numbers, one
    sample per row."""
    if PREPROCESSING["raw_input"]["kind"] == "images":
        return read_image_files(path)
    if PREPROCESSING["raw_input"]["kind"] == "table":
        header, rows, delimiter = read_table(path)
        return table_inputs(header, rows, delimiter)
    if str(path).endswith(".npy"):
        return np.load(path, allow_pickle=False).astype(np.float32)
    rows = [r for r in csv.reader(Path(path).read_text(encoding="utf-8-sig").splitlines()) if r]
    try:
        float(rows[0][0])
    except ValueError:
        rows = rows[1:]  # a header row
    return np.asarray(rows, dtype=np.float64).astype(np.float32)


def predict(model, raw):
    """{head: (outputs, predictions)} for raw samples: class names for a classification head, else values."""
    model.eval()
    with torch.no_grad():
        outs = model(prepare_inputs(raw))
    outs = [outs] if isinstance(outs, torch.Tensor) else list(outs)
    result = {}
    for head, out in zip(PREPROCESSING["outputs"], outs):
        values = out.numpy()
        if "classes" not in head:
            result[head["name"]] = (values, values.reshape(len(values), -1)[:, 0].tolist())
            continue
        if values.shape[1] == 1:
            index = (values[:, 0] > head["threshold"]).astype(np.int64)
        else:
            index = values.argmax(axis=1)
        result[head["name"]] = (values, [head["classes"][i] for i in index])
    return result
'''

