"""``py`` export: the generated script rebuilds LossLab's data exactly and, run in a subprocess with one
thread, reproduces LossLab's first-epoch train loss; crafted node ids and file names cannot inject code."""
from __future__ import annotations

import ast
import importlib.util
import json
import math
import py_compile
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from core.data import load_dataset
from core.data.registry import DATASETS
from core.export import ExportError, export
from core.export import py_data, py_model
from core.project import Project
from core.training import train

from tests.core.export_zoo import temporary_zoo

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "resources" / "examples").glob("*.losslab.json"))
PROJECTS = EXAMPLES + temporary_zoo()  # the bundled examples, and every other layer, loss and schedule


def _exec(code: str) -> dict:
    ns: dict = {}
    exec("import math\nimport numpy as np\n" + code, ns)  # noqa: S102 - our own generated code
    return ns


@pytest.mark.parametrize("source", [e.name for e in DATASETS], ids=str)
def test_script_generators_draw_the_same_data_as_losslab(source):
    entry = DATASETS[source]
    params = entry.validate_params({"samples": 300} if any(p.name == "samples" for p in entry.params) else {})
    if "days" in params:
        params["days"] = 300
    raw = entry.builder(params, False)
    ns = _exec(py_data.generator_code(source) + f"\nDIGITS_FILE = {str(ROOT / 'resources/data/digits.npz')!r}\n")
    x, ys = eval(py_data.generator_call(source, params), ns)  # noqa: S307 - our own generated code
    if not isinstance(ys, dict):
        ys = {entry.default_targets[0]: ys}
    np.testing.assert_array_equal(x, raw.x)
    assert list(ys) == list(raw.ys)
    for name in ys:
        assert ys[name].dtype == raw.ys[name].dtype
        np.testing.assert_array_equal(ys[name], raw.ys[name])


def _run_script(path: Path, *args: str) -> list[dict]:
    r = subprocess.run([sys.executable, str(path), "--threads", "1", "--json", *args], capture_output=True,
                       text=True, cwd=path.parent, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])["history"]


def _losslab_first_epoch(project) -> tuple[float, float | None]:
    threads = torch.get_num_threads()
    try:
        res = train(project, epochs=1, threads=1, diagnose=False)
    finally:
        torch.set_num_threads(threads)
    rec = res.history[0]
    return rec.train_loss, rec.val_loss


# one subprocess runs every exported script in turn (as __main__, with its own argv): torch is imported once
_DRIVER = """
import contextlib, io, json, runpy, sys
results = {}
for script in sys.argv[1:]:
    sys.argv = [script, "--epochs", "1", "--threads", "1", "--json"]
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        runpy.run_path(script, run_name="__main__")
    results[script] = json.loads(buf.getvalue().strip().splitlines()[-1])["history"]
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def script_histories(tmp_path_factory):
    """{example path: (script, first-epoch history of the script run in a subprocess)}."""
    folder = tmp_path_factory.mktemp("scripts")
    scripts = {}
    for path in PROJECTS:
        scripts[path] = export(Project.load(path), "py", folder / (path.name.split(".")[0].replace("-", "_") + ".py")).path
    r = subprocess.run([sys.executable, "-c", _DRIVER, *map(str, scripts.values())], capture_output=True, text=True,
                       cwd=folder, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    runs = json.loads(r.stdout.strip().splitlines()[-1])
    return {path: (script, runs[str(script)]) for path, script in scripts.items()}


@pytest.mark.parametrize("path", PROJECTS, ids=lambda p: p.name.split(".")[0])
def test_exported_script_reproduces_the_first_epoch(path, script_histories):
    script, history = script_histories[path]
    py_compile.compile(str(script), doraise=True)
    train_loss, val_loss = _losslab_first_epoch(Project.load(path))
    assert len(history) == 1
    assert math.isclose(history[0]["train_loss"], train_loss, rel_tol=1e-5), (history[0], train_loss)
    if val_loss is not None:
        assert math.isclose(history[0]["val_loss"], val_loss, rel_tol=1e-4)


def _script_module(path: Path):
    spec = importlib.util.spec_from_file_location(f"exported_{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # defines Net etc.; main() runs only as __main__
    return mod


@pytest.mark.parametrize("path", PROJECTS, ids=lambda p: p.name.split(".")[0])
def test_state_dict_loads_weights_only_into_the_scripts_net(path, tmp_path):
    from core.training.setup import prepare
    project = Project.load(path)
    ds = load_dataset(project.data, project.base_dir)
    model = prepare(project, ds, device="cpu").model.eval()
    with torch.no_grad():  # move the weights off their initial values so a mix-up would show
        for p in model.parameters():
            p.add_(0.01 * torch.randn_like(p))
    export(project, "py", tmp_path / "net.py", dataset=ds)
    export(project, "state_dict", tmp_path / "weights.pt", model=model, dataset=ds)
    net = _script_module(tmp_path / "net.py").Net()
    net.load_state_dict(torch.load(tmp_path / "weights.pt", weights_only=True))
    net.eval()
    x = ds.x_val[:16]
    with torch.no_grad():
        ours, theirs = model(x), net(x)
    theirs = [theirs] if isinstance(theirs, torch.Tensor) else list(theirs)
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b)


NASTY_ID = 'fc1"""); import os; os.system("touch PWNED") #\nprint("pwned")'
NASTY_FILE = "x'; __import__('os').system('touch PWNED2'); '\n\"\"\".csv"


def test_node_ids_and_file_names_cannot_inject_code(tmp_path):
    doc = json.loads((ROOT / "resources/examples/csv-moons.losslab.json").read_text())
    (tmp_path / NASTY_FILE).write_text((ROOT / "resources/examples/moons.csv").read_text())
    doc["name"] = 'evil"""\nimport os; os.system("touch PWNED3")\n"""'
    doc["data"]["path"] = NASTY_FILE
    ids = {"fc1": NASTY_ID, "relu1": "class", "out": "self"}
    for n in doc["model"]["nodes"]:
        n["id"] = ids.get(n["id"], n["id"])
    doc["model"]["edges"] = [[ids.get(a, a), ids.get(b, b)] for a, b in doc["model"]["edges"]]
    for o in doc["outputs"]:
        o["node"] = ids.get(o["node"], o["node"])
    project = Project.from_dict(doc, tmp_path)
    out = tmp_path / "scripts"
    out.mkdir()
    script = export(project, "py", out / "evil.py").path
    py_compile.compile(str(script), doraise=True)
    tree = ast.parse(script.read_text())
    # the crafted text survives only inside string literals and comments: no call to it, no import of os
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "system"]
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in ("__import__", "os")]
    assert NASTY_FILE in [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)]
    history = _run_script(script, "--epochs", "1")
    assert not list(tmp_path.rglob("PWNED*")) and not list(Path.cwd().glob("PWNED*"))
    train_loss, _ = _losslab_first_epoch(project)
    assert math.isclose(history[0]["train_loss"], train_loss, rel_tol=1e-5)


def test_a_layer_the_script_cannot_write_is_named(monkeypatch, tmp_path):
    # a Linear whose entry has no code and a plain-function builder: the export cannot know its script form
    import dataclasses

    from core.catalog import LAYERS
    opaque = dataclasses.replace(LAYERS.get("Linear"), code=None)
    monkeypatch.setitem(LAYERS._entries, "Linear", opaque)
    project = Project.load(ROOT / "resources/examples/xor.losslab.json")
    with pytest.raises(ExportError) as e:
        export(project, "py", tmp_path / "x.py")
    assert "node 'fc1' (Linear)" in str(e.value) and e.value.node == "fc1"
    assert not (tmp_path / "x.py").exists()


def test_history_exports_as_csv_and_json(tmp_path):
    project = Project.load(ROOT / "resources/examples/diagnosis.losslab.json")
    project.data.params = {"samples": 200}
    res = train(project, epochs=2, diagnose=False)
    export(project, "csv", tmp_path / "h.csv", history=res.history)
    export(project, "json", tmp_path / "h.json", history=res.history)
    rows = (tmp_path / "h.csv").read_text().splitlines()
    header = rows[0].split(",")
    assert len(rows) == 3 and header[:3] == ["epoch", "step", "train_loss"]
    assert any(h.startswith("severity_head/") for h in header)
    data = json.loads((tmp_path / "h.json").read_text())
    assert [d["epoch"] for d in data] == [1, 2]
    assert data[1]["train_loss"] == pytest.approx(res.history[1].train_loss)
    with pytest.raises(ExportError, match="train the project first"):
        export(project, "csv", tmp_path / "none.csv", history=[])
