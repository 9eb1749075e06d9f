"""The project file: round trips, atomic saves, and refusals that name the JSON path."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.project import Project, ProjectError

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "resources" / "examples").glob("*.losslab.json"))


def _spiral_doc() -> dict:
    return json.loads(next(p for p in EXAMPLES if p.name.startswith("spiral")).read_text())


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_round_trips(path, tmp_path):
    project = Project.load(path)
    out = tmp_path / "copy.losslab.json"
    project.save(out)
    assert Project.load(out).to_dict() == project.to_dict()
    assert json.loads(out.read_text())["format"] == "losslab-project"


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path):
    project = Project.from_dict(_spiral_doc())
    target = tmp_path / "p.losslab.json"
    project.save(target)
    project.name = "renamed"
    project.save(target)
    assert [p.name for p in tmp_path.iterdir()] == ["p.losslab.json"]
    assert Project.load(target).name == "renamed"


def test_view_state_is_kept_but_ignored_by_the_engine():
    doc = _spiral_doc()
    doc["view"] = {"nodes": {"fc1": [10, 20]}, "zoom": 1.5}
    assert Project.from_dict(doc).to_dict()["view"] == doc["view"]


@pytest.mark.parametrize("mutate, where, words", [
    (lambda d: d["model"]["nodes"][1]["params"].update(out_features=-3), "model.nodes[1].params.out_features",
     "received out_features=-3"),
    (lambda d: d["model"]["nodes"][1].update(type="Linaer"), "model.nodes[1].type", "unknown layer 'Linaer'"),
    (lambda d: d["model"]["nodes"][2].update(type="Relu"), "model.nodes[2].type",
     "unknown layer 'Relu' (did you mean 'ReLU'?)"),
    (lambda d: d["model"]["nodes"][2].update(params={"inplace": True}), "model.nodes[2].params.inplace", "no parameter"),
    (lambda d: d["training"].update(epochs=0), "training.epochs", "received epochs=0"),
    (lambda d: d["training"]["optimizer"].update(type="Adamm"), "training.optimizer.type", "unknown optimizer"),
    (lambda d: d["training"]["optimizer"]["params"].update(lr="fast"), "training.optimizer.params.lr", "received lr='fast'"),
    (lambda d: d["outputs"][0].update(node="nowhere"), "outputs[0].node", "no node"),
    (lambda d: d["outputs"][0]["loss"].update(type="MSE"), "outputs[0].loss.type", "unknown loss"),
    (lambda d: d["model"]["edges"].append(["fc1", "ghost"]), "model.edges[5]", "unknown node 'ghost'"),
    (lambda d: d["model"]["nodes"].append({"id": "fc1", "type": "ReLU"}), "model.nodes[6].id", "duplicate node id"),
    (lambda d: d.update(version=7), "version", "update LossLab"),
    (lambda d: d.update(format="something-else"), "format", "not a LossLab project"),
    (lambda d: d["data"].update(source="mnist"), "data.source", "unknown data source"),
    (lambda d: d["data"]["params"].update(noise=3), "data.params.noise", "received noise=3"),
    (lambda d: d["training"].update(colour="blue"), "training.colour", "unknown key"),
    (lambda d: d["training"].update(device="tpu"), "training.device", "received \"tpu\""),
])
def test_bad_documents_are_refused_naming_the_json_path(mutate, where, words):
    doc = _spiral_doc()
    mutate(doc)
    with pytest.raises(ProjectError) as info:
        Project.from_dict(doc)
    assert info.value.where == where
    assert words in str(info.value)


def test_broken_json_names_line_and_column(tmp_path):
    bad = tmp_path / "bad.losslab.json"
    bad.write_text('{\n  "format": "losslab-project",\n  "version": 1,\n  "name": oops\n}\n')
    with pytest.raises(ProjectError) as info:
        Project.load(bad)
    assert "line 4, column 11" in str(info.value)


@pytest.mark.parametrize("text, place, says", [
    ('{\n  "format": "losslab-project",\n  "version": 1\n  "name": "x"\n}\n', "line 4, column 3",
     "probably a comma missing at the end of line 3"),
    ('{\n  "format": "losslab-project",\n  "version": 1,\n\n}\n', "line 5, column 1",
     "probably a comma after the last item on line 3, which JSON does not allow"),
    ('{"format": "losslab-project", "tags": [1, 2, ]}', "line 1, column 46", "comma after the last item on line 1"),
])
def test_broken_json_says_the_usual_slip_behind_the_place_the_parser_noticed(tmp_path, text, place, says):
    """The parser notices a missing comma on the next line, and a trailing one at the closing bracket:
    the message names where it noticed, and the line to fix."""
    bad = tmp_path / "bad.losslab.json"
    bad.write_text(text)
    with pytest.raises(ProjectError) as info:
        Project.load(bad)
    assert place in str(info.value) and says in str(info.value)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ProjectError, match="no such file"):
        Project.load(tmp_path / "nothing.losslab.json")
