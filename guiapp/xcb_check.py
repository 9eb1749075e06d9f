"""Before Qt starts on Linux: is there a display, and are the system libraries of Qt's xcb platform
plugin there?

Without a display (DISPLAY and WAYLAND_DISPLAY unset: a session over SSH, a server) Qt aborts
(exit 134) with "could not load the Qt platform plugin 'xcb'", and names a library that is in fact
installed; without the libraries it aborts with a long list of plugins. This says "no display" and
what to run instead, or names the missing library and the apt line that installs them, in one line.
No Qt import here: the check runs before the QApplication exists.
"""
from __future__ import annotations

import ctypes
import os
import sys
from typing import Callable

__all__ = ["XCB_LIBRARIES", "APT_COMMAND", "missing_xcb_libraries", "xcb_message", "uses_xcb", "no_display"]

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


#: platforms that draw without a display (Qt's offscreen, minimal and VNC plugins, ...)
_DISPLAYLESS = ("offscreen", "minimal", "minimalegl", "vnc", "linuxfb", "eglfs", "vkkhrdisplay")
NO_DISPLAY_HELP = ("without a window: losslab check|train|lr-find|sweep|export PROJECT (losslab --help lists the "
                   "commands), losslab screenshot PROJECT OUT.png (renders the window to a file); for the window: "
                   "ssh -X (X forwarding), or a virtual display: xvfb-run -a losslab PROJECT")


def no_display(environ=os.environ, platform: str = sys.platform) -> str | None:
    """The message to print when Qt would find no display to open the window on (Linux, DISPLAY and
    WAYLAND_DISPLAY unset, no display-less platform asked for), else None."""
    if not platform.startswith("linux"):
        return None
    asked = environ.get("QT_QPA_PLATFORM", "").split(":")[0].strip()
    if asked in _DISPLAYLESS:
        return None
    has_x, has_wayland = bool(environ.get("DISPLAY")), bool(environ.get("WAYLAND_DISPLAY"))
    if asked == "xcb":
        lacking, which = not has_x, "DISPLAY is not set"
    elif asked.startswith("wayland"):
        lacking, which = not has_wayland, "WAYLAND_DISPLAY is not set"
    elif asked:                 # another plugin: it knows its own needs
        return None
    else:
        lacking, which = not (has_x or has_wayland), "DISPLAY and WAYLAND_DISPLAY are not set"
    if not lacking:
        return None
    return f"losslab: no display: {which} (a session over SSH?), so the window cannot open.\n{NO_DISPLAY_HELP}"


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


def check(environ=os.environ, load: Callable[[str], object] = ctypes.CDLL, platform: str = sys.platform) -> str | None:
    """The message to print instead of Qt's abort, or None when the window can start."""
    nothing = no_display(environ, platform)
    if nothing:
        return nothing
    if not uses_xcb(environ, platform):
        return None
    missing = missing_xcb_libraries(load)
    return xcb_message(missing) if missing else None
