"""Signals and saves, for real: Ctrl-C (in a process), SIGTERM and SIGHUP (sent to this process while the
command runs in it) end ``losslab train`` the same way (summary, save), a Ctrl-C
while the commands import is not a traceback, a save killed with SIGKILL leaves the old file or the new
one (whole), a full disk leaves the old model and still prints the summary, and the next save removes the
temporaries killed saves left behind. The subprocess tests wait on the process's output, never on sleeps."""
from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from core.atomic_files import clean_stale_temps, temp_files_of, write_atomic
from core.cli import main, signals

ROOT = Path(__file__).resolve().parents[2]
SPIRAL = ROOT / "resources" / "examples" / "spiral.losslab.json"
ENV = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and resource limits")


def _train(*extra, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "core.cli", "train", *map(str, extra)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT, env=ENV, **kw)


def _wait_for_epochs(proc: subprocess.Popen, n: int) -> None:
    """Read ``proc``'s epoch log (on stderr: with --json stdout holds only the JSON) to the n-th epoch."""
    seen = 0
    for line in proc.stderr:
        seen += line.startswith("epoch ")
        if seen == n:
            return
    raise AssertionError(f"the run ended before {n} epochs: {proc.stdout.read()}")


@posix_only
def test_ctrl_c_ends_the_run_with_summary_and_saved_model_and_a_second_one_changes_nothing(tmp_path):
    """A real process: Ctrl-C stops after the batch, prints the stopped summary, saves the model and
    exits 0; a second Ctrl-C, while the summary is printed or the model saved, neither interrupts the
    save nor changes the first one's exit status."""
    import torch
    target = tmp_path / "model.pt"
    proc = _train(SPIRAL, "--epochs", "100000", "--json", "--threads", "1", "--save-model", target)
    _wait_for_epochs(proc, 2)
    proc.send_signal(signal.SIGINT)
    log = []
    for line in proc.stderr:
        log.append(line)
        if line.startswith("stopped: "):
            break
    proc.send_signal(signal.SIGINT)  # while the model is being saved, or just after
    out, err = proc.communicate(timeout=120)
    err = "".join(log) + err
    lines = out.strip().splitlines()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "stopping after this batch" in err
    summary = json.loads(lines[-1])
    assert summary["status"] == "stopped" and summary["epochs_run"] >= 2
    assert summary["stopped_by"] == "SIGINT" and summary["model_file"] == str(target)
    assert torch.load(target, weights_only=True)


@posix_only
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_stop_like_ctrl_c_and_a_second_one_changes_nothing(tmp_path, capsys, signum):
    """SIGTERM (a scheduler's stop) and SIGHUP (a closed terminal), sent for real to this process while
    ``losslab train`` runs in it (after its second epoch line, and again after the summary line), stop
    the run like Ctrl-C: the stopped summary, the saved model, exit status 0, and this process's own
    handlers back afterwards."""
    import torch
    target = tmp_path / "model.pt"
    before = signal.getsignal(signum)
    lines: list[str] = []

    def out(line: str) -> None:
        lines.append(line)
        if line.startswith("epoch ") and sum(x.startswith("epoch ") for x in lines) == 2:
            os.kill(os.getpid(), signum)
        elif line.startswith("stopped: "):
            os.kill(os.getpid(), signum)   # while the model is being saved, or just after

    # 200 epochs, not endless: a signal that is not handled lets the run complete, and the test fails
    code = main(["train", str(SPIRAL), "--epochs", "200", "--json", "--threads", "1", "--no-store",
                 "--save-model", str(target)], out=out, log=out)   # --json: the epoch log goes to log
    err = capsys.readouterr().err
    assert code == 0, err
    assert "Traceback" not in err and "stopping after this batch" in err
    summary = json.loads(lines[-1])
    assert summary["status"] == "stopped" and summary["epochs_run"] >= 2
    assert summary["stopped_by"] == signal.Signals(signum).name and summary["model_file"] == str(target)
    assert torch.load(target, weights_only=True)
    assert signal.getsignal(signum) == before


def test_the_guard_defers_signals_during_imports_and_ignores_them_while_finishing():
    notes: list[str] = []
    guard = signals.SignalGuard()
    guard.note = notes.append
    guard._handle(signal.SIGINT, None)  # deferred: noted only
    assert guard.pending == signal.SIGINT
    with pytest.raises(signals.Interrupted) as info:
        guard.immediate()
    assert info.value.status == 130
    guard = signals.SignalGuard()
    guard.note = notes.append
    stops: list[int] = []
    guard.training(stops.append)
    guard._handle(signal.SIGTERM, None)
    assert stops == [signal.SIGTERM] and guard.first == signal.SIGTERM
    guard.finishing()
    guard._handle(signal.SIGINT, None)  # after the summary: noted, nothing raised
    assert "finishing the summary and the save" in notes[-1]
    guard = signals.SignalGuard()
    guard.training(lambda s: None)
    guard.note = notes.append
    guard._handle(signal.SIGINT, None)
    with pytest.raises(signals.Interrupted):  # a second one during training aborts
        guard._handle(signal.SIGINT, None)


@posix_only
def test_ctrl_c_while_the_command_imports_exits_130_without_a_traceback(tmp_path, monkeypatch):
    """The import of a preloaded module receives SIGINT halfway; the import still completes and the
    command ends with "interrupted" (before: ImportError / KeyboardInterrupt tracebacks)."""
    (tmp_path / "interrupted_import_probe.py").write_text(
        "import os, signal\nos.kill(os.getpid(), signal.SIGINT)\nCOMPLETED = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import core.cli as cli
    monkeypatch.setattr(cli, "_PRELOAD", cli._PRELOAD + ("interrupted_import_probe",))
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["check", str(SPIRAL)], out=lambda s: None)
    assert code == 130 and "interrupted (SIGINT)" in err.getvalue()
    assert sys.modules["interrupted_import_probe"].COMPLETED
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # main restored the handlers


# -- model saves -----------------------------------------------------------------------------------------
def _big_project(tmp_path: Path, width: int = 4096) -> Path:
    """Spiral with a 4096 x 4096 hidden layer: a ~70 MB state dict, slow enough to kill mid-save."""
    doc = json.loads(SPIRAL.read_text())
    doc["model"]["nodes"][1]["params"]["out_features"] = width
    doc["model"]["nodes"][3]["params"]["out_features"] = width
    doc["training"]["epochs"] = 1
    doc["data"]["params"]["samples"] = 60
    path = tmp_path / "big.losslab.json"
    path.write_text(json.dumps(doc))
    return path


@posix_only
def test_a_model_save_killed_with_sigkill_leaves_the_old_file_or_the_new_one_whole(tmp_path):
    import torch
    project = _big_project(tmp_path)
    target = tmp_path / "model.pt"
    torch.save({"old": torch.arange(5)}, target)
    killed_mid_save = 0
    for attempt in range(3):
        proc = _train(project, "--threads", "1", "--quiet", "--save-model", target)
        for line in proc.stdout:  # the summary line comes right before the save
            if line.startswith(("completed", "stopped", "diverged", "failed")):
                break
        while proc.poll() is None and not temp_files_of(target):
            pass  # wait for the save's temporary file to appear (a state, not a delay)
        if temp_files_of(target) and proc.poll() is None:
            killed_mid_save += 1
        proc.kill()
        proc.communicate(timeout=60)
        state = torch.load(target, weights_only=True)  # whole: it loads
        assert set(state) == {"old"} or any(k.endswith("weight") for k in state)
        if killed_mid_save:
            break
    assert killed_mid_save >= 1, "no save was caught in the act: the test did not test anything"
    leftovers = temp_files_of(target)
    assert leftovers, "a killed save leaves its temporary behind"
    write_atomic(target, b"next save")  # the next save of the same file removes them
    assert temp_files_of(target) == [] and target.read_bytes() == b"next save"


@posix_only
def test_a_full_disk_while_saving_keeps_the_old_model_and_prints_the_summary(tmp_path):
    """RLIMIT_FSIZE makes writes past 1 MB fail with EFBIG, as a full disk fails with ENOSPC."""
    import torch
    project = _big_project(tmp_path, width=1024)   # a ~4 MB state dict is already past the 1 MB limit
    target = tmp_path / "model.pt"
    torch.save({"old": torch.arange(5)}, target)

    def limit_file_size():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))

    proc = _train(project, "--threads", "1", "--json", "--save-model", target, preexec_fn=limit_file_size)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 1 and "Traceback" not in err
    assert "could not save the model" in err and "older file there is unchanged" in err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["status"] == "completed" and summary["model_file"] is None and summary["model_not_saved"]
    assert set(torch.load(target, weights_only=True)) == {"old"}
    assert temp_files_of(target) == []


@posix_only
def test_stale_temporaries_are_removed_but_one_being_written_is_kept(tmp_path):
    import fcntl
    target = tmp_path / "p.losslab.json"
    stale = [tmp_path / f".p.losslab.json.k{i}.tmp" for i in range(3)]
    for s in stale:
        s.write_bytes(b"x" * 100)
    busy = tmp_path / ".p.losslab.json.busy.tmp"
    busy.write_bytes(b"being written")
    with open(busy, "rb") as f:
        fcntl.flock(f, fcntl.LOCK_EX)  # another process writing it right now
        assert clean_stale_temps(target) == 3
        assert temp_files_of(target) == [busy]
    from core.project import Project
    Project.from_dict(json.loads(SPIRAL.read_text())).save(target)
    assert temp_files_of(target) == []
