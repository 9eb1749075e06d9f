"""``pt2``, ``onnx`` and ``state_dict`` export of every architecture among the bundled examples and a zoo
of the other layers, checked against torch:
onnx passes ``onnx.checker`` and matches in onnxruntime at two batch sizes (and two sequence lengths
for recurrent models); pt2 loads with ``torch.export.load`` and matches; the CLI command end to end."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from core.cli import main
from core.data import load_dataset
from core.export import ExportError, export
from core.export import model_formats
from core.export.scan_rnn import ScanRecurrent
from core.project import Project
from core.training.setup import prepare

from tests.core.export_zoo import temporary_zoo

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "resources" / "examples").glob("*.losslab.json"))


def _architecture(path: Path) -> tuple:
    """What decides how a project exports: its layer types and how many heads it has (depth, widths,
    the loss and the data play no part in what the exporters must express)."""
    p = Project.load(path)
    return tuple(sorted({n.type for n in p.model.nodes})), len(p.outputs)


def _one_per_architecture(paths: list[Path]) -> list[Path]:
    seen: dict[tuple, Path] = {}
    for path in paths:
        seen.setdefault(_architecture(path), path)
    return list(seen.values())


# csv-moons, fraud, spiral and starter are all Linear+ReLU stacks, xor and sine Linear+Tanh: each kind once
PROJECTS = _one_per_architecture(EXAMPLES + temporary_zoo())
# recurrent models whose sequence length is fixed: a later layer needs it (a Conv1d over the time steps),
# or the inputs are standardized per time step (demand) -> the fixed length
FIXED_LENGTH = {"zoo_branches": 6, "demand": 14}
HAS_ONNX = importlib.util.find_spec("onnxruntime") is not None and model_formats.onnx_available() is None


def _setup(path):
    project = Project.load(path)
    ds = load_dataset(project.data, project.base_dir)
    return project, ds, prepare(project, ds, device="cpu").model.eval()


def _inputs(ds, recurrent: bool) -> list[torch.Tensor]:
    """Two batch sizes; for a recurrent model also a shorter and a longer sequence."""
    g = torch.Generator().manual_seed(1)
    shapes = [(2, *ds.input_shape), (5, *ds.input_shape)]
    if recurrent:
        shapes += [(3, ds.input_shape[0] - 5, *ds.input_shape[1:]), (4, ds.input_shape[0] + 7, *ds.input_shape[1:])]
    return [torch.randn(s, generator=g) for s in shapes]


def _expected(model, x, ds=None):
    """LossLab's outputs for raw inputs ``x``: standardized as LossLab does (``ds``), then the network."""
    if ds is not None:
        x = torch.from_numpy(ds.normalize_inputs(x.numpy()))
    with torch.no_grad():
        return [o.numpy() for o in model(x)]


def _as_list(out):
    return [out] if isinstance(out, (torch.Tensor, np.ndarray)) else list(out)


@pytest.mark.parametrize("path", PROJECTS, ids=lambda p: p.name.split(".")[0])
def test_pt2_and_onnx_match_torch_at_any_batch_size(path, tmp_path):
    project, ds, model = _setup(path)
    recurrent = any(n.type in ("LSTM", "GRU") for n in project.model.nodes)
    pt2 = export(project, "pt2", tmp_path / "m.pt2", model=model, dataset=ds)
    assert "batch (dim 0)" in pt2.notes[-1]
    if path.name.split(".")[0] in FIXED_LENGTH:
        recurrent = False
        assert any(f"sequence length is fixed at {FIXED_LENGTH[path.name.split('.')[0]]}" in n for n in pt2.notes)
    elif recurrent:
        assert "sequence (dim 1)" in pt2.notes[-1]
    program = torch.export.load(str(tmp_path / "m.pt2")).module()
    xs = _inputs(ds, recurrent)
    for x in xs:
        got = _as_list(program(x))
        want = _expected(model, x, ds) if x.shape[1:] == tuple(ds.input_shape) else None
        if want is None:  # another sequence length (inputs not standardized): the reshaped sequence
            assert ds.mean is None
            want = _expected(_reshaped(model, project, ds, x.shape[1]), x)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g.detach().numpy(), w, rtol=1e-4, atol=1e-5)
    if not HAS_ONNX:
        pytest.skip("the onnx extra is not installed")
    import onnx
    import onnxruntime as ort
    export(project, "onnx", tmp_path / "m.onnx", model=model, dataset=ds)
    onnx.checker.check_model(str(tmp_path / "m.onnx"), full_check=True)
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == [o.node for o in project.outputs]
    for x in xs:
        got = session.run(None, {"input": x.numpy()})
        want = _expected(model, x, ds) if x.shape[1:] == tuple(ds.input_shape) else \
            _expected(_reshaped(model, project, ds, x.shape[1]), x)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)


def _reshaped(model, project, ds, length: int):
    """LossLab's own model with its (T,) -> (T, 1) Reshape set to another length (same weights)."""
    import copy

    from core.network import _key
    other = copy.deepcopy(model)
    for n in project.model.nodes:
        if n.type == "Reshape":
            other.layers[_key(n.id)].shape = (length, 1)
    return other


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
@pytest.mark.parametrize("layers,bidirectional,sequences", [(1, False, False), (2, True, True)])
def test_scan_recurrent_computes_what_torch_computes(kind, layers, bidirectional, sequences):
    from core.catalog.layer_modules import Recurrent
    torch.manual_seed(0)
    rec = Recurrent(kind, 3, 5, layers, bidirectional, 0.0, sequences).eval()
    x = torch.randn(4, 6, 3)
    with torch.no_grad():
        torch.testing.assert_close(ScanRecurrent(rec)(x), rec(x), rtol=1e-5, atol=1e-6)


def test_onnx_without_the_extra_says_what_to_install(monkeypatch, tmp_path):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnxscript" else real(name, *a))
    project, ds, model = _setup(ROOT / "resources/examples/xor.losslab.json")
    with pytest.raises(ExportError) as e:
        export(project, "onnx", tmp_path / "m.onnx", model=model, dataset=ds)
    assert "pip install 'losslab[onnx]'" in str(e.value) and "onnxscript" in str(e.value)


def test_a_layer_the_exporter_cannot_trace_is_named(monkeypatch, tmp_path):
    project, ds, model = _setup(ROOT / "resources/examples/xor.losslab.json")

    class Untraceable(torch.nn.Module):
        def forward(self, x):
            return x * float(x.sum() > 0)  # data-dependent Python control flow

    from core.network import _key
    model.layers[_key("tanh1")] = Untraceable()
    model._modules_in_order = [None if model.types[n] == "Input" else model.layers[_key(n)] for n in model.order]
    with pytest.raises(ExportError) as e:
        export(project, "pt2", tmp_path / "m.pt2", model=model, dataset=ds)
    assert "node 'tanh1' (Tanh)" in str(e.value)


def test_cli_exports_trained_weights(tmp_path, capsys):
    project = ROOT / "resources/examples/xor.losslab.json"
    weights = tmp_path / "w.pt"
    assert main(["train", str(project), "--epochs", "2", "--quiet", "--no-store", "--save-model", str(weights)],
                out=lambda s: None) == 0
    lines: list[str] = []
    assert main(["export", str(project), "--format", "state_dict", "--out", str(tmp_path / "s.pt"),
                 "--model", str(weights)], out=lines.append) == 0
    assert lines[0].startswith("wrote state_dict to") and "initial weights" not in "\n".join(lines)
    trained = torch.load(weights, weights_only=True)
    exported = torch.load(tmp_path / "s.pt", weights_only=True)
    torch.testing.assert_close(exported["fc1.weight"], trained["layers.fc1.weight"])
    # a weights file for another network, a missing file, history without a run: exit 2, a clear line
    other = ROOT / "resources/examples/spiral.losslab.json"
    assert main(["export", str(other), "-f", "pt2", "-o", str(tmp_path / "x.pt2"), "--model", str(weights)]) == 2
    assert "do not fit the project's network" in capsys.readouterr().err
    assert main(["export", str(project), "-f", "pt2", "-o", str(tmp_path / "x.pt2"), "--model", "nope.pt"]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["export", str(project), "-f", "csv", "-o", str(tmp_path / "h.csv")]) == 2
    assert "--run RUN" in capsys.readouterr().err


def test_cli_exports_a_stored_run(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path / "home"))
    project = ROOT / "resources/examples/xor.losslab.json"
    lines: list[str] = []
    assert main(["train", str(project), "--epochs", "2", "--quiet"], out=lines.append) == 0
    run_id = next(line.split()[1] for line in lines if line.startswith("run ") and line.endswith("recorded"))
    assert main(["export", str(project), "-f", "json", "-o", str(tmp_path / "h.json"), "--run", run_id]) == 0
    history = json.loads((tmp_path / "h.json").read_text())
    assert [h["epoch"] for h in history] == [1, 2]
    assert main(["export", str(project), "-f", "state_dict", "-o", str(tmp_path / "w.pt"), "--run", run_id[:12]]) == 0
    from core.runs import open_store
    with open_store() as store:
        final = store.load_weights(run_id)
    torch.testing.assert_close(torch.load(tmp_path / "w.pt", weights_only=True)["out.weight"], final["layers.out.weight"])
    capsys.readouterr()
    assert main(["export", str(project), "-f", "pt2", "-o", str(tmp_path / "m.pt2"), "--run", "nosuchrun"]) == 2
    assert "--run nosuchrun: no run 'nosuchrun'" in capsys.readouterr().err
    other = ROOT / "resources/examples/spiral.losslab.json"
    assert main(["export", str(other), "-f", "pt2", "-o", str(tmp_path / "m.pt2"), "--run", run_id]) == 2
    assert "weights do not fit" in capsys.readouterr().err
