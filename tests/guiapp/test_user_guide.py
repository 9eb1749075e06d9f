"""Help ▸ User Guide: the guide of resources/docs opens in the window, shows its headings, follows a
click on a link to another page and to a section, goes back, and says where it looked when missing."""
from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtGui import QTextCursor, QTextDocument

from core.project import Project
from guiapp.document import ProjectDocument
from guiapp.main_window import MainWindow
from guiapp.user_guide import INDEX, UserGuide, guide_dir, heading_anchor
from tests.conftest import EXAMPLES


@pytest.fixture
def window(qtbot, isolated):
    w = MainWindow(ProjectDocument(Project(), load_data=False))
    qtbot.addWidget(w)
    assert w.files.open(EXAMPLES / "spiral.losslab.json", confirm=False)
    w.show()
    yield w
    w.document.undo_stack.setClean()
    w.close()


def _headings(page: str) -> list[str]:
    text = re.sub(r"^```.*?^```", "", (guide_dir() / page).read_text(encoding="utf-8"), flags=re.S | re.M)
    return [re.sub(r"[`*]", "", m) for m in re.findall(r"^#{1,6}\s+(.+?)\s*$", text, re.M)]


def _link_position(qtbot, browser, href: str) -> QPoint:
    """Where the user clicks to follow the first link to ``href``, once it is scrolled into view."""
    block = browser.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.charFormat().anchorHref() == href:
                cursor = QTextCursor(browser.document())
                cursor.setPosition(fragment.position() + fragment.length() // 2)
                browser.setTextCursor(cursor)
                browser.ensureCursorVisible()
                # the document is laid out in the background: wait until the link is under the point
                qtbot.waitUntil(lambda: browser.anchorAt(browser.cursorRect(cursor).center()) == href)
                return browser.cursorRect(cursor).center()
            it += 1
        block = block.next()
    raise AssertionError(f"no link to {href} on {browser.source().toString()}")


def _heading_on_screen(browser, title: str) -> bool:
    found = browser.document().find(title)
    while not found.isNull() and not found.block().blockFormat().headingLevel():
        found = browser.document().find(title, found)
    rect = browser.cursorRect(found)
    return not found.isNull() and 0 <= rect.top() < browser.viewport().height()


def test_help_user_guide_opens_the_guide_and_follows_its_links(qtbot, window):
    action = window.user_guide_action
    assert action in window.help_menu.actions() and action.text().replace("&", "") == "User Guide"
    action.trigger()
    guide = window.findChild(UserGuide, "help:user-guide")
    qtbot.waitUntil(guide.isVisible)
    assert guide.page() == INDEX
    text = guide.text()
    headings = _headings(INDEX)
    assert "The window" in headings and "Examples" in headings
    for heading in headings:
        assert heading in text, heading

    # a click on "Benchmarks" in the contents opens that page
    browser = guide.browser
    qtbot.mouseClick(browser.viewport(), Qt.MouseButton.LeftButton, pos=_link_position(qtbot, browser, "benchmarks.md"))
    qtbot.waitUntil(lambda: guide.page() == "benchmarks.md")
    for heading in ("Training speed", "Window pace", "Diagnosis agreement", "Drift monitor", "Studies",
                    "Export", "Test suite"):
        assert heading in _headings("benchmarks.md") and heading in guide.text()

    # a link to a section of another page lands on that section
    qtbot.mouseClick(browser.viewport(), Qt.MouseButton.LeftButton,
                     pos=_link_position(qtbot, browser, "development.md#tests-that-guard-themselves"))
    qtbot.waitUntil(lambda: guide.page() == "development.md#tests-that-guard-themselves")
    assert browser.verticalScrollBar().value() > 0
    assert _heading_on_screen(browser, "Tests that guard themselves")

    browser.backward()
    qtbot.waitUntil(lambda: guide.page() == "benchmarks.md")
    guide.show_index()                                   # Contents
    assert guide.page() == INDEX
    # Help ▸ User Guide again raises the same window
    action.trigger()
    assert window.findChildren(UserGuide) == [guide]
    guide.close()


def test_a_section_link_on_the_same_page_stays_on_the_page(qtbot):
    guide = UserGuide()
    qtbot.addWidget(guide)
    guide.show()
    qtbot.waitUntil(guide.isVisible)
    guide.browser.setSource(QUrl("#examples"))
    assert guide.page() == f"{INDEX}#examples"
    assert guide.browser.sourceType() == QTextDocument.ResourceType.MarkdownResource   # not re-read as HTML
    assert _heading_on_screen(guide.browser, "Examples")


def test_screenshots_are_scaled_to_the_page(qtbot):
    guide = UserGuide()
    qtbot.addWidget(guide)
    guide.show()
    qtbot.waitUntil(guide.isVisible)
    url = QUrl.fromLocalFile(str(guide_dir().parent / "screenshots" / "window-1280x800-light.png"))
    image = guide.browser.document().resource(QTextDocument.ResourceType.ImageResource, url)
    assert image is not None and 0 < image.width() <= guide.browser.viewport().width()
    # a link to a screenshot shows it as a page of its own, and Back returns
    guide.browser.setSource(QUrl("../screenshots/deployment.png"))
    assert guide.page() == "deployment.png" and guide.text().strip() == "\ufffc"   # one image, no PNG bytes as text
    guide.browser.backward()
    assert guide.page() == INDEX


def test_a_missing_guide_says_where_it_was_looked_for(qtbot, tmp_path):
    guide = UserGuide(folder=tmp_path)
    qtbot.addWidget(guide)
    assert "The user guide is missing" in guide.text() and str(tmp_path / INDEX) in guide.text()


def test_every_page_shows_all_its_text(qtbot):
    # Qt left paragraphs after tables with no height when a laid-out page was edited: nothing may vanish
    guide = UserGuide()
    qtbot.addWidget(guide)
    guide.show()
    qtbot.waitUntil(guide.isVisible)
    for page in sorted(guide_dir().glob("*.md")):
        guide.browser.setSource(QUrl(f"{page.name}#{heading_anchor(_headings(page.name)[-1])}"))
        assert guide.page().startswith(page.name)
        layout, block, hidden = guide.browser.document().documentLayout(), guide.browser.document().begin(), []
        while block.isValid():
            if block.text().strip() and layout.blockBoundingRect(block).height() <= 0:
                hidden.append(block.text()[:60])
            block = block.next()
        assert hidden == [], page.name
