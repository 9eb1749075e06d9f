"""The small-data preset as a person runs it: scratch against each helper that can apply to the project,
the helpers that cannot listed with the reason, and each helper compared with scratch over the seeds
(Welch's interval, Holm over the helpers, Hedges' g)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.cli import main
from core.data import load_dataset
from core.project import Project
from core.studies import PRESETS, KnobError, apply_setting, preset_studies
from core.studies.stats import hedges_g
from core.studies.versus import versus_baseline

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "resources" / "examples"
DIGITS_FEW = EXAMPLES / "digits-few.losslab.json"
pytestmark = pytest.mark.xdist_group("worker_pool")


def _load(name: str, edit=None) -> tuple[Project, object]:
    doc = json.loads((EXAMPLES / name).read_text())
    if edit:
        edit(doc)
    project = Project.from_dict(doc, EXAMPLES)
    return project, load_dataset(project.data, project.base_dir)


def _projects(project: Project, vary: dict) -> dict[str, Project]:
    doc = project.to_dict()
    return {h: Project.from_dict(apply_setting(doc, {"helper": h}), EXAMPLES) for h in vary["helper"]}


def test_on_digits_few_scratch_augmentation_and_transfer_each_change_only_their_part():
    project, data = _load("digits-few.losslab.json")
    study, *skipped = preset_studies("small-data", project, data)
    assert study.vary == {"helper": ["scratch", "augmentation", "transfer"]}
    assert study.baseline == {"helper": "scratch"}
    assert [(s.title, s.vary) for s in skipped] == [("pseudo-labels", {})]
    assert "every training row has a label" in skipped[0].skipped
    p = _projects(project, study.vary)
    inits = {h: [n.id for n in q.model.nodes if n.init] for h, q in p.items()}
    assert inits == {"scratch": [], "augmentation": [], "transfer": ["conv1", "conv2"]}
    assert {h: q.data.augment for h, q in p.items()} == {
        "scratch": {}, "augmentation": {"shift": 1, "rotate": 10.0}, "transfer": {}}   # the project's own
    assert "the project's: shift 1, rotate 10.0" in study.notes[0]


def test_a_table_without_transfer_gets_default_augmentation_and_pseudo_labels_on_hidden_labels():
    def hide(doc):
        doc["training"]["pseudo_labels"] = {"threshold": 0.9, "rounds": 2, "label_fraction": 0.2}
    project, data = _load("fraud.losslab.json", hide)
    study, *skipped = preset_studies("small-data", project, data)
    assert study.vary == {"helper": ["scratch", "augmentation", "pseudo-labels"]}
    assert [s.title for s in skipped] == ["transfer"] and "init" in skipped[0].skipped
    p = _projects(project, study.vary)
    assert p["augmentation"].data.augment == {"noise": 0.1, "mixup": 0.2}
    # scratch keeps the hidden labels (0 rounds), so both learn from the same labelled rows
    assert p["scratch"].training.pseudo_labels.to_dict() == {"threshold": 0.9, "rounds": 0, "label_fraction": 0.2}
    assert p["pseudo-labels"].training.pseudo_labels.to_dict() == {"threshold": 0.9, "rounds": 2, "label_fraction": 0.2}
    assert p["augmentation"].training.pseudo_labels.rounds == 0


def test_a_regression_target_skips_pseudo_labels_with_the_reason():
    project, data = _load("sine.losslab.json")
    study, *skipped = preset_studies("small-data", project, data)
    assert study.vary == {"helper": ["scratch", "augmentation"]}
    why = dict((s.title, s.skipped) for s in skipped)
    assert "not a class" in why["pseudo-labels"] and "init" in why["transfer"]
    with pytest.raises(KnobError, match="helper=transfer: no node takes its starting weights"):
        apply_setting(project.to_dict(), {"helper": "transfer"})


def test_the_effect_size_and_the_holm_family_against_scratch():
    assert hedges_g([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]) == 0.0
    # means differ by 2, pooled sd 1: d = 2, Hedges' correction 1 - 3/(4*4 - 1) = 0.8
    assert hedges_g([3.0, 4.0, 5.0], [1.0, 2.0, 3.0]) == pytest.approx(1.6)
    assert hedges_g([1.0], [1.0, 2.0]) is None

    class R:
        def __init__(self, h, scores):
            self.setting, self.scores, self.n = {"helper": h}, scores, len(scores)
    rows = [R("scratch", [1.0, 1.1, 0.9]), R("augmentation", [0.5, 0.6, 0.4]), R("transfer", [1.0, 1.2, 0.8])]
    aug, tr = versus_baseline(rows, {"helper": "scratch"})
    assert aug.difference == pytest.approx(-0.5) and aug.effect < -3 and aug.verdict("scratch") == "lower than scratch"
    assert aug.p_adjusted == pytest.approx(2 * aug.p_value)         # the smaller of two: times 2
    assert tr.verdict("scratch") == "not distinguishable from scratch" and tr.p_adjusted >= aug.p_adjusted


def test_the_cli_runs_the_preset_on_digits_few_and_reports_each_helper_against_scratch(capsys):
    assert "small-data" in PRESETS
    from core.cli.sweep import STUDY_PRESETS
    assert set(STUDY_PRESETS) == set(PRESETS) - {"learning-curve"}
    lines: list[str] = []
    code = main(["sweep", str(DIGITS_FEW), "--preset", "small-data", "--seeds", "2", "--epochs", "2",
                 "--no-store", "--format", "json"], out=lines.append)
    assert code == 0
    doc = json.loads(lines[-1])
    assert doc["preset"] == "small-data"
    (study,) = doc["studies"]
    assert [r["setting"]["helper"] for r in study["rows"]] == ["scratch", "augmentation", "transfer"]
    assert all(r["n"] == 2 for r in study["rows"])
    assert study["baseline"] == {"helper": "scratch"}
    versus = {v["setting"]["helper"]: v for v in study["versus_baseline"]}
    assert set(versus) == {"augmentation", "transfer"}
    for v in versus.values():
        assert v["p_value_adjusted"] is not None and v["p_value_adjusted"] >= v["p_value"]
        assert v["effect_size"] is not None and v["ci95"][0] <= v["difference"] <= v["ci95"][1]
    assert any(n.startswith("transfer against scratch: ") and "Holm p = " in n and "effect size g = " in n
               for n in study["notes"])
    assert "skipped pseudo-labels: every training row has a label" in capsys.readouterr().err
    assert any(n.startswith("pseudo-labels not tried: every training row has a label") for n in study["notes"])
