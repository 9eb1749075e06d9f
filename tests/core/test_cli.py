"""``losslab check`` and ``losslab train`` as a person runs them."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.cli_run import run

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "resources" / "examples").glob("*.losslab.json"))
SPIRAL = ROOT / "resources" / "examples" / "spiral.losslab.json"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_check_passes_on_every_example(path):
    code, lines = run("check", path)
    assert code == 0, lines
    assert lines[-1] == "ok: the project can train"
    assert any(line.startswith("total parameters:") for line in lines)


def test_check_on_a_mismatch_exits_2_naming_the_node_and_both_shapes(tmp_path, capsys):
    doc = json.loads(SPIRAL.read_text())
    doc["model"]["nodes"].insert(3, {"id": "conv1", "type": "Conv2d", "params": {"out_channels": 4}})
    doc["model"]["edges"] = [["input", "fc1"], ["fc1", "relu1"], ["relu1", "conv1"], ["conv1", "fc2"],
                             ["fc2", "relu2"], ["relu2", "out"]]
    bad = tmp_path / "bad.losslab.json"
    bad.write_text(json.dumps(doc))
    code, lines = run("check", bad)
    assert code == 2
    text = "\n".join(lines)
    assert "node conv1 (Conv2d) gets (64,) from relu1" in text and "(C, H, W)" in text


def test_train_spiral_reaches_95_percent_and_prints_a_json_summary(capsys):
    code, lines = run("train", SPIRAL, "--json", "--threads", "1")
    assert code == 0
    assert len(lines) == 1              # --json: stdout is the JSON alone (`| jq` works) ...
    summary = json.loads(lines[-1])
    assert summary["status"] == "completed" and summary["epochs_run"] == 150
    assert {"status", "epochs_run", "best_epoch", "history", "findings", "steps_per_second"} <= set(summary)
    last = summary["history"][-1]
    assert {"epoch", "train_loss", "val_loss", "val_accuracy"} <= set(last)
    assert last["val_accuracy"] >= 0.95
    log = capsys.readouterr().err.splitlines()   # ... and the epoch log is on stderr
    assert sum(1 for line in log if line.startswith("epoch ")) == 150


def test_train_overrides_and_regression_metrics():
    code, lines = run("train", ROOT / "resources/examples/sine.losslab.json", "--epochs", "3", "--seed", "4",
                      "--quiet", "--json")
    assert code == 0
    summary = json.loads(lines[-1])
    assert summary["epochs_run"] == 3 and {"val_mae", "val_r2"} <= set(summary["history"][-1])


@pytest.mark.parametrize("argv, words", [
    (["check", "missing.losslab.json"], "no such file"),
    (["train", str(SPIRAL), "--device", "cuda:7"], "--device is 'cuda:7' but this machine has no CUDA GPU"),
    (["train", str(SPIRAL), "--device", "tpu"], "--device is 'tpu': expected"),
    (["train", str(SPIRAL), "--epochs", "0"], "--epochs must be at least 1"),
    (["train", str(SPIRAL), "--threads", "-1"], "--threads must be at least 1"),
    (["train", str(SPIRAL), "--save-model", "/nonexistent-dir/model.pt"], "cannot write there"),
    (["lr-find", str(SPIRAL), "--steps", "5"], "at least 10 steps"),
])
def test_bad_input_exits_2_with_a_message_not_a_traceback(argv, words, capsys):
    code, _ = run(*argv)
    err = capsys.readouterr().err
    assert code == 2 and words in err and "Traceback" not in err


def test_bad_json_in_a_subprocess_names_line_and_column(tmp_path):
    bad = tmp_path / "broken.losslab.json"
    bad.write_text('{"format": "losslab-project",\n "version": 1,,\n}')
    proc = subprocess.run([sys.executable, "-m", "core.cli", "check", str(bad)], capture_output=True, text=True,
                          cwd=ROOT)
    assert proc.returncode == 2
    assert "line 2, column 15" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT delivery differs on Windows")
def test_check_reports_a_device_this_machine_lacks(tmp_path):
    import torch
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    doc = json.loads(SPIRAL.read_text())
    doc["training"]["device"] = "cuda"
    path = tmp_path / "gpu.losslab.json"
    path.write_text(json.dumps(doc))
    code, lines = run("check", path)
    assert code == 2 and any("no CUDA GPU" in line and "[training.device]" in line for line in lines)


def test_a_short_lr_sweep_still_gives_a_suggestion():
    code, lines = run("lr-find", SPIRAL, "--steps", "20")
    assert code == 0 and lines[0].startswith("suggested learning rate")


def test_two_heads_print_each_heads_metrics():
    code, lines = run("train", ROOT / "resources/examples/diagnosis.losslab.json", "--epochs", "1")
    line = next(x for x in lines if x.startswith("epoch "))
    assert "diagnosis_head:" in line and "val_acc" in line and "severity_head:" in line and "val_r2" in line


def test_train_json_keeps_stdout_json_alone_for_jq(tmp_path):
    """`losslab train … --json | jq`: every stdout line is JSON; the epoch log is on stderr."""
    env = {**__import__("os").environ, "PYTHONPATH": str(ROOT), "LOSSLAB_HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, "-m", "core.cli", "train", str(SPIRAL), "--epochs", "2", "--json",
                           "--threads", "1"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr[-800:]
    lines = proc.stdout.splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["epochs_run"] == 2
    assert "epoch    2/2" in proc.stderr and "recorded" in proc.stderr


@pytest.mark.parametrize("argv, said", [
    (["train", str(SPIRAL), "--epohcs", "3"], "losslab train: unknown option --epohcs: did you mean --epochs?"),
    (["train", str(SPIRAL), "--jsn"], "losslab train: unknown option --jsn: did you mean --json?"),
    (["export", str(SPIRAL), "-f", "py", "-o", "x.py", "--modle", "w.pt"],
     "losslab export: unknown option --modle: did you mean --model?"),
    (["train", str(SPIRAL), "--zzzzzz"], "losslab train: unknown option --zzzzzz; `losslab train --help` lists"),
    (["sweep", str(SPIRAL), "--vary", "lr", "0.1,0.01"],
     "losslab sweep: --vary takes one KNOB=V1,V2,... argument: write --vary lr=0.1,0.01"),
    (["train", str(SPIRAL), "stray"], "losslab train: unexpected argument stray"),
])
def test_a_mistyped_command_line_gets_the_nearest_flag_or_form(argv, said, capsys):
    code, lines = run(*argv)
    err = capsys.readouterr().err
    assert code == 2 and not lines
    assert err.startswith(said), err
    assert "Traceback" not in err and "usage:" not in err


def test_train_on_a_data_table_says_how_to_start_a_project_on_it(tmp_path, capsys):
    (tmp_path / "wine.csv").write_text("alcohol,acid,kind\n13.1,2.1,red\n12.0,1.7,white\n")
    code, lines = run("train", tmp_path / "wine.csv")
    err = capsys.readouterr().err
    assert code == 2
    assert "wine.csv is a CSV data table, not a LossLab project" in err
    assert '"CSV file…" as the data set in the Data panel' in err and 'data.path to "wine.csv"' in err
    assert "JSON" not in err


def test_export_with_another_networks_weights_names_what_differs(tmp_path, capsys):
    weights = tmp_path / "spiral.pt"
    assert run("train", SPIRAL, "--epochs", "1", "--quiet", "--no-store", "--save-model", weights)[0] == 0
    capsys.readouterr()
    digits = ROOT / "resources" / "examples" / "digits.losslab.json"
    code, _ = run("export", digits, "-f", "state_dict", "-o", tmp_path / "d.pt", "--model", weights)
    err = capsys.readouterr().err
    assert code == 2 and "these weights do not fit the project's network ('digits')" in err
    assert "they belong to another network" in err
    assert "64x2 in the file, 64x128 here" in err and "Error(s) in loading" not in err
    (tmp_path / "junk.pt").write_text("hello")
    code, _ = run("export", digits, "-f", "state_dict", "-o", tmp_path / "d.pt", "--model", tmp_path / "junk.pt")
    err = capsys.readouterr().err
    assert code == 2 and "not a PyTorch weights file LossLab can read" in err
    code, lines = run("export", SPIRAL, "-f", "state_dict", "-o", tmp_path / "s.pt", "--model", weights)
    assert code == 0 and (tmp_path / "s.pt").is_file()
