"""``losslab`` headless commands. Each command is one module in this package with ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(args, out) -> int``; adding a command is adding its module to
``_MODULES``.

Bad input exits 2 with a message naming the place, never a traceback. ``-v``/``--verbose`` (before
the command) prints the ``losslab`` logger's records, DEBUG and up, on stderr.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Callable, Sequence

from ..log import get_logger, log_to_stderr
from . import signals
from .common import UserError

# (command name, module): modules are imported only when their command runs or the parser is built
_MODULES = (
    ("check", "check"),
    ("train", "train"),
    ("lr-find", "lr_find"),
    ("runs", "runs"),
    ("sweep", "sweep"),
    ("drift", "drift"),
    ("monitor", "monitor"),
    ("export", "export"),
    ("preview", "preview"),
    ("errors", "errors"),
)
COMMANDS = tuple(name for name, _ in _MODULES)
VERBOSE_FLAGS = ("-v", "--verbose")

__all__ = ["COMMANDS", "VERBOSE_FLAGS", "UserError", "build_parser", "main", "split_verbose"]
_log = get_logger(__name__)


def split_verbose(argv: Sequence[str]) -> tuple[bool, list[str]]:
    """(whether a leading ``-v``/``--verbose`` was given, the arguments without it)."""
    argv = list(argv)
    verbose = False
    while argv and argv[0] in VERBOSE_FLAGS:
        verbose = True
        argv.pop(0)
    return verbose, argv


def _module(modname: str):
    return importlib.import_module(f"{__name__}.{modname}")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="losslab", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="LossLab: build neural networks by hand and understand their loss.",
        epilog="window:\n  losslab [PROJECT]                      open the window (on PROJECT, a *.losslab.json)\n"
               "  losslab screenshot PROJECT OUT.png     render the window to a PNG without a person\n"
               "                                         (--train-epochs N trains first; see --help)\n"
               "  losslab --self-test                    check this installation: window, training, export")
    p.add_argument("--version", action="version", version="losslab 0.1.0")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="print the log (DEBUG and up) on stderr: what LossLab does, and the tracebacks "
                        "of errors it caught and reported")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name, modname in _MODULES:
        mod = _module(modname)
        mod.add_arguments(sub.add_parser(name, help=mod.HELP))
    p.commands = dict(sub.choices)  # name -> its parser (for the "did you mean" of a misspelled flag)
    return p


def _unrecognized(parser: argparse.ArgumentParser, argv: list[str], command: str | None,
                  extras: list[str]) -> str:
    """What to say of arguments no parser took: the nearest flag for a misspelled one (argparse's own
    ``suggest_on_error`` arrives only in Python 3.14), the ``KNOB=VALUES`` form for a value given after
    a space (``--vary lr 0.1,0.01``)."""
    import difflib
    sub = parser.commands.get(command) if command else None
    flags = [o for a in (sub or parser)._actions for o in a.option_strings if o.startswith("--")]
    eq_options = {o: a.metavar for a in (sub or parser)._actions for o in a.option_strings
                  if isinstance(a.metavar, str) and "=" in a.metavar}
    where = f"losslab {command}" if command else "losslab"
    for extra in extras:
        if extra.startswith("-"):
            name = extra.split("=", 1)[0]
            near = difflib.get_close_matches(name, flags, n=1, cutoff=0.6)
            hint = f": did you mean {near[0]}?" if near else f"; `{where} --help` lists the options"
            return f"{where}: unknown option {name}{hint}"
        i = argv.index(extra) if extra in argv else -1
        if i >= 2 and argv[i - 2] in eq_options and "=" not in argv[i - 1]:
            opt = argv[i - 2]
            return (f"{where}: {opt} takes one {eq_options[opt]} argument: write {opt} {argv[i - 1]}={extra} "
                    "(no space around the =)")
    return f"{where}: unexpected argument{'s' if len(extras) > 1 else ''} {' '.join(extras)}; " \
           f"`{where} --help` shows the usage"


#: modules imported before a command runs, while stop signals are only noted (see ``signals``): an
#: interrupted ``import`` leaves a half-initialised module and printed ImportError tracebacks
_PRELOAD = ("numpy", "torch", "core.data", "core.graph", "core.training")
#: longest error message printed; a longer one (a huge value quoted) is cut with a note
MAX_MESSAGE = 2000


def _clip(message: str) -> str:
    message = message.encode("utf-8", "backslashreplace").decode("utf-8")
    if len(message) > MAX_MESSAGE:
        message = f"{message[:MAX_MESSAGE]}... ({len(message) - MAX_MESSAGE:,} more characters)"
    return message


def main(argv: Sequence[str] | None = None, out: Callable[[str], None] | None = None,
         log: Callable[[str], None] | None = None) -> int:
    """Run the command in ``argv``; ``out`` takes the lines for stdout, ``log`` the lines a command keeps
    off stdout (``train --json`` writes its epoch log there; default: stderr)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    out = out or (lambda s: print(s, flush=True))
    log = log or (lambda s: print(s, file=sys.stderr, flush=True))
    for stream in (sys.stdout, sys.stderr):  # text that cannot be encoded is escaped, never a traceback
        if hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass
    guard = signals.SignalGuard().install()  # from here on a Ctrl-C is noted until the imports are done
    signals.CURRENT = guard
    try:
        return _run(argv, out, guard, log)
    finally:
        guard.restore()
        signals.CURRENT = None


def _run(argv: list[str], out: Callable[[str], None], guard: signals.SignalGuard,
         log: Callable[[str], None] | None = None) -> int:
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    if extras:
        print(_clip(_unrecognized(parser, argv, args.command, extras)), file=sys.stderr)
        return 2
    if args.verbose:
        log_to_stderr()
        _log.debug("losslab %s", " ".join(argv))
    if args.command is None:
        parser.print_help()
        return 0
    if getattr(args, "epochs", None) is not None and args.epochs < 1:
        print(f"losslab {args.command}: --epochs must be at least 1", file=sys.stderr)
        return 2
    try:
        for name in _PRELOAD:
            importlib.import_module(name)
        handler = _module(dict(_MODULES)[args.command]).run
        guard.immediate()  # a Ctrl-C during the imports ends the command here, cleanly
        args.log = log or (lambda s: print(s, file=sys.stderr, flush=True))
        return handler(args, out)
    except signals.Interrupted as e:
        print(f"losslab {args.command}: interrupted ({e})", file=sys.stderr)
        return e.status
    except KeyboardInterrupt:
        print(f"losslab {args.command}: interrupted", file=sys.stderr)
        return 130
    except UserError as e:
        print(_clip(f"losslab {args.command}: {e}"), file=sys.stderr)
        return 2
    except FileNotFoundError as e:
        print(_clip(f"losslab {args.command}: {e}"), file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head`: not an error
        sys.stderr.close()
        return 0
