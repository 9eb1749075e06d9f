"""The light and dark palettes are data (``guiapp.theme.PALETTES``)."""
from __future__ import annotations


def test_both_palettes_are_data_with_every_role_and_readable_text(qapp):
    from PySide6.QtGui import QPalette
    from guiapp import theme
    assert theme.PALETTES["light"].keys() == theme.PALETTES["dark"].keys()
    for name, want_dark in (("light", False), ("dark", True)):
        p = theme.palette(name)
        window, text = p.color(QPalette.ColorRole.Window), p.color(QPalette.ColorRole.WindowText)
        assert (window.lightness() < 128) is want_dark
        assert abs(window.lightness() - text.lightness()) > 150, f"{name}: text must stand out"
        assert p.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text).name() == theme.PALETTES[name]["Disabled"]
