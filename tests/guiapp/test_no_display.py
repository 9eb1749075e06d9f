"""Without a display (over SSH) the window says so and what to run instead, and exits 1, instead of
Qt's abort (exit 134) naming a library that is installed."""
from __future__ import annotations

import pytest

from guiapp import xcb_check
from tests.conftest import EXAMPLES


@pytest.mark.parametrize("env, which", [
    ({}, "DISPLAY and WAYLAND_DISPLAY are not set"),
    ({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"}, "DISPLAY is not set"),
    ({"QT_QPA_PLATFORM": "wayland"}, "WAYLAND_DISPLAY is not set"),
])
def test_without_a_display_the_window_says_so_and_what_to_run_instead(env, which):
    message = xcb_check.check(env, lambda name: None, platform="linux")
    assert message.startswith(f"losslab: no display: {which}")
    assert "losslab check" in message and "xvfb-run -a losslab PROJECT" in message
    for fine in ({"DISPLAY": ":0"}, {"WAYLAND_DISPLAY": "wayland-0"}, {"QT_QPA_PLATFORM": "offscreen"},
                 {"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":1"}):
        assert xcb_check.check(fine, lambda name: None, platform="linux") is None, fine
    assert xcb_check.check({}, lambda name: None, platform="win32") is None


def test_losslab_without_a_display_exits_1_with_the_message_not_qt_abort(tmp_path):
    """The real command in a process whose environment has no display: exit 1, not Qt's 134."""
    import os
    import subprocess
    import sys
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    proc = subprocess.run([sys.executable, "-m", "guiapp.launcher", str(EXAMPLES / "spiral.losslab.json")],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1, proc.stderr[-800:]
    assert proc.stderr.startswith("losslab: no display: DISPLAY and WAYLAND_DISPLAY are not set")
    assert "xvfb-run" in proc.stderr
