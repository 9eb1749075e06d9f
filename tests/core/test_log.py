"""The ``losslab`` logger: silent by default, ``--verbose`` prints it on stderr, and errors the engine
catches to keep going (a failed run) are logged with their traceback instead of dropped."""
from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli import main as cli_main
from core.cli import split_verbose
from core.log import RecentRecords, get_logger
from core.project import Project
from core.training import TrainingObserver, train

ROOT = Path(__file__).resolve().parents[2]
XOR = ROOT / "resources" / "examples" / "xor.losslab.json"


def test_silent_unless_an_application_asks():
    code = ("from core.log import get_logger; get_logger('core.x').error('boom'); "
            "get_logger().warning('still silent')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0 and proc.stderr == "" and proc.stdout == ""


@pytest.fixture
def no_stderr_handler():
    yield
    for h in list(get_logger().handlers):
        if getattr(h, "_losslab_stream", False):
            get_logger().removeHandler(h)
    get_logger().setLevel(logging.NOTSET)


def test_verbose_flag_prints_debug_records_on_stderr(capsys, no_stderr_handler):
    assert cli_main(["check", str(XOR)]) == 0
    quiet = capsys.readouterr()
    assert cli_main(["--verbose", "check", str(XOR)]) == 0
    loud = capsys.readouterr()
    assert quiet.out == loud.out and "ok: the project can train" in loud.out
    assert quiet.err == ""
    assert "DEBUG" in loud.err and "losslab.core.project: reading project" in loud.err


def test_the_launcher_sends_verbose_commands_to_the_cli_not_the_window(capsys, no_stderr_handler):
    from guiapp.launcher import main as launcher_main
    assert split_verbose(["-v", "check", "x"]) == (True, ["check", "x"])
    assert split_verbose(["x.losslab.json"]) == (False, ["x.losslab.json"])
    assert launcher_main(["-v", "check", str(XOR)]) == 0
    printed = capsys.readouterr()
    assert "ok: the project can train" in printed.out and "losslab.core.cli" in printed.err


class _BrokenObserver(TrainingObserver):
    def on_epoch_end(self, record):
        raise RuntimeError("observer bug")


def test_a_failed_run_is_reported_and_its_traceback_logged(caplog):
    project = Project.from_dict(json.loads(XOR.read_text()))
    caplog.set_level(logging.DEBUG, logger="losslab")
    result = train(project, epochs=1, observer=_BrokenObserver(), diagnose=False)
    assert result.status == "failed" and "observer bug" in result.message  # behaviour kept
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and r.name.startswith("losslab.")]
    assert len(errors) == 1 and "run failed" in errors[0].getMessage()
    assert errors[0].exc_info and errors[0].exc_info[1].args == ("observer bug",)
    assert any("run failed after" in r.getMessage() for r in caplog.records if r.levelno == logging.INFO)


def test_recent_records_keeps_the_last_lines():
    handler = RecentRecords(capacity=3)
    log = get_logger("core.test")
    log.addHandler(handler)
    old = log.level
    log.setLevel(logging.DEBUG)
    try:
        for i in range(5):
            log.debug("line %d", i)
    finally:
        log.removeHandler(handler)
        log.setLevel(old)
    assert [line.rsplit(" ", 1)[-1] for line in handler.lines] == ["2", "3", "4"]
    assert "losslab.core.test" in handler.text()
