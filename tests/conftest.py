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

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

EXAMPLES = ROOT / "resources" / "examples"
