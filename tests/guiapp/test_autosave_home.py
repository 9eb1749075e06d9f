"""The autosave folder follows LOSSLAB_HOME and sits beside the run store, as ``autosave``; autosaves
an older LossLab left in its own folder are still offered."""
from __future__ import annotations

import json
import os

from core.runs.store import default_store_dir
from guiapp.files import autosave


def test_the_autosave_folder_sits_beside_the_run_store_under_losslab_home(tmp_path, monkeypatch):
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path / "home"))
    assert autosave.autosave_dir() == tmp_path / "home" / "autosave"
    assert autosave.autosave_dir().parent == default_store_dir()


def test_without_losslab_home_it_is_in_the_platform_folder_and_old_autosaves_are_found(tmp_path, monkeypatch):
    monkeypatch.delenv("LOSSLAB_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))      # platformdirs' folder on Linux
    monkeypatch.setenv("HOME", str(tmp_path))                          # ... and elsewhere
    assert autosave.autosave_dir().parent == default_store_dir()
    old = autosave._legacy_autosave_dir()
    if old is None:                                                    # a platform whose folders ignore case
        return
    old.mkdir(parents=True)
    gone = 2 ** 22 + 12345                                            # no such process
    while autosave._pid_alive(gone):
        gone += 1
    (old / f"{gone}-abcd.autosave.json").write_text(json.dumps(
        {"format": autosave.AUTOSAVE_FORMAT, "pid": gone, "saved": 1.0, "original": None, "base_dir": None,
         "project": {"name": "before the move"}}))
    found = autosave.find_autosaves()
    assert [r.name for r in found] == ["before the move"] and found[0].file.parent == old
    assert os.path.commonpath([old, tmp_path]) == str(tmp_path)
