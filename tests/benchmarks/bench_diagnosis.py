"""Diagnosis benchmark: LossLab's findings against labelled real runs (see ``diagnosis_scenarios``).

Run: ``python -m pytest tests/benchmarks/bench_diagnosis.py -m benchmark -s`` (about 3-5 minutes on two
shared cores; ``LOSSLAB_BENCH_SEEDS=0,1,2,3,4`` for more). Prints, per label: runs, runs whose label the
independent check confirmed, agreement (the expected finding present and no other warning or error;
for healthy runs no finding of any severity); false alarms on healthy runs; the error of the
overfitting finding's best epoch and rise start against the big-sample truth; and whether repeating
one run per family under a CPU hog (a busy subprocess) gives the same status and findings.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict

import pytest

from tests.benchmarks.diagnosis_scenarios import agrees, onset_errors, run_scenario, scenarios

HOG = "import time\nend = time.time() + 600\nwhile time.time() < end:\n    pass\n"


def _seeds() -> tuple[int, ...]:
    return tuple(int(s) for s in os.environ.get("LOSSLAB_BENCH_SEEDS", "0,1,2").split(","))


@pytest.mark.benchmark
def test_diagnosis_agrees_with_labelled_runs():
    t0 = time.perf_counter()
    outcomes = [run_scenario(s) for s in scenarios(_seeds())]
    by_label: dict[str, list] = defaultdict(list)
    for o in outcomes:
        by_label[o.scenario.group].append(o)

    print(f"\n{len(outcomes)} runs in {time.perf_counter() - t0:.0f} s, seeds {_seeds()}\n")
    print("| family | label | runs | label confirmed | agreement |")
    print("|---|---|---|---|---|")
    confirmed_all = agreeing_all = 0
    for label, group in by_label.items():
        confirmed = [o for o in group if o.truth is not None]
        agreeing = [o for o in confirmed if agrees(o)]
        confirmed_all += len(confirmed)
        agreeing_all += len(agreeing)
        truths = sorted({o.truth for o in confirmed})
        share = f"{100 * len(agreeing) / len(confirmed):.0f}%" if confirmed else "–"
        print(f"| {label} | {group[0].scenario.label} (truth: {', '.join(truths) or '–'}) | {len(group)} | "
              f"{len(confirmed)} | {len(agreeing)}/{len(confirmed)} = {share} |")
    print(f"\nAll: {agreeing_all}/{confirmed_all} = {100 * agreeing_all / max(1, confirmed_all):.1f}% agreement")

    healthy = [o for o in outcomes if o.scenario.label == "healthy" and o.truth == "healthy"]
    alarms = [o for o in healthy if o.findings]
    print(f"False alarms on healthy runs (any severity): {len(alarms)}/{len(healthy)}")
    for family in sorted({o.scenario.family for o in outcomes if o.scenario.label == "overfitting"}):
        errors = [e for e in (onset_errors(o) for o in outcomes if o.scenario.family == family) if e is not None]
        if not errors:
            continue
        best = [abs(e[0]) for e in errors]
        rise = [abs(e[1]) for e in errors]
        excess = [e[2] for e in errors]
        band = [e[3] for e in errors]
        print(f"{family}: best-epoch error mean {statistics.mean(best):.1f}, max {max(best)}, "
              f"within ±2 in {sum(b <= 2 for b in best)}/{len(best)}; rise-start error mean "
              f"{statistics.mean(rise):.1f}, max {max(rise)}, within ±2 in {sum(r <= 2 for r in rise)}/{len(rise)}; "
              f"big-sample loss at the found best epoch {statistics.mean(excess):.1f}% above the true best "
              f"(max {max(excess):.1f}%); found best epoch within ±2 of the true ±1% near-minimum band in "
              f"{sum(b <= 2 for b in band)}/{len(band)}")
        print("    (found − truth) best, rise: " + ", ".join(f"({e[0]:+d}, {e[1]:+d})" for e in errors))
    print("\nDisagreements and unconfirmed labels:")
    for o in outcomes:
        if o.truth is None or not agrees(o):
            kinds = ", ".join(f"{f['kind']}({f['severity']})" for f in o.findings) or "none"
            print(f"  {o.scenario.name}: truth {o.truth} ({o.why}); status {o.result.status}; found {kinds}")

    # Repeat-run identity: one run per family again, this time beside a busy process.
    firsts = {}
    for o in outcomes:
        firsts.setdefault(o.scenario.group, o)
    hog = subprocess.Popen([sys.executable, "-c", HOG])
    try:
        again = {label: run_scenario(o.scenario) for label, o in firsts.items()}
    finally:
        hog.kill()
        hog.wait()
    same = [label for label, o in firsts.items() if again[label].signature() == o.signature()]
    print(f"\nRepeat-run identity under a CPU hog: {len(same)}/{len(firsts)} families identical "
          "(status and every finding's fields)")
    assert len(same) == len(firsts), sorted(set(firsts) - set(same))
    assert confirmed_all > 0
