"""``python -m guiapp``: the same as the ``losslab`` command."""
from __future__ import annotations

import sys

from guiapp.launcher import main

if __name__ == "__main__":
    sys.exit(main())
