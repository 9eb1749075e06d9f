"""Augmentation of training batches and the class subsets of small-data projects."""
from __future__ import annotations

import json

import pytest
import torch

from core.data import load_dataset
from core.data.augment import Augmenter, column_spread
from core.project import Project, ProjectError
from core.training import prepare, train


def digits(**data) -> dict:
    return {"format": "losslab-project", "version": 1, "name": "d",
            "data": {"source": "digits", **data},
            "model": {"nodes": [{"id": "input", "type": "Input"}, {"id": "flat", "type": "Flatten"},
                                {"id": "out", "type": "Linear", "params": {"out_features": 3}}],
                      "edges": [["input", "flat"], ["flat", "out"]]},
            "outputs": [{"node": "out", "loss": {"type": "CrossEntropyLoss"}}],
            "training": {"epochs": 2, "batch_size": 16}}


def table(**data) -> dict:
    return {"format": "losslab-project", "version": 1, "name": "t",
            "data": {"source": "diagnosis", "params": {"samples": 300}, "target": "diagnosis", **data},
            "model": {"nodes": [{"id": "input", "type": "Input"},
                                {"id": "out", "type": "Linear", "params": {"out_features": 3}}],
                      "edges": [["input", "out"]]},
            "outputs": [{"node": "out", "loss": {"type": "CrossEntropyLoss"}}],
            "training": {"epochs": 2, "batch_size": 32}}


SUBSET = {"classes": ["3", "5", "8"], "per_class": 10}


def test_classes_and_per_class_keep_those_classes_relabelled_and_n_training_rows_each():
    ds = load_dataset(Project.from_dict(digits(**SUBSET)).data)
    assert ds.targets["digit"].classes == ["3", "5", "8"] and ds.targets["digit"].width == 3
    assert torch.bincount(ds.y_train["digit"]).tolist() == [10, 10, 10]
    full = load_dataset(Project.from_dict(digits()).data)
    assert ds.n_val == int(sum((full.y_val["digit"] == c).sum() for c in (3, 5, 8)))   # validation keeps all
    again = load_dataset(Project.from_dict(digits(**SUBSET)).data)
    assert torch.equal(ds.x_train, again.x_train)                                        # seeded
    other = load_dataset(Project.from_dict(digits(**SUBSET, seed=1)).data)
    assert not torch.equal(ds.x_train, other.x_train)
    assert abs(float(ds.x_train.mean())) < 1e-4   # normalized on the rows that remain


def test_an_unknown_class_is_named():
    from core.data.errors import DataError
    with pytest.raises(DataError, match="no class '11'"):
        load_dataset(Project.from_dict(digits(classes=["1", "11"])).data)


def test_image_augmentation_is_seeded_changes_the_batch_and_keeps_its_shape():
    x = load_dataset(Project.from_dict(digits(**SUBSET)).data).x_train
    spec = {"shift": 1, "rotate": 10, "scale": 0.1, "cutout": 2, "noise": 0.1}
    a, b = Augmenter(spec, x, seed=3), Augmenter(spec, x, seed=3)
    out_a, _ = a(x[:16])
    out_b, _ = b(x[:16])
    assert out_a.shape == x[:16].shape and torch.equal(out_a, out_b)
    assert not torch.equal(out_a, x[:16])
    assert not torch.equal(Augmenter(spec, x, seed=4)(x[:16])[0], out_a)


def test_a_shift_moves_whole_pixels_and_no_flip_unless_asked():
    x = torch.zeros(64, 1, 8, 8)
    x[:, :, 3:5, 3:5] = 1.0
    out, _ = Augmenter({"shift": 1}, x, seed=0)(x)
    for img in out:
        ys, xs = torch.nonzero(img[0] > 0.5, as_tuple=True)
        assert len(ys) == 4 and 2 <= int(ys.min()) <= 4 and 2 <= int(xs.min()) <= 4   # moved at most one pixel
    asym = torch.zeros(64, 1, 8, 8)
    asym[:, :, :, :2] = 1.0                     # ink on the left: a horizontal flip moves it right
    kept, _ = Augmenter({"noise": 0.0, "rotate": 0.0}, asym, seed=0)(asym)
    assert torch.equal(kept, asym)
    flipped, _ = Augmenter({"flip": "horizontal"}, asym, seed=0)(asym)
    moved = flipped[:, 0, 0, -1] > 0.5
    assert 0 < int(moved.sum()) < 64            # about half of them


def test_a_shift_uncovers_background_not_a_copy_of_a_stroke_on_the_edge():
    # normalized digits: the background is -0.8, not 0; a stroke along the top edge (as an 8x8 digit
    # often has) must move down, not be repeated into a second stroke
    x = torch.full((64, 1, 8, 8), -0.8)
    x[:, :, 0, 2:6] = 2.0
    out, _ = Augmenter({"shift": 1}, x, seed=0)(x)
    ink = (out[:, 0] > 0.5).sum(dim=(1, 2))
    assert int(ink.max()) <= 4                                  # never more ink than there was
    down = out[:, 0, 1, 3] > 0.5                                # those moved down one row
    assert int(down.sum()) > 0
    assert torch.allclose(out[down, 0, 0, :], torch.full_like(out[down, 0, 0, :], -0.8))   # row 0 uncovered
    assert float(out.min()) >= -0.8 - 1e-6                      # no pixel darker than the background


def test_table_noise_follows_each_columns_spread_and_spares_yes_no_columns():
    ds = load_dataset(Project.from_dict(table()).data)
    spread = column_spread(ds.x_train)
    binary = [i for i in range(ds.x_train.shape[1]) if ds.x_train[:, i].unique().numel() <= 2]
    assert binary, "the diagnosis table has yes/no columns (smoking, exercise)"
    assert all(float(spread[0, i]) == 0 for i in binary)
    x = ds.x_train[:256]
    out, _ = Augmenter({"noise": 0.5}, ds.x_train, seed=0)(x)
    diff = (out - x).std(dim=0)
    numeric = [i for i in range(x.shape[1]) if i not in binary]
    assert numeric and all(0.3 < float(diff[i] / spread[0, i]) < 0.7 for i in numeric)


def test_only_training_batches_are_augmented_and_the_run_is_reproducible():
    p = Project.from_dict(digits(**SUBSET, augment={"shift": 1, "noise": 0.2}))
    setup = prepare(p)
    x_train, x_val = setup.x_train.clone(), setup.x_val.clone()
    seen = []
    orig = setup.model.forward

    def spy(x):
        seen.append(x.detach().clone())
        return orig(x)
    setup.model.forward = spy
    r1 = train(p, setup=setup, diagnose=False, health=False)
    assert torch.equal(setup.x_train, x_train) and torch.equal(setup.x_val, x_val)   # the data never changes
    val_batches = [b for b in seen if b.shape == x_val.shape and torch.equal(b, x_val)]
    assert val_batches, "validation saw the data as it is"
    train_rows = {tuple(r.flatten().tolist()) for r in x_train}
    train_batches = [b for b in seen if b.shape[0] <= 16]
    assert train_batches and all(tuple(r.flatten().tolist()) not in train_rows for b in train_batches for r in b)
    r2 = train(p, diagnose=False, health=False)
    assert [h.val_loss for h in r1.history] == [h.val_loss for h in r2.history]
    r3 = train(Project.from_dict(digits(**SUBSET)), diagnose=False, health=False)
    assert [h.val_loss for h in r3.history] != [h.val_loss for h in r1.history]


def test_mixup_blends_the_losses_of_both_targets():
    p = Project.from_dict(table(augment={"mixup": 0.4}))
    r = train(p, diagnose=False, health=False)
    assert r.status == "completed" and all(h.val_loss > 0 for h in r.history)


def test_image_augmentation_on_a_table_is_refused_with_the_reason():
    p = Project.from_dict(table(augment={"flip": "horizontal"}))
    from core.graph import GraphError
    with pytest.raises(GraphError, match="'flip' works on images"):
        prepare(p)


@pytest.mark.parametrize("augment, where", [
    ({"twist": 1}, "data.augment.twist"), ({"rotate": -5}, "data.augment.rotate"),
    ({"flip": "sideways"}, "data.augment.flip"), ("shift", "data.augment")])
def test_bad_augmentations_name_their_path(augment, where):
    with pytest.raises(ProjectError) as e:
        Project.from_dict(digits(augment=augment))
    assert e.value.where == where


def test_data_settings_round_trip_through_the_file_check_and_the_run_store(tmp_path):
    from core.runs import RunRecorder, open_store
    from tests.core.cli_run import run
    doc = digits(**SUBSET, augment={"shift": 1, "rotate": 10.0})
    path = tmp_path / "d.losslab.json"
    Project.from_dict(doc).save(path)
    p = Project.load(path)
    assert p.data.classes == ["3", "5", "8"] and p.data.per_class == 10
    assert p.data.augment == {"shift": 1, "rotate": 10.0}
    assert json.loads(path.read_text())["data"]["augment"] == {"shift": 1, "rotate": 10.0}
    code, lines = run("check", path)
    assert code == 0, lines
    assert any("3 train" not in ln and "30 train" in ln for ln in lines)
    assert any("augment (training batches only): shift 1, rotate 10.0" in ln for ln in lines)
    store = open_store(tmp_path / "store")
    rec = RunRecorder(store, p)
    train(p, observer=rec, diagnose=False, health=False)
    stored = Project.from_dict(store.get(rec.run_id).project)
    assert stored.data.augment == p.data.augment and stored.data.classes == p.data.classes
    store.close()
    flip = digits(augment={"flip": "horizontal"})
    path.write_text(json.dumps(table(augment={"flip": "horizontal"})))
    code, lines = run("check", path)
    assert code == 2 and any("[data.augment.flip]" in ln for ln in lines)
    assert Project.from_dict(flip).data.augment == {"flip": "horizontal"}   # images may flip when allowed
