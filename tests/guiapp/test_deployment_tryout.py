"""The Deployment tab as a new user first meets it: before any training, and docked in the window."""
from __future__ import annotations

from core.project import Project
from guiapp.deployment import DeploymentView
from guiapp.document import ProjectDocument
from tests.conftest import EXAMPLES


def _check(qtbot, view):
    with qtbot.waitSignal(view.checkFinished, timeout=60_000) as blocker:
        view.check_button.click()
    return blocker.args[0]


def test_without_a_model_the_plots_say_so_and_show_every_window(qtbot):
    path = EXAMPLES / "diagnosis.losslab.json"
    d = ProjectDocument(Project(), load_data=False)
    d.replace(Project.load(path), path)
    view = DeploymentView(d, lambda: None)
    qtbot.addWidget(view)
    view.resize(1000, 500)
    view.show()
    view.select_source("stream")
    check = _check(qtbot, view)
    assert check is not None, view.error
    ot = view.over_time
    title = ot.loss.plotItem.titleLabel.text
    assert "no trained model" in title and "no target" not in title  # the stream has its target column
    assert "input_drift" in ot.markers
    last = len(check.monitor.windows) - 1
    view.resize(700, 400)  # a relayout must not shrink the axis onto the drift marker

    def every_window_in_view():
        return all(p.viewRange()[0][0] <= 0 and p.viewRange()[0][1] >= last for p in (ot.loss, ot.drift))
    qtbot.waitUntil(every_window_in_view, timeout=5000)
