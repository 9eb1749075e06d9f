"""First use: one close question with the training paused, the project named after its file on Save
As, File ▸ New = an Input node, File ▸ Examples with descriptions, the Help pages, an unknown first
argument refused, and the xcb libraries named in one line."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from core.cli import COMMANDS
from core.project import Project
from guiapp import files, launcher, xcb_check
from guiapp.document import ProjectDocument
from guiapp.main_window import MainWindow
from tests.conftest import EXAMPLES


@pytest.fixture
def prompts(monkeypatch):
    p = SimpleNamespace(save="discard", stop=True, save_path=None, asked=[], paused_while_asked=[])
    win = {}

    def paused():
        c = win["w"].controller
        return c is not None and c.is_running() and c.is_paused()

    def ask_save(parent, name, training=False):
        p.asked.append(("save", name, training))
        p.paused_while_asked.append(paused())
        return p.save

    def ask_stop(parent):
        p.asked.append(("stop",))
        p.paused_while_asked.append(paused())
        return p.stop
    monkeypatch.setattr(files.prompts, "ask_save_changes", ask_save)
    monkeypatch.setattr(files.prompts, "ask_stop_training", ask_stop)
    monkeypatch.setattr(files.prompts, "show_error", lambda *a, **k: p.asked.append(("error", a)))
    monkeypatch.setattr(files.prompts, "choose_save_path", lambda parent, suggested="": p.save_path)
    p.win = win
    return p


@pytest.fixture
def window(qtbot, isolated, prompts):
    w = MainWindow(ProjectDocument(Project(), load_data=False))
    prompts.win["w"] = w
    qtbot.addWidget(w)
    assert w.files.open(EXAMPLES / "spiral.losslab.json", confirm=False)
    w.show()
    yield w
    if w.controller is not None:
        w.controller.stop_and_wait(2.0)
    w.document.undo_stack.setClean()
    w.close()


def _train_long(qtbot, w):
    w.document.edit("long", lambda p: setattr(p.training, "epochs", 100_000), "training")
    assert w.controller.run()
    qtbot.waitUntil(lambda: w.controller.history.n_steps > 0, timeout=60_000)


@pytest.mark.parametrize("answer", ["cancel", "discard"])
def test_closing_dirty_while_training_asks_once_with_the_training_paused(qtbot, window, prompts, answer):
    _train_long(qtbot, window)                              # the edit leaves the project dirty
    prompts.save = answer
    closed = window.close()
    assert prompts.asked == [("save", "spiral", True)], "one question, not two"
    assert prompts.paused_while_asked == [True], "nothing trains behind the dialog"
    c = window.controller
    if answer == "cancel":
        assert not closed and c.is_running() and not c.is_paused()   # cancel: the run goes on
    else:
        assert closed and not c.is_running()


def test_closing_clean_while_training_asks_only_to_stop(qtbot, window, prompts):
    _train_long(qtbot, window)
    window.document.undo_stack.setClean()
    prompts.stop = False
    assert not window.close()
    assert prompts.asked == [("stop",)] and prompts.paused_while_asked == [True]
    assert not window.controller.is_paused()
    prompts.stop = True
    assert window.close() and not window.controller.is_running()


def test_the_stop_question_does_not_promise_kept_weights():
    import inspect
    text = inspect.getsource(files.prompts)  # the module's text: the functions themselves are patched in tests
    assert "is kept" not in text and "not kept" in text


@pytest.mark.parametrize("start, named", [("new", "mine"), ("example", "mine"), ("chosen", "My model")])
def test_save_as_names_the_project_after_its_file_unless_the_person_named_it(window, prompts, tmp_path,
                                                                              start, named):
    if start == "new":
        assert window.files.new()
    elif start == "example":
        assert window.files.open_example(EXAMPLES / "xor.losslab.json")
    else:
        window.document.edit("name", lambda p: setattr(p, "name", "My model"), "name")
    prompts.save_path = str(tmp_path / "mine.losslab.json")
    assert window.files.save_as()
    assert json.loads((tmp_path / "mine.losslab.json").read_text())["name"] == named
    assert not window.document.dirty and window.windowTitle().startswith("mine")


def test_file_new_is_an_input_node_and_the_starter_network_is_an_example(window, prompts):
    assert window.files.new()
    model = window.document.project.model
    assert [(n.id, n.type) for n in model.nodes] == [("input", "Input")] and not model.edges
    assert not window.document.project.outputs
    starter = Project.load(EXAMPLES / "starter.losslab.json")
    assert [n.type for n in starter.model.nodes] == ["Input", "Linear", "ReLU", "Linear"]


def test_the_examples_menu_describes_each_example(window):
    actions = window.examples_menu.actions()
    titles = [files.example_title(p) for p in files.examples()]
    assert len(actions) == len(titles) and actions[0].text().startswith("starter — ")
    for a in actions:
        title, _, about = a.text().partition(" — ")
        assert title in titles and len(about) > 20 and "\n" not in about and a.statusTip() == about


def test_help_pages_open_and_list_the_real_shortcuts(qtbot, window):
    texts = [a.text().replace("&", "") for a in window.help_menu.actions()]
    assert "Getting Started" in texts and "Keyboard Shortcuts" in texts
    window.getting_started_action.trigger()
    page = window.help_pages["start"]
    qtbot.waitUntil(page.isVisible)
    for words in ("Build", "Run", "Continue", "Restart", "from the previous model", "Findings"):
        assert words in page.text()
    window.shortcuts_action.trigger()
    keys = window.help_pages["keys"]
    qtbot.waitUntil(keys.isVisible)
    text = keys.text()
    assert "Run" in text and "F5" in text and "Save" in text and "Ctrl+S" in text and "Undo" in text
    page.close()
    keys.close()


def test_an_unknown_first_argument_is_refused_with_the_commands(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert "swep" not in COMMANDS
    assert launcher.main(["swep", "x"]) == 2      # a mistyped command
    err = capsys.readouterr().err
    assert err.splitlines()[0] == "losslab: unknown command or file 'swep'"
    for name in COMMANDS:
        assert name in err


def test_a_missing_xcb_library_is_named_in_one_line():
    def load(name):
        if name in ("libxcb-cursor.so.0", "libxcb-icccm.so.4"):
            raise OSError(f"{name}: cannot open shared object file")
    env = {"DISPLAY": ":0"}
    message = xcb_check.check(env, load)
    assert message is not None and "\n" not in message
    assert "libxcb-cursor0" in message and "libxcb-icccm4" in message
    assert "sudo apt install libxcb-cursor0" in message and "libxkbcommon-x11-0" in message
    assert xcb_check.check(env, lambda name: None) is None                  # all there: no message
    assert xcb_check.check({"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"}, load) is None
    assert not xcb_check.uses_xcb({"DISPLAY": ":0"}, platform="win32")


def test_the_window_refuses_to_start_without_xcb_libraries(capsys, monkeypatch):
    from guiapp import app
    monkeypatch.setattr(xcb_check, "check", lambda *a, **k: "losslab: Qt's xcb platform plugin cannot load: x")
    assert app.main([]) == 1
    assert capsys.readouterr().err.strip() == "losslab: Qt's xcb platform plugin cannot load: x"
