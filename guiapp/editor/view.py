"""A QGraphicsView that zooms with the wheel and pans with the middle button or Space+drag.

When layers lie outside the view (a tall network kept at a readable zoom on a small screen), a
button on the view's edge says how many and where ("▼ 4 more layers below"); clicking it shows the
whole network (what View ▸ Fit to View does)."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtWidgets import QGraphicsView, QToolButton

MIN_ZOOM, MAX_ZOOM = 0.2, 3.0


def hidden_directions(view_rect: QRectF, cards: list[QRectF]) -> dict[str, int]:
    """How many of ``cards`` (scene rectangles) lie wholly or partly outside ``view_rect``, counted by
    the side they stick out of: ``below``, ``above``, ``right``, ``left`` (each card counted once)."""
    counts = {"below": 0, "above": 0, "right": 0, "left": 0}
    for card in cards:
        if view_rect.contains(card):
            continue
        if card.bottom() > view_rect.bottom():
            counts["below"] += 1
        elif card.top() < view_rect.top():
            counts["above"] += 1
        elif card.right() > view_rect.right():
            counts["right"] += 1
        else:
            counts["left"] += 1
    return counts


_ARROWS = {"below": "▼", "above": "▲", "right": "▶", "left": "◀"}


def hidden_text(counts: dict[str, int]) -> str:
    """"▼ 4 more layers below — click to show all" (the sides with most hidden first); "" when none are."""
    sides = [(n, side) for side, n in counts.items() if n]
    if not sides:
        return ""
    sides.sort(key=lambda t: -t[0])
    words = [f"{_ARROWS[side]} {n} more layer{'' if n == 1 else 's'} {side}" for n, side in sides]
    return " · ".join(words) + " — click to show all (Ctrl+0)"


class PanZoomView(QGraphicsView):
    """Wheel: zoom about the mouse; middle button or Space + left drag: pan; scroll bars too."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self._pan_from: QPointF | None = None
        #: the person zoomed or panned: automatic fits (on resize) leave the view alone
        self.view_touched = False
        self.hidden_hint = QToolButton(self.viewport())
        self.hidden_hint.setObjectName("canvas.hiddenHint")
        self.hidden_hint.setAutoRaise(False)
        self.hidden_hint.setCursor(Qt.CursorShape.PointingHandCursor)
        self.hidden_hint.setToolTip("Some layers are outside the view: click to show the whole network (also "
                                    "View ▸ Fit to View, Ctrl+0 anywhere, or F on the canvas); the wheel zooms, the "
                                    "middle button or Space+drag pans")
        self.hidden_hint.clicked.connect(self.show_everything)
        self.hidden_hint.hide()
        self._hint_timer = QTimer(self)
        self._hint_timer.setSingleShot(True)
        self._hint_timer.setInterval(0)    # once per burst of scrolls and scene changes
        self._hint_timer.timeout.connect(self.update_hidden_hint)

    # -- what is outside the view --------------------------------------------------------------------
    def content_cards(self) -> list[QRectF]:
        """Scene rectangles of the things a person looks for (the scene's nodes, when it has them)."""
        nodes = getattr(self.scene(), "nodes", None) or {}
        return [item.card_rect() for item in nodes.values()]

    def show_everything(self) -> None:
        """Fit the whole content (subclasses fit their own way); the hint's click. The person chose this
        view: a later resize (a dock settling, data landing) must not zoom back to the readable top."""
        self.view_touched = True
        fit = getattr(self, "fit_to_view", None)
        if fit is not None:
            fit()

    def update_hidden_hint(self) -> None:
        """Show, on the side most of them lie, how many layers are outside the view; hide when none."""
        visible = self.mapToScene(self.viewport().rect()).boundingRect()
        counts = hidden_directions(visible, self.content_cards())
        text = hidden_text(counts)
        self.hidden_hint.setText(text)
        self.hidden_hint.setVisible(bool(text))
        if not text:
            return
        self.hidden_hint.adjustSize()
        hint, room = self.hidden_hint.size(), self.viewport().rect()
        side = max(counts, key=lambda k: counts[k])
        x = (room.width() - hint.width()) // 2
        y = 6 if side == "above" else room.height() - hint.height() - 6
        self.hidden_hint.move(max(0, x), max(0, y))
        self.hidden_hint.raise_()

    def schedule_hint(self) -> None:
        self._hint_timer.start()

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802 - Qt's name
        super().scrollContentsBy(dx, dy)
        self.schedule_hint()

    def setScene(self, scene) -> None:  # noqa: N802 - Qt's name
        super().setScene(scene)
        if scene is not None:
            scene.changed.connect(lambda _rects: self.schedule_hint())   # layers added, moved, removed

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.schedule_hint()

    def zoom_in(self) -> None:
        self._zoom(1.25)

    def zoom_out(self) -> None:
        self._zoom(1 / 1.25)

    def zoom(self) -> float:
        """The current magnification (1.0 = 100%)."""
        return self.transform().m11()

    def _zoom(self, factor: float) -> None:
        self.view_touched = True
        current = self.zoom()
        target = min(MAX_ZOOM, max(MIN_ZOOM, current * factor))
        self.scale(target / current, target / current)
        self.schedule_hint()

    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt's name
        steps = event.angleDelta().y() / 120.0
        if steps:
            self._zoom(1.15 ** steps)
            event.accept()
        else:
            super().wheelEvent(event)

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = event.position()
            self.view_touched = True
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - round(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - round(delta.y()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self._pan_from is not None and event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
            self.view_touched = True
            self.setInteractive(False)
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
            self.setInteractive(True)
            return
        super().keyReleaseEvent(event)
