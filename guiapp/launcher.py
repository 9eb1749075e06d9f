"""The ``losslab`` entry point: headless subcommands go to ``core.cli`` without loading Qt; an
existing file (or nothing) opens the window; any other first word is refused with the commands."""
from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path
from typing import Sequence

WINDOW_COMMANDS = ("screenshot",)


def unknown_command(word: str, commands: Sequence[str]) -> int:
    """``losslab sweep x`` where ``sweep`` is neither a command nor a file: say so, list the commands,
    exit 2 (instead of opening a window that an offscreen platform never shows)."""
    import difflib
    names = ", ".join([*commands, *WINDOW_COMMANDS])
    near = difflib.get_close_matches(word, [*commands, *WINDOW_COMMANDS], n=1, cutoff=0.6)
    hint = f"did you mean: losslab {near[0]}\n" if near else ""
    print(f"losslab: unknown command or file {word!r}\n{hint}commands: {names}\n"
          "open a project: losslab PROJECT.losslab.json   (losslab --help for more)", file=sys.stderr)
    return 2


def keep_torch_caches_home() -> None:
    """torch's compiler cache (created as soon as ``torch._dynamo`` is imported: by the optimizers, the
    warm-up, the fork server) goes under LossLab's own folder instead of ``/tmp/torchinductor_<user>``,
    so a session leaves nothing in the temp directory. A cache folder the user chose is kept."""
    if "TORCHINDUCTOR_CACHE_DIR" not in os.environ:
        from core.paths import user_data_dir
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = str(user_data_dir() / "cache" / "torchinductor")


def main(argv: Sequence[str] | None = None) -> int:
    multiprocessing.freeze_support()  # frozen apps: worker processes must not relaunch the window
    keep_torch_caches_home()
    argv = list(sys.argv[1:] if argv is None else argv)
    from core.cli import COMMANDS, split_verbose
    verbose, rest = split_verbose(argv)
    if rest and (rest[0] in COMMANDS or rest[0] in ("-h", "--help", "--version")):
        from core.cli import main as cli_main
        return cli_main(argv)
    if verbose:  # the window: the log goes to stderr too
        from core.log import log_to_stderr
        log_to_stderr()
    argv = rest
    if argv and argv[0] == "--self-test":
        from .selftest import main as self_test_main
        return self_test_main(argv[1:])
    if argv and argv[0] == "screenshot":
        from .screenshot import main as shot_main
        return shot_main(argv[1:])
    if argv and not argv[0].startswith("-") and not Path(argv[0]).exists():
        return unknown_command(argv[0], COMMANDS)
    from .app import main as app_main
    return app_main(argv)


if __name__ == "__main__":
    sys.exit(main())
