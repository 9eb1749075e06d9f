"""Before Qt starts on X11: are the system libraries of Qt's xcb platform plugin there?

Without them Qt aborts with "could not load the Qt platform plugin 'xcb'" and a long list of
plugins; this names the missing library and the apt line that installs them, in one line. No Qt
import here: the check runs before the QApplication exists.
"""
from __future__ import annotations

import ctypes
import os
import sys
from typing import Callable

__all__ = ["XCB_LIBRARIES", "APT_COMMAND", "missing_xcb_libraries", "xcb_message", "uses_xcb"]

#: shared object -> Debian/Ubuntu package (Qt >= 6.5 needs libxcb-cursor0; minimal images lack the rest)
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}
APT_COMMAND = "sudo apt install " + " ".join(XCB_LIBRARIES.values())


def uses_xcb(environ=os.environ, platform: str = sys.platform) -> bool:
    """Whether Qt will pick the xcb plugin: Linux, an X display, no other platform asked for."""
    if not platform.startswith("linux"):
        return False
    asked = environ.get("QT_QPA_PLATFORM", "").split(":")[0].strip()
    if asked:
        return asked == "xcb"
    return bool(environ.get("DISPLAY")) and not environ.get("WAYLAND_DISPLAY")


def missing_xcb_libraries(load: Callable[[str], object] = ctypes.CDLL) -> list[tuple[str, str]]:
    """``[(shared object, package)]`` that cannot be loaded."""
    missing = []
    for soname, package in XCB_LIBRARIES.items():
        try:
            load(soname)
        except OSError:
            missing.append((soname, package))
    return missing


def xcb_message(missing: list[tuple[str, str]]) -> str:
    """One line: what is missing and the apt command."""
    names = ", ".join(f"{package} ({soname})" for soname, package in missing)
    return f"losslab: Qt's xcb platform plugin cannot load: missing {names}; install with: {APT_COMMAND}"


def check(environ=os.environ, load: Callable[[str], object] = ctypes.CDLL) -> str | None:
    """The message to print instead of Qt's abort, or None when the window can start."""
    if not uses_xcb(environ):
        return None
    missing = missing_xcb_libraries(load)
    return xcb_message(missing) if missing else None
