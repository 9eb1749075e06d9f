"""The bundled deployment streams: for each domain example, rows a model would meet in use, in time
order, drifting gradually. Written to ``resources/streams/<domain>-stream.csv`` by
``python -m core.drift.streams`` (fixed seeds: the same files every time).

- diagnosis: a clinic's new blood-pressure cuffs and glucose meters read high, more so month
  after month (up to +2 sd from 35% to 75% of the stream); the diagnoses are those of the true
  values, so a model trained before the change misreads the patients;
- fraud: purchases grow larger and merchants' risk scores are recalibrated downward (amount
  +2 sd, merchant risk -1.5 sd from 35% to 75%): fraud the model was trained to spot slips by;
- demand: the days after the training series, with the demand level climbing by 35% from 35%
  to 75% of the stream: the model must predict outside the range it was trained on.

Each file has a ``time`` column (the row's period) and the targets, so ``losslab monitor`` can
show loss and drift window by window.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from core.data import tables
from core.paths import resources_dir
from core.drift.scenarios import gradual_shift, ramp

STREAM_DIR = resources_dir() / "streams"
START, END = 0.35, 0.75


def diagnosis_stream(n: int = 3000, seed: int = 4242) -> tuple[list[str], list[list]]:
    raw = tables.diagnosis({"samples": n, "seed": seed}, False)
    names = raw.feature_names
    sd = raw.x.std(axis=0)
    x = gradual_shift(raw.x, names, ["blood_pressure", "glucose"], sd, 2.0, START, END)
    x[:, names.index("blood_pressure")] = np.round(x[:, names.index("blood_pressure")])
    x[:, names.index("glucose")] = np.round(x[:, names.index("glucose")])
    classes = tables.DIAGNOSIS_CLASSES
    rows = [[i // 25] + [_num(v) for v in x[i]] + [classes[raw.ys["diagnosis"][i]], f"{raw.ys['severity'][i]:.2f}"]
            for i in range(n)]
    return ["time", *names, "diagnosis", "severity"], rows


def fraud_stream(n: int = 6000, seed: int = 4242) -> tuple[list[str], list[list]]:
    raw = tables.fraud({"samples": n, "fraud_rate": 0.03, "seed": seed}, False)
    names = raw.feature_names
    sd = raw.x.std(axis=0)
    x = gradual_shift(raw.x, names, ["amount"], sd, 2.0, START, END)
    x = gradual_shift(x, names, ["merchant_risk"], sd, -1.5, START, END)
    x[:, names.index("merchant_risk")] = np.clip(x[:, names.index("merchant_risk")], 0.0, 1.0)
    rows = [[i // 100] + [_num(v) for v in x[i]] + [["legit", "fraud"][raw.ys["fraud"][i]]] for i in range(n)]
    return ["time", *names, "fraud"], rows


def demand_stream(days: int = 1500, lags: int = 14, n: int = 1200, seed: int = 4242) -> tuple[list[str], list[list]]:
    rng = np.random.default_rng(seed)
    t = np.arange(days, days + n + lags, dtype=np.float64)
    series = (10.0 + 0.002 * t + tables.WEEKLY[t.astype(np.int64) % 7]
              + 2.0 * np.sin(2 * np.pi * t / 365.25) + rng.normal(0.0, 0.5, t.size))
    series *= 1.0 + 0.35 * np.concatenate([np.zeros(lags), ramp(n, START, END)])
    windows = np.lib.stride_tricks.sliding_window_view(series, lags + 1)
    names = [f"lag_{k}" for k in range(lags, 0, -1)]
    rows = [[int(t[i + lags])] + [_num(v) for v in windows[i, :lags]] + [_num(windows[i, lags])] for i in range(n)]
    return ["time", *names, "demand"], rows


def _num(v: float) -> str:
    return f"{float(v):.7g}"


STREAMS = {"diagnosis": diagnosis_stream, "fraud": fraud_stream, "demand": demand_stream}


def stream_path(domain: str) -> Path:
    return STREAM_DIR / f"{domain}-stream.csv"


def write_streams(folder: Path = STREAM_DIR) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for domain, make in STREAMS.items():
        header, rows = make()
        path = folder / f"{domain}-stream.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)
        out.append(path)
    return out


if __name__ == "__main__":
    for p in write_streams():
        print(p)
