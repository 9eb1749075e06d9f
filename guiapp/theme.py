"""Look and feel: Fusion style, a light or dark palette following the system, and the SVG icons."""
from __future__ import annotations

import os
from functools import lru_cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from core.paths import resources_dir

ICONS = resources_dir() / "icons"

#: colours of the semantic accents (errors, warnings, good news), per scheme
ACCENTS = {
    "light": {"error": "#c62828", "warning": "#b26a00", "ok": "#2e7d32", "muted": "#6b6b6b"},
    "dark": {"error": "#ff6b6b", "warning": "#ffb74d", "ok": "#81c784", "muted": "#a0a0a0"},
}

#: class colours for scatter previews, readable on both palettes
CLASS_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                "#bcbd22", "#17becf")


def system_is_dark() -> bool:
    """Whether the system asks for a dark scheme (Qt 6.5+); light when it cannot tell.
    ``LOSSLAB_THEME=dark`` or ``light`` overrides the system (screenshots, tests)."""
    forced = os.environ.get("LOSSLAB_THEME", "").lower()
    if forced in ("dark", "light"):
        return forced == "dark"
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    if scheme is None:
        return False
    return scheme() == Qt.ColorScheme.Dark


def light_palette() -> QPalette:
    p = QPalette()
    colors = {
        QPalette.ColorRole.Window: "#f3f3f3", QPalette.ColorRole.WindowText: "#1e1e1e",
        QPalette.ColorRole.Base: "#ffffff", QPalette.ColorRole.AlternateBase: "#f0f0f4",
        QPalette.ColorRole.ToolTipBase: "#ffffe8", QPalette.ColorRole.ToolTipText: "#1e1e1e",
        QPalette.ColorRole.PlaceholderText: "#8a8a8a", QPalette.ColorRole.Text: "#1e1e1e",
        QPalette.ColorRole.Button: "#ececec", QPalette.ColorRole.ButtonText: "#1e1e1e",
        QPalette.ColorRole.BrightText: "#d00000", QPalette.ColorRole.Highlight: "#2f6fdb",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.Link: "#1a5fc8",
        QPalette.ColorRole.Mid: "#c8c8c8", QPalette.ColorRole.Dark: "#a0a0a0", QPalette.ColorRole.Light: "#ffffff",
    }
    for role, c in colors.items():
        p.setColor(role, QColor(c))
    _disabled(p, "#9a9a9a")
    return p


def dark_palette() -> QPalette:
    p = QPalette()
    colors = {
        QPalette.ColorRole.Window: "#2b2b2e", QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1f1f22", QPalette.ColorRole.AlternateBase: "#2a2a2e",
        QPalette.ColorRole.ToolTipBase: "#3a3a3e", QPalette.ColorRole.ToolTipText: "#e6e6e6",
        QPalette.ColorRole.PlaceholderText: "#8a8a8a", QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#35353a", QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.BrightText: "#ff6b6b", QPalette.ColorRole.Highlight: "#3d7be0",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.Link: "#7fb0ff",
        QPalette.ColorRole.Mid: "#4a4a50", QPalette.ColorRole.Dark: "#18181a", QPalette.ColorRole.Light: "#505056",
    }
    for role, c in colors.items():
        p.setColor(role, QColor(c))
    _disabled(p, "#6e6e74")
    return p


def _disabled(p: QPalette, color: str) -> None:
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(color))


def scheme() -> str:
    """The scheme in use: "dark" or "light" (read from the application palette)."""
    app = QApplication.instance()
    if app is None:
        return "light"
    return "dark" if app.palette().color(QPalette.ColorRole.Window).lightness() < 128 else "light"


def accent(name: str) -> str:
    """A semantic colour ("error", "warning", "ok", "muted") for the current scheme."""
    return ACCENTS[scheme()][name]


def apply_theme(app: QApplication) -> None:
    """Fusion style and the palette matching the system; follows later system changes."""
    app.setStyle("Fusion")
    _apply_palette(app)
    hints = QGuiApplication.styleHints()
    if hasattr(hints, "colorSchemeChanged"):
        hints.colorSchemeChanged.connect(lambda _scheme: _apply_palette(app))


def _apply_palette(app: QApplication) -> None:
    app.setPalette(dark_palette() if system_is_dark() else light_palette())


@lru_cache(maxsize=None)
def icon(name: str) -> QIcon:
    """The icon ``resources/icons/<name>.svg`` (mid-tone colours, legible on both schemes);
    an empty icon when missing."""
    path = ICONS / f"{name}.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()


def icon_for_category(category: str) -> QIcon:
    """The icon of a layer category ("Dense", "Activation", …), e.g. for the palette."""
    return icon("layer-" + category.lower().replace(" ", "-"))
