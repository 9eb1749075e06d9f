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


#: the light and dark palettes as data: ``QPalette.ColorRole`` name -> colour; "Disabled" colours the
#: text of disabled widgets. A new scheme is one more entry here.
#: colours of the series drawn side by side (overlaid runs, a study's settings), one per series in turn:
#: 20 distinguishable colours (Tableau 10 and its light half), none the live run's blue/orange
SERIES_COLOURS = ("#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79",
           "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363",
           "#ad494a", "#a55194")

PALETTES: dict[str, dict[str, str]] = {
    "light": {
        "Window": "#f3f3f3", "WindowText": "#1e1e1e", "Base": "#ffffff", "AlternateBase": "#f0f0f4",
        "ToolTipBase": "#ffffe8", "ToolTipText": "#1e1e1e", "PlaceholderText": "#8a8a8a", "Text": "#1e1e1e",
        "Button": "#ececec", "ButtonText": "#1e1e1e", "BrightText": "#d00000", "Highlight": "#2f6fdb",
        "HighlightedText": "#ffffff", "Link": "#1a5fc8", "Mid": "#c8c8c8", "Dark": "#a0a0a0", "Light": "#ffffff",
        "Disabled": "#9a9a9a",
    },
    "dark": {
        "Window": "#2b2b2e", "WindowText": "#e6e6e6", "Base": "#1f1f22", "AlternateBase": "#2a2a2e",
        "ToolTipBase": "#3a3a3e", "ToolTipText": "#e6e6e6", "PlaceholderText": "#8a8a8a", "Text": "#e6e6e6",
        "Button": "#35353a", "ButtonText": "#e6e6e6", "BrightText": "#ff6b6b", "Highlight": "#3d7be0",
        "HighlightedText": "#ffffff", "Link": "#7fb0ff", "Mid": "#4a4a50", "Dark": "#18181a", "Light": "#505056",
        "Disabled": "#6e6e74",
    },
}


def palette(name: str) -> QPalette:
    """The ``QPalette`` of the scheme ``name`` ("light" or "dark") built from :data:`PALETTES`."""
    colours = PALETTES[name]
    p = QPalette()
    for role, colour in colours.items():
        if role != "Disabled":
            p.setColor(getattr(QPalette.ColorRole, role), QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(colours["Disabled"]))
    return p


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
    app.setPalette(palette("dark" if system_is_dark() else "light"))


@lru_cache(maxsize=None)
def icon(name: str) -> QIcon:
    """The icon ``resources/icons/<name>.svg`` (mid-tone colours, legible on both schemes);
    an empty icon when missing."""
    path = ICONS / f"{name}.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()
