"""The findings panel lists the design (architecture-lint) findings beside the curve findings: a
Softmax before CrossEntropyLoss shows before any training, names its node and highlights it on a
real canvas; a clean example shows none; a run that ends without curve findings says so."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt

from core.project import Project
from guiapp.document import ProjectDocument
from guiapp.editor import GraphCanvas
from guiapp.training import FindingsPanel, TrainingController
from guiapp.training.findings_panel import EMPTY_TEXT, HEALTHY_TEXT
from tests.conftest import EXAMPLES
from core.edit_events import EditEvent

SPIRAL = EXAMPLES / "spiral.losslab.json"


def softmax_head_project() -> Project:
    """The spiral example with a Softmax after its last Linear, as the CrossEntropyLoss head."""
    d = Project.load(SPIRAL).to_dict()
    head = d["outputs"][0]["node"]
    d["model"]["nodes"].append({"id": "softmax1", "type": "Softmax"})
    d["model"]["edges"].append([head, "softmax1"])
    d["outputs"][0]["node"] = "softmax1"
    return Project.from_dict(d, SPIRAL.parent)


def moons_project(epochs: int = 10) -> Project:
    return Project.from_dict({
        "format": "losslab-project", "version": 1, "name": "moons",
        "data": {"source": "moons", "params": {"seed": 0}, "val_fraction": 0.2},
        "model": {"nodes": [{"id": "input", "type": "Input"},
                            {"id": "fc0", "type": "Linear", "params": {"out_features": 16}},
                            {"id": "act0", "type": "ReLU"},
                            {"id": "out", "type": "Linear", "params": {"out_features": 2}}],
                  "edges": [["input", "fc0"], ["fc0", "act0"], ["act0", "out"]]},
        "outputs": [{"node": "out", "loss": {"type": "CrossEntropyLoss", "params": {}}}],
        "training": {"optimizer": {"type": "Adam", "params": {"lr": 0.01}}, "epochs": epochs, "batch_size": 32,
                     "seed": 0},
    })


@pytest.fixture
def make(qtbot):
    """(document, controller, canvas, panel) for a project, shown side by side."""
    made = []

    def build(project: Project):
        doc = ProjectDocument(project)
        controller = TrainingController(doc)
        canvas = GraphCanvas(doc)
        panel = FindingsPanel(controller, canvas)
        for w in (canvas, panel):
            qtbot.addWidget(w)
            w.resize(420, 420)
            w.show()
        made.append(controller)
        return doc, controller, canvas, panel

    yield build
    for c in made:
        assert c.stop_and_wait(2.0)


def _texts(panel: FindingsPanel) -> list[str]:
    tree = panel.tree
    return [tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole + 1) for i in range(tree.topLevelItemCount())]


def test_softmax_before_cross_entropy_is_a_design_finding_that_highlights_its_node(qtbot, make):
    doc, _c, canvas, panel = make(softmax_head_project())
    design = panel.design_findings()
    assert [f.node for f in design] == ["softmax1"] and design == doc.lint_findings
    finding = design[0]
    assert "softmax1" in finding.message and finding.kind == "lint"
    texts = _texts(panel)
    assert texts[0] == "Design (1)" and texts[1] == finding.message and texts[2] == "Training curves"
    assert texts[3] == EMPTY_TEXT                       # no training yet: the curves group says so
    assert panel.tree.isVisibleTo(panel) and not panel.placeholder.isVisibleTo(panel)
    item = panel.item_for(finding)
    details = [item.child(i).text(0).replace("\n", " ") for i in range(item.childCount())]
    assert any(d.startswith("Node: softmax1") for d in details) and any(d.startswith("Try: ") for d in details)

    assert canvas.selected_node_ids() != ["softmax1"]
    panel.tree.scrollToItem(item)
    qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=panel.tree.visualItemRect(item).center())
    assert canvas.selected_node_ids() == ["softmax1"]

    # fixing the design removes the finding (refreshed on checkUpdated)
    head = Project.load(SPIRAL).outputs[0].node

    def restore_head(p: Project) -> None:
        p.model.nodes = [n for n in p.model.nodes if n.id != "softmax1"]
        p.model.edges = [e for e in p.model.edges if "softmax1" not in e]
        p.outputs[0].node = head

    events = [EditEvent("edge_removed", e) for e in doc.project.model.edges if "softmax1" in e]
    events += [EditEvent("node_removed", ("softmax1",)), EditEvent("outputs_changed", (["softmax1", head],))]
    with qtbot.waitSignal(doc.checkUpdated):
        assert doc.edit("Remove the softmax", restore_head, events)
    assert panel.design_findings() == [] and panel.tree.topLevelItemCount() == 0
    assert panel.placeholder.isVisibleTo(panel) and panel.placeholder.text() == EMPTY_TEXT


def test_a_clean_example_has_no_design_findings(make):
    doc, _c, _canvas, panel = make(Project.load(SPIRAL))
    assert doc.lint_findings == [] and panel.design_findings() == []
    assert panel.tree.topLevelItemCount() == 0
    assert panel.placeholder.isVisibleTo(panel) and panel.placeholder.text() == EMPTY_TEXT


def test_a_run_without_curve_findings_says_the_curves_look_healthy(qtbot, make):
    _doc, c, _canvas, panel = make(moons_project(60))   # 10 epochs end while the loss still falls: unfinished
    with qtbot.waitSignal(c.runFinished, timeout=30_000) as finished:
        assert c.run()
    assert finished.args[0].status == "completed" and panel.findings() == []
    assert panel.placeholder.isVisibleTo(panel) and panel.placeholder.text() == HEALTHY_TEXT
    c.reset()                                            # forgotten curves: nothing to say yet
    assert panel.placeholder.text() == EMPTY_TEXT


def test_healthy_wording_with_design_findings_and_after_a_failed_run(make):
    _doc, c, _canvas, panel = make(softmax_head_project())
    c.findingsChanged.emit([])
    c.runFinished.emit(SimpleNamespace(status="completed"))
    assert _texts(panel)[-1] == HEALTHY_TEXT             # under "Training curves", below the design finding
    c.runStarted.emit(None)
    assert _texts(panel)[-1] == EMPTY_TEXT
    c.runFinished.emit(SimpleNamespace(status="failed"))
    assert _texts(panel)[-1] == EMPTY_TEXT
