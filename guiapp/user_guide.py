"""Help ▸ User Guide: the Markdown guide of ``resources/docs/`` rendered inside the window.

The guide is the same set of files the repository's README points to, found through
:func:`core.paths.resources_dir`, so it is there in a checkout, a wheel and the frozen bundle. Qt's
``QTextBrowser`` renders Markdown and follows relative links between the pages; two things it does
not do are added here: a link to a heading by the anchor GitHub gives it (``benchmarks.md#test-suite``)
scrolls to that section, in the app as on GitHub, and screenshots are scaled to the page's width.
"""
from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QByteArray, QUrl
from PySide6.QtGui import QAction, QImage, QTextDocument
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QMenu, QPushButton, QTextBrowser,
                               QVBoxLayout, QWidget)

from core.paths import resources_dir

__all__ = ["INDEX", "GuideBrowser", "UserGuide", "add_to_menu", "guide_dir", "heading_anchor"]

INDEX = "user-guide.md"
_MARKDOWN_SUFFIXES = (".md", ".markdown")
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg")


def guide_dir() -> Path:
    """The folder of the guide's pages (``resources/docs``)."""
    return resources_dir() / "docs"


def heading_anchor(text: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens.

    ``"Drift: is the new data like the training data?"`` → ``"drift-is-the-new-data-like-the-training-data"``.
    """
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


class GuideBrowser(QTextBrowser):
    """A ``QTextBrowser`` for the guide's Markdown pages: links to headings work, images fit the width."""

    def doSetSource(self, name: QUrl, type: QTextDocument.ResourceType = QTextDocument.ResourceType.UnknownResource
                    ) -> None:  # noqa: A002 - Qt's own parameter name
        # A link is resolved against the page it is on, so "#part" stays on this page and
        # "benchmarks.md" opens beside it; Qt would otherwise guess the type of "#part" as HTML.
        url = self.source().resolved(name) if name.isRelative() and not self.source().isEmpty() else name
        if url.path().lower().endswith(_MARKDOWN_SUFFIXES + _IMAGE_SUFFIXES):   # an image: a page showing it
            type = QTextDocument.ResourceType.MarkdownResource  # noqa: A001
        super().doSetSource(url, type)
        if url.hasFragment():
            self.scroll_to_heading(url.fragment())

    def scroll_to_heading(self, anchor: str) -> bool:
        """Scroll the heading whose GitHub anchor is ``anchor`` to the top; False when there is none.

        The headings are found rather than given anchors: changing the formats of a laid-out
        document with tables left paragraphs after the tables unlaid (zero height) in Qt 6.11."""
        seen: dict[str, int] = {}
        block = self.document().begin()
        while block.isValid():
            if block.blockFormat().headingLevel() and block.text().strip():
                name = heading_anchor(block.text())
                n = seen.get(name, 0)
                seen[name] = n + 1
                if (name if n == 0 else f"{name}-{n}") == anchor:
                    top = self.document().documentLayout().blockBoundingRect(block).top()
                    self.verticalScrollBar().setValue(int(top))   # at the end of a page: as far as it goes
                    return True
            block = block.next()
        return False

    def loadResource(self, type: int, name: QUrl) -> object:  # noqa: A002 - Qt's own parameter name
        if (type == QTextDocument.ResourceType.MarkdownResource and name.isLocalFile()
                and name.path().lower().endswith(_IMAGE_SUFFIXES)):
            return QByteArray(f"![{Path(name.path()).name}](<{name.toString()}>)".encode())
        # Screenshots are 1280 px and wider: scale them to the page, never up.
        if type == QTextDocument.ResourceType.ImageResource and name.isLocalFile():
            image = QImage(name.toLocalFile())
            width = max(200, self.viewport().width() - 40)
            if not image.isNull() and image.width() > width:
                return image.scaledToWidth(width)
            return image
        return super().loadResource(type, name)


class UserGuide(QDialog):
    """The user guide in a non-modal window: the guide's pages with Back, Forward and Contents."""

    def __init__(self, parent: QWidget | None = None, folder: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("LossLab user guide")
        self.setObjectName("help:user-guide")
        self.folder = folder or guide_dir()
        self.browser = GuideBrowser()
        self.browser.setOpenExternalLinks(True)    # http links go to the system's browser
        self.browser.setSearchPaths([str(self.folder)])
        nav = QHBoxLayout()
        for text, slot, signal in (("Back", self.browser.backward, self.browser.backwardAvailable),
                                   ("Forward", self.browser.forward, self.browser.forwardAvailable)):
            button = QPushButton(text)
            button.setEnabled(False)
            button.clicked.connect(slot)
            signal.connect(button.setEnabled)
            nav.addWidget(button)
        contents = QPushButton("Contents")
        contents.clicked.connect(self.show_index)
        nav.addWidget(contents)
        nav.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addLayout(nav)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(900, 760)
        self.show_index()

    def show_index(self) -> None:
        """Open the guide's first page, or say where it was looked for when it is missing."""
        index = self.folder / INDEX
        if index.is_file():
            self.browser.setSource(QUrl.fromLocalFile(str(index)), QTextDocument.ResourceType.MarkdownResource)
        else:
            self.browser.setMarkdown(f"# The user guide is missing\n\nLossLab looked for `{index}`. Reinstall "
                                     "LossLab, or read the guide in the repository's `resources/docs/` folder.")

    def page(self) -> str:
        """The file name of the page shown, with its section (``benchmarks.md#test-suite``)."""
        url = self.browser.source()
        return Path(url.path()).name + (f"#{url.fragment()}" if url.hasFragment() else "")

    def text(self) -> str:
        return self.browser.toPlainText()


def add_to_menu(window: QWidget, menu: QMenu) -> QAction:
    """Put Help ▸ User Guide first in ``menu``; the guide window is made on first use and kept."""
    guide: list[UserGuide] = []

    def show() -> None:
        if not guide:
            guide.append(UserGuide(window))
        guide[0].show()
        guide[0].raise_()
        guide[0].activateWindow()

    action = QAction("&User Guide", window)
    action.setStatusTip("The full manual, with every figure: opens inside LossLab")
    action.triggered.connect(show)
    first = menu.actions()[0] if menu.actions() else None
    menu.insertAction(first, action)
    return action
