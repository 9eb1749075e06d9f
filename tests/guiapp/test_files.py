"""Recent files, autosave and crash recovery, and which project opens at start-up."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from core.project import Project
from guiapp import files
from guiapp.document import ProjectDocument
from tests.conftest import EXAMPLES

SPIRAL = EXAMPLES / "spiral.losslab.json"


@pytest.fixture
def answers(monkeypatch):
    """Prompt answers for the test to set, and the prompts asked."""
    a = {"recover": True, "asked": [], "errors": []}
    monkeypatch.setattr(files.prompts, "ask_recover", lambda parent, rec: a["asked"].append(rec) or a["recover"])
    monkeypatch.setattr(files.prompts, "ask_save_changes", lambda parent, name, training=False: "discard")
    monkeypatch.setattr(files.prompts, "show_error", lambda parent, title, text, detail="": a["errors"].append(detail))
    return a


def _project_file(folder: Path, name: str) -> Path:
    p = folder / f"{name}.losslab.json"
    p.write_text(SPIRAL.read_text())
    return p


def _doc_with_edit(path: Path | None = None, lr: float = 0.07) -> ProjectDocument:
    doc = ProjectDocument(Project.load(path or SPIRAL))
    if path is not None:
        doc.replace(Project.load(path), path)
    doc.edit("lr", lambda p: p.training.optimizer.params.__setitem__("lr", lr), "training")
    return doc


def _as_if_crashed(file: Path) -> None:
    """Make an autosave look like one left by a process that is gone."""
    doc = json.loads(file.read_text())
    doc["pid"] = 0
    file.write_text(json.dumps(doc))


# -- recent files ------------------------------------------------------------------------------------
def test_recent_files_newest_first_at_most_ten_missing_dropped(isolated):
    paths = [_project_file(isolated, f"p{i}") for i in range(12)]
    for p in paths:
        files.add_recent(p)
    files.add_recent(paths[5])  # again: moves to the front, no duplicate
    recent = files.recent_files()
    assert len(recent) == files.MAX_RECENT
    assert recent[0] == paths[5].resolve() and recent[1] == paths[11].resolve()
    paths[11].unlink()
    assert paths[11].resolve() not in files.recent_files()
    assert files.last_project() == paths[5].resolve()
    files.clear_recent()
    assert files.recent_files() == []


def test_relative_data_path(tmp_path):
    project = tmp_path / "proj" / "a.losslab.json"
    data = tmp_path / "data" / "x.csv"
    assert files.relative_data_path(data, project) == "../data/x.csv"
    assert files.relative_data_path(data, None) == str(data.resolve())


# -- autosave ----------------------------------------------------------------------------------------
def test_autosave_writes_while_dirty_and_is_removed_on_save(qtbot, isolated):
    path = _project_file(isolated, "work")
    doc = ProjectDocument(Project.load(path))
    doc.replace(Project.load(path), path)
    saver = files.Autosaver(doc, interval_ms=20)
    assert saver.save_now() is None  # clean: nothing to write
    doc.edit("lr", lambda p: p.training.optimizer.params.__setitem__("lr", 0.07), "training")
    qtbot.waitUntil(saver.file.exists, timeout=3000)
    payload = json.loads(saver.file.read_text())
    assert payload["original"] == str(path.resolve())
    assert payload["project"]["training"]["optimizer"]["params"]["lr"] == 0.07
    doc.save()
    assert not saver.file.exists()


def test_autosave_is_removed_when_undone_to_clean(qtbot, isolated):
    doc = _doc_with_edit()
    saver = files.Autosaver(doc)
    assert saver.save_now() == saver.file
    doc.undo_stack.undo()
    assert not doc.dirty and not saver.file.exists()


def test_recovery_restores_the_autosaved_project(qtbot, isolated, answers):
    path = _project_file(isolated, "work")
    crashed = _doc_with_edit(path, lr=0.09)
    file = files.Autosaver(crashed).save_now()
    _as_if_crashed(file)
    fresh = ProjectDocument(Project(), load_data=False)
    ctl = files.FileController(fresh)
    assert ctl.offer_recovery()
    assert fresh.project.to_dict() == crashed.project.to_dict()
    assert fresh.dirty  # recovered work is not saved yet
    assert fresh.path == path.resolve()
    assert not file.exists()
    assert fresh.check is not None and fresh.check.ok


def test_declined_recovery_discards_the_autosave(qtbot, isolated, answers):
    file = files.Autosaver(_doc_with_edit()).save_now()
    _as_if_crashed(file)
    answers["recover"] = False
    fresh = ProjectDocument(Project(), load_data=False)
    assert not files.FileController(fresh).offer_recovery()
    assert len(answers["asked"]) == 1 and not file.exists()
    assert not fresh.data_loaded


def test_autosaves_of_running_windows_are_not_offered(qtbot, isolated, answers):
    files.Autosaver(_doc_with_edit()).save_now()  # this process is alive
    assert files.find_autosaves() == []


# -- start-up ----------------------------------------------------------------------------------------
def _startup(path: str | None = None) -> ProjectDocument:
    doc = ProjectDocument(Project(), load_data=False)
    files.FileController(doc).startup(path)
    return doc


def test_startup_opens_the_given_project(qtbot, isolated, answers):
    doc = _startup(str(EXAMPLES / "xor.losslab.json"))
    assert doc.path == EXAMPLES / "xor.losslab.json" and doc.check.ok


def test_startup_offers_recovery_then_last_project_then_spiral(qtbot, isolated, answers):
    assert _startup().project.to_dict() == Project.load(SPIRAL).to_dict()  # nothing else: the spiral
    last = _project_file(isolated, "last")
    files.add_recent(last)
    assert _startup().path == last.resolve()
    file = files.Autosaver(_doc_with_edit(lr=0.123)).save_now()
    _as_if_crashed(file)
    doc = _startup()
    assert doc.project.training.optimizer.params["lr"] == 0.123 and doc.dirty


def test_startup_with_a_broken_file_says_why_and_opens_another(qtbot, isolated, answers):
    bad = isolated / "bad.losslab.json"
    bad.write_text("{")
    doc = _startup(str(bad))
    assert answers["errors"] and "line 1" in answers["errors"][0]
    assert "opens the spiral example instead" in answers["errors"][0]    # not a silent swap
    assert doc.check is not None and doc.check.ok
    files.add_recent(_project_file(isolated, "last"))
    answers["errors"].clear()
    doc = _startup(str(bad))
    assert "opens your last project, last, instead" in answers["errors"][0] and doc.path.name == "last.losslab.json"


def test_save_as_to_another_folder_keeps_a_relative_data_path_working(qtbot, isolated, monkeypatch):
    src = isolated / "a"
    src.mkdir()
    (src / "d.csv").write_text("x1,x2,y\n" + "\n".join(f"{i},{i % 3},{i % 2}" for i in range(40)) + "\n")
    project = Project.load(SPIRAL).to_dict()
    project["data"] = {"source": "csv", "path": "d.csv"}
    (src / "p.losslab.json").write_text(json.dumps(project))
    doc = ProjectDocument(Project(), load_data=False)
    ctl = files.FileController(doc)
    assert ctl.open(src / "p.losslab.json", confirm=False)
    assert doc.data_error == ""
    target = isolated / "b" / "p.losslab.json"
    monkeypatch.setattr(files.prompts, "choose_save_path", lambda parent, suggested="": str(target))
    assert ctl.save_as()
    reopened = ProjectDocument(Project.load(target))
    assert reopened.data_error == "" and os.path.isabs(reopened.project.data.path)


# -- bundled examples are never written over ------------------------------------------------------------
@pytest.fixture
def save_prompt(monkeypatch, isolated):
    """Record what Save As suggests; answer with ``answer["path"]`` (None = cancelled)."""
    docs = isolated / "Documents"
    docs.mkdir()
    monkeypatch.setattr(files.recent, "documents_dir", lambda: docs)
    answer = {"path": None, "suggested": [], "docs": docs}
    monkeypatch.setattr(files.prompts, "choose_save_path",
                        lambda parent, suggested="": answer["suggested"].append(suggested) or answer["path"])
    return answer


def _example_bytes_and_mode(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mode


@pytest.mark.parametrize("route", ["command line", "open", "recent"])
def test_save_of_a_bundled_example_asks_where_and_suggests_the_documents_folder(qtbot, answers, save_prompt,
                                                                                 route):
    before = _example_bytes_and_mode(SPIRAL)
    doc = ProjectDocument(Project(), load_data=False)
    ctl = files.FileController(doc)
    if route == "command line":
        ctl.startup(str(SPIRAL))
    elif route == "open":
        assert ctl.open(SPIRAL, confirm=False)
    else:
        files.add_recent(SPIRAL)
        assert ctl.open(files.recent_files()[0], confirm=False)
    assert files.is_bundled_example(doc.path)
    doc.edit("lr", lambda p: p.training.optimizer.params.__setitem__("lr", 0.07), "training")
    assert not ctl.save()                                  # Save went to Save As, which was cancelled
    assert save_prompt["suggested"] == [str(save_prompt["docs"] / "spiral.losslab.json")]
    assert _example_bytes_and_mode(SPIRAL) == before and doc.dirty
    save_prompt["path"] = str(save_prompt["docs"] / "mine.losslab.json")
    assert ctl.save()
    assert doc.path == save_prompt["docs"] / "mine.losslab.json" and not doc.dirty
    assert _example_bytes_and_mode(SPIRAL) == before


def test_save_as_onto_a_bundled_example_is_refused(qtbot, answers, save_prompt):
    before = _example_bytes_and_mode(SPIRAL)
    doc = ProjectDocument(Project(), load_data=False)
    ctl = files.FileController(doc)
    assert ctl.open_example(SPIRAL, confirm=False)
    doc.edit("lr", lambda p: p.training.optimizer.params.__setitem__("lr", 0.07), "training")
    save_prompt["path"] = str(SPIRAL)
    assert not ctl.save()
    assert save_prompt["suggested"] == [str(save_prompt["docs"] / f"{doc.project.name}.losslab.json")]
    assert answers["errors"] and "another folder" in answers["errors"][0]
    assert _example_bytes_and_mode(SPIRAL) == before and doc.dirty


def test_save_as_of_a_project_of_ones_own_suggests_its_file(qtbot, answers, save_prompt, isolated):
    path = _project_file(isolated, "work")
    doc = ProjectDocument(Project(), load_data=False)
    ctl = files.FileController(doc)
    assert ctl.open(path, confirm=False)
    assert not files.is_bundled_example(path)
    assert not ctl.save_as()
    assert save_prompt["suggested"] == [str(path)]


def test_documents_dir_is_outside_the_examples():
    assert not files.is_bundled_example(files.documents_dir() / "spiral.losslab.json")
    assert files.is_bundled_example(files.EXAMPLES_DIR / "sub" / ".." / "xor.losslab.json")
    assert not files.is_bundled_example(None)


# -- Ctrl-C: close without prompts, keep the autosave ---------------------------------------------------
def test_close_without_prompts_keeps_the_autosave_and_asks_nothing(qtbot, isolated, monkeypatch):
    asked = []
    monkeypatch.setattr(files.prompts, "ask_save_changes",
                        lambda parent, name, training=False: asked.append(name) or "cancel")
    path = _project_file(isolated, "work")
    doc = _doc_with_edit(path, lr=0.11)
    saver = files.Autosaver(doc)
    ctl = files.FileController(doc)
    ctl.close_without_prompts(saver)
    assert ctl.confirm_discard() and asked == []
    saver.remove()                       # what the window's close does: the copy stays for recovery
    _as_if_crashed(saver.file)
    record, = files.find_autosaves()
    assert files.load_autosave(record).training.optimizer.params["lr"] == 0.11
