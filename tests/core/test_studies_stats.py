"""The statistics and scores behind a study table, on known numbers: Holm-Bonferroni, Welch's interval,
the end-of-run score, the early-dip rule, the table's words (no trials run here)."""
from __future__ import annotations

import json
import math

import pytest

from core.studies.results import summarize
from core.studies.scores import early_window, end_value, score_run
from core.studies.stats import holm, pairwise_holm, welch


def test_holm_on_known_p_values():
    # sorted 0.005, 0.01, 0.03, 0.04 (m = 4): x4, x3, x2, x1 = 0.02, 0.03, 0.06, 0.04 -> running max 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, None, 0.01]) == [pytest.approx(0.5), None, pytest.approx(0.02)]   # None is not a test
    assert holm([0.4, 0.6]) == pytest.approx([0.8, 0.8])        # capped and non-decreasing
    assert holm([0.9, 0.9, 0.9]) == pytest.approx([1.0, 1.0, 1.0])
    assert holm([]) == []
    # never below the raw p-value, never above Bonferroni's m * p
    ps = [0.001, 0.2, 0.03, 0.049, 0.7]
    for raw, adj in zip(ps, holm(ps)):
        assert raw <= adj <= min(1.0, len(ps) * raw)


def test_welch_interval_and_p_on_known_samples():
    a, b = [5.1, 4.9, 5.6, 5.8, 6.0], [4.0, 4.4, 4.1, 3.9]
    c = welch(a, b)
    # by hand: means 5.48 and 4.1, variances 0.217 and 0.04667 -> se^2 = 0.0434 + 0.011667 = 0.055067;
    # df = se^4 / (0.0434^2/4 + 0.011667^2/3) = 5.8737; t(0.975, 5.8737) = 2.4567
    assert c.difference == pytest.approx(1.38)
    assert c.df == pytest.approx(5.8737, abs=1e-3)
    half = 2.4567 * math.sqrt(0.055067)
    assert c.ci95 == pytest.approx((1.38 - half, 1.38 + half), abs=2e-3)
    from scipy import stats
    ref = stats.ttest_ind(a, b, equal_var=False)
    assert c.p_value == pytest.approx(ref.pvalue)
    lo, hi = ref.confidence_interval(0.95)
    assert c.ci95 == pytest.approx((lo, hi))
    assert c.p_value < 0.05 and c.ci95[0] > 0                  # the interval excludes 0 exactly when p < 0.05


def test_welch_edge_cases():
    assert welch([1.0], [1.0, 2.0]) is None                     # no spread on one side: no test
    same = welch([0.3, 0.3], [0.3, 0.3])
    assert same.p_value == 1.0 and same.ci95 == (0.0, 0.0)
    apart = welch([0.3, 0.3], [0.5, 0.5])
    assert apart.p_value == 0.0 and apart.difference == pytest.approx(-0.2)
    one_sided = welch([1.0, 1.0, 1.0], [1.0, 2.0, 3.0])        # df falls back to the side with spread
    assert one_sided.df == pytest.approx(2.0)


def test_pairwise_holm_counts_every_testable_pair():
    adjusted, m = pairwise_holm([[1.0, 1.1, 0.9], [2.0, 2.1, 1.9], [1.0, 1.2, 0.8], [5.0]])
    assert m == 3 and set(adjusted) == {(0, 1), (0, 2), (1, 2)}
    assert adjusted[(0, 2)] == pytest.approx(1.0)


def test_the_end_score_and_the_early_dip_rule():
    assert end_value([5, 4, 3, 2, 1, 1, 1]) == pytest.approx(1.6)     # the last five epochs
    assert end_value([0.4, 0.2]) == pytest.approx(0.3)                # a shorter run: all of it
    assert end_value([0.4, float("nan")]) is None                     # blew up at the end: not scored
    assert early_window(10) == 3 and early_window(30) == 3 and early_window(200) == 20
    # the case: lowest 0.029 at epoch 2, then about 0.3 to the end
    dip = score_run([0.3, 0.029, 0.1, 0.25, 0.3, 0.31, 0.29, 0.3, 0.32, 0.3])
    assert dip.early_dip and dip.lowest == pytest.approx(0.029) and dip.lowest_epoch == 2
    steady = score_run([0.9, 0.5, 0.3, 0.2, 0.15, 0.12, 0.11, 0.1, 0.1, 0.1])
    assert not steady.early_dip and steady.lowest_epoch == 8
    noisy_flat = score_run([0.2, 0.19, 0.21, 0.2, 0.22, 0.2, 0.21, 0.2])   # early low, ends 5% above: not a dip
    assert not noisy_flat.early_dip
    late = score_run([1.0] * 10 + [0.1] + [0.3] * 9)                 # lowest at epoch 11 of 20: not early
    assert not late.early_dip
    assert not score_run([0.1, 0.5, 0.6]).early_dip                  # too short to tell
    assert score_run([-1.0, -0.2, -0.2, -0.2, -0.2, -0.2, -0.2]).early_dip   # a negative NLL rising by 0.8


def _outcome(lr, seed, end, lowest=None, epoch=10, dip=False):
    return {"index": 0, "setting": {"lr": lr}, "seed": seed, "status": "completed", "run_id": f"r{lr}{seed}",
            "end_val_loss": end, "best_val_loss": end if lowest is None else lowest, "best_epoch": epoch,
            "early_dip": dip, "final_train_loss": end, "seconds": 1.0}


def test_the_table_ranks_by_the_end_not_by_a_lucky_low_and_says_so_in_words():
    outcomes = ([_outcome(0.01, s, v) for s, v in enumerate((0.10, 0.11, 0.12))]
                + [_outcome(0.1, s, v, lowest=0.03, epoch=2, dip=True) for s, v in enumerate((0.30, 0.35, 0.28))]
                + [_outcome(0.001, s, v) for s, v in enumerate((0.115, 0.125, 0.105))])
    result = summarize("s", ["lr"], [{"lr": 0.001}, {"lr": 0.01}, {"lr": 0.1}], outcomes)
    slow, best, dip = result.rows
    assert best.is_best and best.setting == {"lr": 0.01}             # not lr=0.1, whose lowest is 0.03
    assert dip.dip_flagged and dip.mean["best_val_loss"] < best.mean["best_val_loss"]
    assert dip.difference_vs_best == pytest.approx(0.31 - 0.11)
    lo, hi = dip.ci95
    assert lo > 0 and lo < dip.difference_vs_best < hi
    assert result.comparisons == 3
    assert dip.p_value_adjusted >= dip.p_value_vs_best
    assert slow.differs is False and "not distinguishable from the best (p = " in result.to_json()["rows"][0]["verdict"]
    doc = json.loads(json.dumps(result.to_json()))
    assert doc["score"] == "end_val_loss" and "last 5 epochs" in doc["score_description"]
    assert doc["correction"]["method"] == "Holm-Bonferroni" and doc["correction"]["comparisons"] == 3
    row = doc["rows"][2]
    assert {"difference_vs_best", "ci95", "p_value_vs_best", "p_value_adjusted"} <= set(row)
    assert row["early_dip"] == {"runs": 3, "of": 3, "flagged": True}
    assert "Early dip: lr=0.1: 3 of 3 runs" in doc["sentence"]
    from core.studies.report import as_table
    from core.studies.report import table_rows
    head, cells = table_rows(result)
    assert "same" not in {row[5] for row in cells} and not any("Welch" in h for h in head)
    assert "validation loss at the end" in head and "vs the best" in head
    assert cells[2][5] == "worse (p = " + cells[2][5].split("p = ")[1]      # the header says "vs the best"


def test_one_seed_prints_no_sd_and_no_test():
    outcomes = [{"setting": {"lr": lr}, "seed": 0, "status": "completed", "end_val_loss": v, "best_val_loss": v,
                 "seconds": 0.1, "final_train_loss": v, "run_id": f"r{lr}"} for lr, v in ((0.1, 0.5), (0.01, 0.4))]
    result = summarize("s", ["lr"], [{"lr": 0.1}, {"lr": 0.01}], outcomes)
    from core.studies import sentence
    from core.studies.report import as_table
    text = as_table(result)
    assert "±" not in text and "0.5" in text
    assert "±" not in sentence(result) and "too few seeds to tell" in sentence(result)
    assert result.rows[0].p_value_adjusted is None and result.rows[0].difference_vs_best == pytest.approx(0.1)
