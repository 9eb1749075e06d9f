"""``data.exclude``: named samples leave the training split only (tables by file row, image folders by
path, generated sets by index), the name survives reloads, the project file, the run store and
``losslab check``; bad identifiers name their JSON path; the py export refuses rather than differ."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.data import DataError, load_dataset
from core.data.exclude import sample_ids
from core.export import export
from core.export.errors import ExportError
from core.project import Project, ProjectError
from tests.core.cli_run import run
from tests.core.test_image_folder import make_folder

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "resources" / "examples"


@pytest.fixture(autouse=True)
def _own_home(tmp_path, monkeypatch):
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path / "home"))


def _csv(path: Path, n: int = 60) -> Path:
    """A table whose column ``id`` holds each data row's number in the file (1 = under the header)."""
    rng = np.random.default_rng(3)
    lines = ["id,a,b,label"] + [f"{r},{rng.normal():.4f},{rng.normal():.4f},{'yes' if r % 3 else 'no'}"
                                for r in range(1, n + 1)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_table_drops_exactly_the_named_file_rows_from_training_only(tmp_path):
    _csv(tmp_path / "t.csv")
    spec = {"source": "csv", "path": "t.csv", "target": "label", "normalize": False}
    full = load_dataset(spec, tmp_path)
    ids = sample_ids(full, "train")
    # the row number is the file's: the id column (unnormalized, feature "id") says the same
    col = full.feature_names.index("id")
    assert [int(v) for v in full.x_train[:, col].tolist()] == ids
    train_rows, val_rows = ids[:4], sample_ids(full, "val")[:2]
    cut = load_dataset({**spec, "exclude": train_rows + val_rows + [999]}, tmp_path)
    assert cut.excluded == 4 and cut.n_train == full.n_train - 4 and cut.n_val == full.n_val
    assert sorted(sample_ids(cut, "train")) == sorted(set(ids) - set(train_rows))
    assert sample_ids(cut, "val") == sample_ids(full, "val")            # validation untouched
    left = {int(v) for v in cut.x_train[:, col].tolist()}
    assert left.isdisjoint(train_rows) and len(left) == cut.n_train


def test_an_image_folder_drops_the_named_files_and_a_generated_set_its_indices(tmp_path):
    make_folder(tmp_path / "pics", per_class=8)
    spec = {"source": "images", "path": "pics", "params": {"size": 8}}
    full = load_dataset(spec, tmp_path)
    gone = full.image_files["train"][:3]
    cut = load_dataset({**spec, "exclude": gone}, tmp_path)
    assert cut.excluded == 3 and cut.n_train == full.n_train - 3 and cut.n_val == full.n_val
    assert set(cut.image_files["train"]) == set(full.image_files["train"]) - set(gone)
    keep = [full.image_files["train"].index(f) for f in cut.image_files["train"]]
    assert np.array_equal(cut.x_train.numpy(), full.x_train[keep].numpy())   # same pixels, same scaling

    spiral = {"source": "spiral", "seed": 4}
    a = load_dataset(spiral)
    named = [int(i) for i in a.index_train[[0, 7, 9]]]
    b = load_dataset({**spiral, "exclude": named})
    assert b.n_train == a.n_train - 3 and b.n_val == a.n_val and b.excluded == 3
    assert set(b.index_train.tolist()) == set(a.index_train.tolist()) - set(named)
    # the same sample keeps its index under a subset by class as well
    sub = load_dataset({**spiral, "exclude": named, "per_class": 20})
    assert set(sub.index_train.tolist()).isdisjoint(named) and sub.index_train.size == 20 * next(iter(sub.targets.values())).width


def test_bad_identifiers_name_their_place(tmp_path):
    make_folder(tmp_path / "pics", per_class=4)
    with pytest.raises(DataError, match=r"data.exclude\[1\].*file path"):
        load_dataset({"source": "images", "path": "pics", "params": {"size": 8}, "exclude": ["blue/x.png", 3]},
                     tmp_path)
    _csv(tmp_path / "t.csv", 10)
    with pytest.raises(DataError, match=r"data.exclude\[0\].*counted from 1"):
        load_dataset({"source": "csv", "path": "t.csv", "target": "label", "exclude": [0]}, tmp_path)
    with pytest.raises(DataError, match="excludes all"):
        ds = load_dataset({"source": "spiral"})
        load_dataset({"source": "spiral", "exclude": [int(i) for i in ds.index_train]})
    doc = json.loads((EXAMPLES / "xor.losslab.json").read_text())
    doc["data"]["exclude"] = [1, True]
    with pytest.raises(ProjectError) as e:
        Project.from_dict(doc)
    assert e.value.where == "data.exclude[1]"
    doc["data"]["exclude"] = "3"
    with pytest.raises(ProjectError, match="expected a list"):
        Project.from_dict(doc)


def test_exclude_round_trips_through_the_file_check_the_run_store_and_py_export_refuses(tmp_path):
    doc = json.loads((EXAMPLES / "xor.losslab.json").read_text())
    doc["training"]["epochs"] = 1
    plain = Project.from_dict(doc, tmp_path)
    ds = load_dataset(plain.data)
    named = [int(i) for i in ds.index_train[:5]] + [int(ds.index_val[0])]
    doc["data"]["exclude"] = named
    path = tmp_path / "clean.losslab.json"
    Project.from_dict(doc, tmp_path).save(path)
    back = Project.load(path)
    assert back.data.exclude == named and json.loads(path.read_text())["data"]["exclude"] == named
    code, lines = run("check", path)
    assert code == 0 and any("excluded 5 training samples (data.exclude" in line for line in lines)
    code, lines = run("train", path, "--quiet", "--threads", "1")
    assert code == 0
    from core.runs import open_store
    run_id = lines[0].split()[3]
    assert open_store(tmp_path / "home").get(run_id).project["data"]["exclude"] == named
    with pytest.raises(ExportError, match="data.exclude"):
        export(back, "py", tmp_path / "clean.py")
    assert not (tmp_path / "clean.py").exists()
