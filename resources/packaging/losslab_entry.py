"""Entry point of the PyInstaller bundle."""
import multiprocessing

multiprocessing.freeze_support()  # first thing: a frozen worker process must not relaunch the window

import sys  # noqa: E402

from guiapp.launcher import main  # noqa: E402

sys.exit(main())
