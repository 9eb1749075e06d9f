"""Synthetic but plausible tables for the domains of "Neural Net Loss": diagnosis, fraud, demand.

Each is drawn from a small hand-written generative model, so the columns relate to each other
the way a reader expects (blood pressure rises with age and BMI, fraud with amount and merchant
risk, demand with the season) and each has a shifted "deployment" variant for drift work.
"""
from __future__ import annotations

import math

import numpy as np

from core.data.dataset import CLASSIFICATION, REGRESSION, RawData, TargetInfo
from core.data.errors import DataError

DIAGNOSIS_FEATURES = ["age", "bmi", "blood_pressure", "glucose", "cholesterol", "heart_rate",
                      "smoker", "exercise_hours"]
DIAGNOSIS_CLASSES = ["healthy", "at_risk", "ill"]
# Cut points of the latent risk score: about 50% healthy / 30% at risk / 20% ill in the
# original population. They stay fixed, so the older shifted population has more ill patients.
DIAGNOSIS_CUTS = (-0.05, 1.55)
DIAGNOSIS_SHIFT_AGE = 15.0

FRAUD_FEATURES = ["amount", "hour", "merchant_risk", "distance_from_home", "transactions_24h", "is_online"]
FRAUD_SHIFT_AMOUNT = 1.8
FRAUD_SHIFT_ONLINE = 0.65

DEMAND_SHIFT_LEVEL = 1.35


def _rng(params: dict, shifted: bool) -> np.random.Generator:
    return np.random.default_rng([int(params["seed"]), 1 if shifted else 0])


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


# --- diagnosis --------------------------------------------------------------------------------

def diagnosis(params: dict, shifted: bool = False) -> RawData:
    """Patients with 8 measurements; targets ``diagnosis`` (3 classes) and ``severity`` (0..10).

    Both targets come from one latent risk score (age, blood pressure, glucose above 110,
    cholesterol, smoking, BMI, little exercise), each with its own noise, so a two-headed network
    can share what it learns. Shifted: the patients are 15 years older on average.
    """
    n, rng = params["samples"], _rng(params, shifted)
    age = np.clip(rng.normal(50.0 + (DIAGNOSIS_SHIFT_AGE if shifted else 0.0), 15.0, n), 18, 95)
    smoker = (rng.random(n) < 0.22).astype(np.float64)
    exercise = np.clip(rng.gamma(2.0, 1.5, n) - 0.02 * (age - 50), 0, 20)
    bmi = np.clip(rng.normal(27 + 0.04 * (age - 50) - 0.25 * (exercise - 3), 4.5), 15, 55)
    bp = rng.normal(120 + 0.5 * (age - 50) + 0.9 * (bmi - 27) + 4 * smoker, 12)
    glucose = np.maximum(rng.normal(95 + 1.6 * (bmi - 27) + 0.25 * (age - 50), 15), 55)
    chol = rng.normal(195 + 0.6 * (age - 50) + 1.5 * (bmi - 27) + 8 * smoker - 2 * exercise, 30)
    heart = rng.normal(72 + 0.3 * (bmi - 27) + 4 * smoker - 1.5 * (exercise - 3), 9)
    risk = (0.9 * (age - 50) / 15 + 0.6 * (bp - 125) / 15 + 0.8 * np.maximum(glucose - 110, 0) / 15
            + 0.4 * (chol - 200) / 35 + 0.7 * smoker + 0.3 * (bmi - 27) / 5 - 0.3 * (exercise - 3) / 2)
    label = np.digitize(risk + rng.normal(0, 0.45, n), DIAGNOSIS_CUTS).astype(np.int64)
    severity = np.clip(10 * _sigmoid(1.2 * (risk - 0.8)) + rng.normal(0, 0.6, n), 0, 10)
    x = np.stack([np.round(age), np.round(bmi, 1), np.round(bp), np.round(glucose), np.round(chol),
                  np.round(heart), smoker, np.round(exercise, 1)], axis=1)
    targets = {
        "diagnosis": TargetInfo("diagnosis", CLASSIFICATION, list(DIAGNOSIS_CLASSES), 3),
        "severity": TargetInfo("severity", REGRESSION, [], 1),
    }
    ys = {"diagnosis": label, "severity": severity.astype(np.float32)}
    return RawData(x.astype(np.float32), ys, targets, list(DIAGNOSIS_FEATURES))


# --- fraud ------------------------------------------------------------------------------------

def _fraud_logit(amount, hour, merchant_risk, distance, tx24, online) -> np.ndarray:
    night = ((hour < 6) | (hour >= 23)).astype(np.float64)
    return (0.9 * np.log(amount / 30.0) + 1.2 * night + 4.0 * merchant_risk
            + 0.5 * np.log1p(distance) + 0.25 * tx24 + 0.6 * online)


def _intercept_for_rate(logit: np.ndarray, rate: float) -> float:
    """The intercept b with mean(sigmoid(logit + b)) == rate (bisection; the mean is monotone in b)."""
    lo, hi = -40.0, 40.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if _sigmoid(logit + mid).mean() < rate:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def fraud(params: dict, shifted: bool = False) -> RawData:
    """Card transactions with 6 features; target ``fraud`` (legit/fraud), about ``fraud_rate`` positive.

    Fraud is likelier for large amounts, night hours, risky merchants, far from home, after many
    transactions and online. Shifted: amounts are 1.8 times larger and 65% of purchases are
    online; with the same fraud model the share of fraud rises (a changed class balance).
    """
    n, rng = params["samples"], _rng(params, shifted)
    amount = np.round(rng.lognormal(3.5, 1.0, n), 2)
    day = rng.random(n) < 0.85
    hour = np.where(day, np.round(rng.normal(14.0, 4.0, n)) % 24, rng.integers(0, 24, n)).astype(np.float64)
    merchant_risk = np.round(rng.beta(2.0, 8.0, n), 3)
    distance = np.round(rng.lognormal(1.5, 1.0, n), 1)
    tx24 = rng.poisson(2.5, n).astype(np.float64)
    u_online = rng.random(n)
    online = (u_online < 0.4).astype(np.float64)
    # The intercept is fitted on the unshifted population, then kept for the shifted one.
    b = _intercept_for_rate(_fraud_logit(amount, hour, merchant_risk, distance, tx24, online),
                            params["fraud_rate"])
    if shifted:
        amount = np.round(amount * FRAUD_SHIFT_AMOUNT, 2)
        online = (u_online < FRAUD_SHIFT_ONLINE).astype(np.float64)
    p = _sigmoid(_fraud_logit(amount, hour, merchant_risk, distance, tx24, online) + b)
    y = (rng.random(n) < p).astype(np.int64)
    if y.sum() < 2:
        # Tiny samples with a tiny rate: make sure both classes exist so the set can be split.
        y[np.argsort(-p, kind="stable")[:2]] = 1
    x = np.stack([amount, hour, merchant_risk, distance, tx24, online], axis=1)
    info = TargetInfo("fraud", CLASSIFICATION, ["legit", "fraud"], 2)
    return RawData(x.astype(np.float32), {"fraud": y}, {"fraud": info}, list(FRAUD_FEATURES))


# --- demand -----------------------------------------------------------------------------------

WEEKLY = np.array([-0.6, -0.8, -0.4, 0.0, 0.6, 1.5, 0.9])  # Monday .. Sunday, thousand units


def demand_series(days: int, noise: float, rng: np.random.Generator, shifted: bool = False) -> np.ndarray:
    """Daily demand in thousand units: level 10, slow trend, weekly and yearly seasonality, noise.

    Shifted: the days that follow the original series, at a 35% higher level.
    """
    t = np.arange(days, dtype=np.float64) + (days if shifted else 0)
    series = (10.0 + 0.002 * t + WEEKLY[t.astype(np.int64) % 7]
              + 2.0 * np.sin(2 * math.pi * t / 365.25) + rng.normal(0.0, 5.0 * noise, days))
    return series * (DEMAND_SHIFT_LEVEL if shifted else 1.0)


def demand(params: dict, shifted: bool = False) -> RawData:
    """Predict tomorrow's demand from the last ``lags`` days; splits keep time order."""
    lags, days = params["lags"], params["days"]
    if days - lags < 20:
        raise DataError("data.params.days", f"{days} days leave only {max(days - lags, 0)} samples with lags={lags}; "
                                            f"use at least {lags + 20} days or fewer lags")
    series = demand_series(days, params["noise"], _rng(params, shifted), shifted)
    # Row i holds days i .. i+lags-1 (oldest first) and predicts day i+lags.
    windows = np.lib.stride_tricks.sliding_window_view(series, lags + 1)
    x, y = windows[:, :lags], windows[:, lags]
    names = [f"lag_{k}" for k in range(lags, 0, -1)]
    info = TargetInfo("demand", REGRESSION, [], 1)
    return RawData(np.ascontiguousarray(x, dtype=np.float32), {"demand": y.astype(np.float32)},
                   {"demand": info}, names, ordered=True)
