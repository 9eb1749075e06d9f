"""Test setup: Qt runs offscreen (set before Qt is imported); torch uses one thread per test process
so tests behave alike on shared 2-core machines."""
from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LOSSLAB_SETTINGS_ORG", "LossLabTests")  # keep tests out of the user's settings
if "LOSSLAB_HOME" not in os.environ:  # ... and their runs out of the user's run store
    import tempfile
    os.environ["LOSSLAB_HOME"] = tempfile.mkdtemp(prefix="losslab-tests-")

# A shell that starts a job in the background (a CI runner, `cmd &`) makes it ignore SIGINT, and an
# ignored signal stays ignored across exec: the Ctrl-C tests' subprocesses would never see theirs.
# A Python handler is reset to the default on exec, so the children get Ctrl-C back.
import signal  # noqa: E402

if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

EXAMPLES = ROOT / "resources" / "examples"
