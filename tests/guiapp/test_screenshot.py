"""``losslab screenshot``: bad input exits 2 with a message naming it; it renders without a display."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from guiapp import screenshot
from tests.conftest import EXAMPLES, ROOT

SPIRAL = EXAMPLES / "spiral.losslab.json"


@pytest.fixture
def run(monkeypatch, capsys):
    """``screenshot.main(args)`` -> (exit status, stderr); the environment it changes is restored."""
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setenv("LOSSLAB_SETTINGS_ORG", "LossLabScreenshotTest")

    def call(*args: str) -> tuple[int, str]:
        status = screenshot.main(list(args))
        return status, capsys.readouterr().err
    return call


def _project_with(tmp_path, change) -> str:
    doc = json.loads(SPIRAL.read_text())
    change(doc)
    path = tmp_path / "p.losslab.json"
    path.write_text(json.dumps(doc))
    return str(path)


@pytest.mark.parametrize("args, says", [
    (["--size", "abc"], "--size expects WIDTHxHEIGHT such as 1400x900, received 'abc'"),
    (["--size", "100x900"], "--size 100x900 is out of range"),
    (["--train-epochs", "-3"], "--train-epochs must be 0 (no training) or more, received -3"),
    (["--timeout", "0"], "--timeout must be a positive number of seconds"),
])
def test_bad_arguments_exit_2_naming_them(run, tmp_path, args, says):
    status, err = run(str(SPIRAL), str(tmp_path / "out.png"), *args)
    assert status == 2 and err.startswith("losslab screenshot: ") and says in err
    assert not (tmp_path / "out.png").exists()


@pytest.mark.parametrize("out, says", [
    ("missing/out.png", "the folder {tmp}/missing does not exist"),
    ("out.xyz", ".xyz is not an image type"),
    ("out", "needs an image extension"),
    (".", "is a folder"),
])
def test_an_output_that_cannot_be_written_exits_2(run, tmp_path, out, says):
    status, err = run(str(SPIRAL), str(tmp_path / out))
    assert status == 2 and says.format(tmp=tmp_path) in err


def test_a_missing_project_is_named_once(run, tmp_path):
    missing = str(tmp_path / "nope.losslab.json")
    status, err = run(missing, str(tmp_path / "out.png"))
    assert status == 2
    assert err.count(missing) == 1 and "no such file" in err


def test_a_broken_project_names_the_file_and_the_place(run, tmp_path):
    path = _project_with(tmp_path, lambda d: d["training"]["optimizer"]["params"].__setitem__("lr", -1))
    status, err = run(path, str(tmp_path / "out.png"))
    assert status == 2 and err.count(path) == 1 and "training.optimizer.params.lr" in err


@pytest.mark.parametrize("change, says", [
    (lambda d: d["training"].__setitem__("device", "cuda:7"), "training.device"),
    (lambda d: d["model"]["nodes"][1].update(type="Conv2d", params={"out_channels": 4}), "Conv2d expects"),
])
def test_a_project_that_cannot_train_exits_2(run, tmp_path, change, says):
    path = _project_with(tmp_path, change)
    status, err = run(path, str(tmp_path / "out.png"), "--train-epochs", "2")
    assert status == 2 and f"{path}: cannot train: " in err and says in err
    assert not (tmp_path / "out.png").exists()


def test_help_says_zero_epochs_means_no_training_and_lists_every_tab(capsys):
    with pytest.raises(SystemExit):
        screenshot.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "default 0: no training" in text and "--onscreen" in text
    assert screenshot.TABS == ("data", "outputs", "training", "findings", "boundary", "errors")
    assert all(name in text for name in screenshot.TABS)


def test_renders_with_a_stale_display_trains_and_records_no_run(tmp_path):
    """A DISPLAY that points nowhere must not matter (offscreen unless --onscreen), the findings tab can
    be raised, Qt's "propagateSizeHints" complaint is not printed, and ``--train-epochs`` fills the plots
    without leaving a run in the person's run store."""
    out = tmp_path / "shot.png"
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env.update(DISPLAY=":97", LOSSLAB_SETTINGS_ORG="LossLabScreenshotTest", PYTHONPATH=str(ROOT),
               LOSSLAB_HOME=str(home), XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"))
    done = subprocess.run([sys.executable, "-m", "guiapp.launcher", "screenshot", str(EXAMPLES / "xor.losslab.json"),
                           str(out), "--size", "1200x800", "--tab", "findings", "--train-epochs", "2"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "propagateSizeHints" not in done.stderr and "platform plugin" not in done.stderr
    assert f"wrote {out} (1200x800)" in done.stdout
    from PySide6.QtGui import QImage
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1200, 800)
    from core.runs import open_store
    with open_store(home) as store:
        assert store.list() == []
