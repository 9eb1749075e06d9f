"""Transfer from an earlier network: weights from a run or a file, frozen nodes, per-node learning rates."""
from __future__ import annotations

import json

import pytest
import torch

from core.graph import GraphError
from core.project import Project, ProjectError
from core.runs import RunRecorder, open_store
from core.training import prepare, train
from core.training.setup import make_optimizer


def mlp(out: int = 2, bn: bool = True, **data) -> dict:
    nodes = [{"id": "input", "type": "Input"}, {"id": "fc1", "type": "Linear", "params": {"out_features": 16}}]
    edges = [["input", "fc1"]]
    prev = "fc1"
    if bn:
        nodes.append({"id": "bn", "type": "BatchNorm"})
        edges.append([prev, "bn"])
        prev = "bn"
    nodes += [{"id": "act", "type": "ReLU"}, {"id": "out", "type": "Linear", "params": {"out_features": out}}]
    edges += [[prev, "act"], ["act", "out"]]
    return {"format": "losslab-project", "version": 1, "name": "t",
            "data": {"source": "moons", "params": {"samples": 200}, **data},
            "model": {"nodes": nodes, "edges": edges},
            "outputs": [{"node": "out", "loss": {"type": "CrossEntropyLoss"}}],
            "training": {"epochs": 3, "batch_size": 32, "optimizer": {"type": "Adam", "params": {"lr": 0.01}}}}


def node(doc: dict, nid: str) -> dict:
    return next(n for n in doc["model"]["nodes"] if n["id"] == nid)


@pytest.fixture
def source_file(tmp_path):
    """A real state dict written by training the source project (``--save-model``'s format)."""
    r = train(Project.from_dict(mlp()), diagnose=False, health=False)
    path = tmp_path / "source.pt"
    torch.save(r.state_dict(), path)
    return path


def test_frozen_transferred_nodes_train_no_weight_and_keep_batchnorm_statistics(tmp_path, source_file):
    doc = mlp()
    for nid in ("fc1", "bn"):
        node(doc, nid).update(init={"file": source_file.name}, frozen=True)
    p = Project.from_dict(doc, tmp_path)
    setup = prepare(p)
    src = torch.load(source_file, weights_only=True)
    before = {k: v.clone() for k, v in setup.model.state_dict().items()}
    assert torch.equal(before["layers.fc1.weight"], src["layers.fc1.weight"])      # transferred
    assert torch.equal(before["layers.bn.bn.running_mean"], src["layers.bn.bn.running_mean"])
    r = train(p, setup=setup, diagnose=False, health=False)
    assert r.status == "completed"
    after = setup.model.state_dict()
    for k in ("fc1.weight", "fc1.bias", "bn.bn.weight", "bn.bn.bias", "bn.bn.running_mean", "bn.bn.running_var",
              "bn.bn.num_batches_tracked"):
        assert torch.equal(after[f"layers.{k}"], before[f"layers.{k}"]), k
    assert not torch.equal(after["layers.out.weight"], before["layers.out.weight"])  # the rest trains
    assert setup.n_params == sum(p.numel() for p in setup.model.layers["out"].parameters())


def test_requires_grad_alone_would_move_batchnorm_statistics(source_file):
    """The reason frozen nodes stay in eval mode: with only requires_grad=False, train() moves them."""
    p = Project.from_dict(mlp())
    setup = prepare(p)
    for prm in setup.model.layers["bn"].parameters():
        prm.requires_grad_(False)
    before = setup.model.layers["bn"].bn.running_mean.clone()
    train(p, setup=setup, diagnose=False, health=False)
    assert not torch.equal(setup.model.layers["bn"].bn.running_mean, before)


def test_frozen_parameters_are_not_in_the_optimizer_and_lr_multiplier_makes_groups():
    doc = mlp()
    node(doc, "fc1")["frozen"] = True
    node(doc, "out")["lr_multiplier"] = 10
    p = Project.from_dict(doc)
    setup = prepare(p)
    opt = make_optimizer(p, setup.model)
    groups = {g["lr_multiplier"]: g for g in opt.param_groups}
    assert sorted(groups) == [1.0, 10.0]
    assert groups[1.0]["lr"] == pytest.approx(0.01) and groups[10.0]["lr"] == pytest.approx(0.1)
    assert {id(x) for x in groups[10.0]["params"]} == {id(x) for x in setup.model.layers["out"].parameters()}
    frozen = {id(x) for x in setup.model.layers["fc1"].parameters()}
    assert not frozen & {id(x) for g in opt.param_groups for x in g["params"]}


def test_a_project_without_small_data_settings_keeps_one_plain_group():
    p = Project.from_dict(mlp())
    opt = make_optimizer(p, prepare(p).model)
    assert len(opt.param_groups) == 1 and "lr_multiplier" not in opt.param_groups[0]


def test_a_shape_mismatch_names_the_node_and_both_shapes(tmp_path, source_file):
    doc = mlp()
    node(doc, "fc1")["params"]["out_features"] = 8
    node(doc, "fc1")["init"] = {"file": source_file.name}
    with pytest.raises(GraphError) as e:
        prepare(Project.from_dict(doc, tmp_path))
    msg = str(e.value)
    assert "node fc1" in msg and "(16, 2)" in msg and "(8, 2)" in msg
    assert e.value.problems[0].where == "model.nodes[1].init"


def test_a_source_node_chosen_by_hand_and_a_missing_one_listed(tmp_path, source_file):
    doc = mlp()
    node(doc, "out")["init"] = {"file": source_file.name, "node": "fc9"}
    with pytest.raises(GraphError, match=r"no node 'fc9'.*fc1, out"):
        prepare(Project.from_dict(doc, tmp_path))
    doc = json.loads(json.dumps(mlp()).replace('"fc1"', '"hidden"'))   # the same layer under another id
    node(doc, "hidden")["init"] = {"file": source_file.name, "node": "fc1"}
    setup = prepare(Project.from_dict(doc, tmp_path))
    assert torch.equal(setup.model.layers["hidden"].weight,
                       torch.load(source_file, weights_only=True)["layers.fc1.weight"])


def test_weights_from_a_stored_run(tmp_path):
    store = open_store(tmp_path / "store")
    p = Project.from_dict(mlp())
    rec = RunRecorder(store, p)
    train(p, observer=rec, diagnose=False, health=False)
    doc = mlp()
    node(doc, "fc1")["init"] = {"run": rec.run_id}
    target = Project.from_dict(doc)
    from core.training.transfer import apply_transfer
    from core.network import build_model
    setup = prepare(Project.from_dict(mlp()))
    model = build_model(target, setup.dataset.input_shape, setup.dataset.targets)
    apply_transfer(target, model, store_dir=tmp_path / "store")
    assert torch.equal(model.layers["fc1"].weight, store.load_weights(rec.run_id)["layers.fc1.weight"])
    node(doc, "fc1")["init"] = {"run": "nosuchrun"}
    with pytest.raises(GraphError, match=r"node fc1: no run 'nosuchrun'"):
        apply_transfer(Project.from_dict(doc), model, store_dir=tmp_path / "store")
    store.close()


def test_freezing_every_node_is_refused_with_the_reason():
    doc = mlp(bn=False)
    for nid in ("fc1", "out"):
        node(doc, nid)["frozen"] = True
    with pytest.raises(GraphError, match="every node with weights is frozen"):
        prepare(Project.from_dict(doc))


@pytest.mark.parametrize("patch, where", [
    ({"init": {"file": "a.pt", "run": "x"}}, "model.nodes[1].init"),
    ({"init": {"path": "a.pt"}}, "model.nodes[1].init.path"),
    ({"init": {"file": ""}}, "model.nodes[1].init.file"),
    ({"frozen": "yes"}, "model.nodes[1].frozen"),
    ({"lr_multiplier": -1}, "model.nodes[1].lr_multiplier"),
])
def test_bad_settings_name_their_json_path(patch, where):
    doc = mlp()
    node(doc, "fc1").update(patch)
    with pytest.raises(ProjectError) as e:
        Project.from_dict(doc)
    assert e.value.where == where


def test_node_settings_round_trip_through_the_file_check_and_the_run_store(tmp_path, source_file):
    from tests.core.cli_run import run
    doc = mlp()
    node(doc, "fc1").update(init={"file": source_file.name, "node": "fc1"}, frozen=True)
    node(doc, "out")["lr_multiplier"] = 5.0
    path = tmp_path / "t.losslab.json"
    Project.from_dict(doc, tmp_path).save(path)
    again = Project.load(path)
    assert again.model.node("fc1").init == {"file": source_file.name, "node": "fc1"}
    assert again.model.node("fc1").frozen and again.model.node("out").lr_multiplier == 5.0
    assert json.loads(path.read_text())["model"]["nodes"][1]["frozen"] is True
    code, lines = run("check", path)
    assert code == 0, lines
    assert any("node fc1: weights from file source.pt, node fc1; frozen" in ln for ln in lines)
    assert any("node out: learning rate x5" in ln for ln in lines)
    store = open_store(tmp_path / "store")
    rec = RunRecorder(store, again)
    train(again, observer=rec, diagnose=False, health=False)
    stored = Project.from_dict(store.get(rec.run_id).project)
    assert stored.model.node("fc1").frozen and stored.model.node("fc1").init == again.model.node("fc1").init
    assert stored.model.node("out").lr_multiplier == 5.0
    store.close()


def test_check_reports_a_missing_weights_file_at_its_path(tmp_path):
    from tests.core.cli_run import run
    doc = mlp()
    node(doc, "fc1")["init"] = {"file": "gone.pt"}
    path = tmp_path / "t.losslab.json"
    path.write_text(json.dumps(doc))
    code, lines = run("check", path)
    assert code == 2
    assert any("no weights file" in ln and "[model.nodes[1].init.file]" in ln for ln in lines)


def test_studies_vary_transfer_and_augmentation_as_knobs(tmp_path, source_file):
    from core.studies.knobs import KnobError, apply_setting, parse_vary
    doc = mlp()
    node(doc, "fc1").update(init={"file": source_file.name}, frozen=True)
    node(doc, "out")["lr_multiplier"] = 10.0
    k, values = parse_vary("transfer=off,on")
    assert values == ["off", "on"]
    scratch = Project.from_dict(apply_setting(doc, {"transfer": "off"}))
    assert all(n.init is None and not n.frozen and n.lr_multiplier == 1.0 for n in scratch.model.nodes)
    kept = Project.from_dict(apply_setting(doc, {"transfer": "on"}))
    assert kept.model.node("fc1").frozen and kept.model.node("out").lr_multiplier == 10.0
    _, values = parse_vary('augment=off,{"noise": 0.1}')
    with_noise = Project.from_dict(apply_setting(doc, {"augment": values[1]}))
    assert with_noise.data.augment == {"noise": 0.1}
    by_path = Project.from_dict(apply_setting(doc, {"model.nodes[1].frozen": False, "data.augment.mixup": 0.2}))
    assert not by_path.model.node("fc1").frozen and by_path.data.augment == {"mixup": 0.2}
    with pytest.raises(KnobError, match="unknown augmentation 'spin'"):
        parse_vary('augment={"spin": 1}')


def test_the_bundled_pair_starts_from_the_sources_best_weights_on_inputs_normalized_alike():
    """digits-few takes conv1/conv2 from digits-source.pt: the tensors arrive unchanged, the new dense
    layers do not, the file holds the source's best epoch (its validation loss is low), and both
    projects normalize their images alike (a first layer fed differently scaled pixels is no transfer)."""
    from pathlib import Path

    import torch.nn.functional as F
    examples = Path(__file__).resolve().parents[2] / "resources" / "examples"
    state = torch.load(examples / "digits-source.pt", weights_only=True)
    few = prepare(Project.load(examples / "digits-few.losslab.json"))
    layers = few.model.layers
    for nid in ("conv1", "conv2"):
        assert torch.equal(layers[nid].weight, state[f"layers.{nid}.weight"])
        assert torch.equal(layers[nid].bias, state[f"layers.{nid}.bias"])
    assert not torch.equal(layers["fc1"].weight, state["layers.fc1.weight"])   # new layers start fresh
    source = prepare(Project.load(examples / "digits-source.losslab.json"))
    source.model.load_state_dict(state)   # strictly: the input statistics sit in _metadata, not in the keys
    source.model.eval()
    with torch.no_grad():
        assert F.cross_entropy(source.model(source.x_val)[0], source.heads[0].y_val).item() < 0.1
    ds_few, ds_src = few.dataset, source.dataset
    assert abs(float(ds_few.mean) - float(ds_src.mean)) < 0.05 * float(ds_src.std)
    assert abs(float(ds_few.std) / float(ds_src.std) - 1) < 0.05
