"""The typer app and the one place where mistakes become messages and exit codes.

A :class:`dosecalc.DoseCalcError` names the API parameter it is about (``weight``); here, and only here, that
name becomes the option a person typed (``--weight``), the message one line on stderr, and the exit code 2.
Only the command being run is built (typer inspects the signature of every command it builds, which costs
start-up time).
"""

from __future__ import annotations

import errno
import gc
import sys
from collections.abc import Sequence
from typing import Annotated, Any, NoReturn

import typer

from .. import __version__
from ..errors import DoseCalcError, printable
from .commands import COMMANDS
from .stopped import Stopped, stop

SETTINGS: dict[str, Any] = {
    "name": "dosecalc",
    "help": (
        "Educational infusion dose calculator: turns documented ketamine infusion regimens into per-patient "
        "rate, dose and schedule tables for teaching and what-if exercises. "
        "Educational reference only - not a prescribing tool."
    ),
    "add_completion": False,
    "rich_markup_mode": None,
    "pretty_exceptions_enable": False,
    "no_args_is_help": True,
}


def _version(value: bool) -> None:
    if value:
        print(f"dosecalc {__version__}")
        raise typer.Exit()


def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Educational infusion dose calculator. Educational reference only - not a prescribing tool."""


def build(names: Sequence[str] | None = None) -> typer.Typer:
    """The app with the commands named (default: all of them)."""
    app = typer.Typer(**SETTINGS)
    app.callback()(_root)
    for name in COMMANDS if names is None else names:
        function, settings = COMMANDS[name]
        app.command(name, **settings)(function)
    return app


def _app_for(args: Sequence[str]) -> typer.Typer:
    """Only the command named first in ``args``, or the whole app for help and mistakes."""
    return build([args[0]]) if args and args[0] in COMMANDS else build()


def _subcommand(command: Any, args: Sequence[str]) -> Any:
    commands = getattr(command, "commands", {})
    return commands.get(args[0]) if args else None


def _repeated_option(subcommand: Any, args: Sequence[str]) -> str | None:
    """The first single-value option given more than once, in any of the ways the command-line parser takes
    one (``--weight 70kg``, ``--weight=70kg``, ``-w 70kg``, ``-w70kg``, mixed): click would silently keep the
    last value, so ``-w70kg -w80kg`` would be a guess. The command's own parser reads ``args`` and lists
    every option in the order it met them, once per use; mistakes it finds are left to the real run."""
    if subcommand is None:
        return None
    from typer import _click

    try:
        ctx = _click.Context(subcommand, info_name=args[0], resilient_parsing=True)
        _, _, order = subcommand.make_parser(ctx).parse_args(list(args[1:]))
    except Exception:  # a usage mistake: the run proper reports it in its own words
        return None
    uses: dict[str, int] = {}
    for param in order:
        if param.param_type_name != "option" or getattr(param, "multiple", False) or getattr(param, "count", False):
            continue
        uses[param.name] = uses.get(param.name, 0) + 1
        if uses[param.name] > 1 and not getattr(param, "is_flag", False):
            return str(param.opts[0])
    return None


def option_name(subcommand: Any, field: str) -> str:
    """What a person typed for the API parameter ``field``: ``weight`` -> ``--weight``, ``patients`` ->
    ``PATIENTS``; a library flag ``builtin`` is the option ``--no-builtin``. Any other field is kept."""
    params = {param.name: param for param in getattr(subcommand, "params", ())}
    param = params.get(field) or params.get(f"no_{field}")
    if param is None:
        return field
    if param.param_type_name == "argument":
        return str(getattr(param, "metavar", None) or param.name.upper())
    return str(param.opts[0])


def error_lines(error: DoseCalcError, subcommand: Any) -> list[str]:
    """The message of a library error for the command line: ``error: --weight: ...``, one line each."""
    if error.field is None:
        return [f"error: {line}" for line in error.lines]
    label = printable(option_name(subcommand, error.field))
    return [f"error: {label}: {line}" for line in error.lines]


#: Why a write fails: a full disk or quota, a file past 'ulimit -f', an I/O error.
_WRITE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``dosecalc`` with ``argv`` (default: the process's arguments); return the exit code.

    0: done; 1: a cohort with refused rows, or standard output closed early (``| head``, quietly); 2: a
    mistake in what was given, or a failed write (one line on stderr each); 130: interrupted; 128 + the
    signal's number: stopped by SIGTERM or SIGHUP (``serve``, stopped so as asked, exits 0). Standard output
    is flushed here, so that a full disk is reported rather than found by Python's exit.
    """
    from ..files import drop_stdout, flush_stdout

    try:
        code = _main(argv)
        flush_stdout()
        return code
    except DoseCalcError as error:  # standard output could not be flushed
        for line in error.lines:
            print(f"error: {line}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (| head): stop quietly, as Unix tools do
        drop_stdout()
        return 1
    except OSError as error:  # help or version text that could not be written (every other write says so itself)
        if error.errno not in _WRITE_ERRORS:
            raise
        from ..files import stdout_failed

        print(f"error: {stdout_failed(error)}", file=sys.stderr)
        return 2
    except Stopped as stopped:
        import signal

        print(f"error: stopped by {signal.Signals(stopped.signum).name}", file=sys.stderr)
        return 128 + stopped.signum
    except MemoryError:
        print("error: dosecalc ran out of memory (see 'ulimit -v'); nothing was written", file=sys.stderr)
        return 2
    except (SystemError, ImportError) as error:  # how an import fails when memory runs out part way
        from .memory import memory_limited

        # "returned NULL without setting an exception"; a library that cannot be mapped ("failed to map segment")
        lack = isinstance(error, SystemError) or any(w in str(error) for w in ("failed to map", "allocate memory"))
        if not (lack and memory_limited()):
            raise
        print("error: dosecalc ran out of memory (see 'ulimit -v'); nothing was written", file=sys.stderr)
        return 2


def _asks_for_help(args: Sequence[str]) -> bool:
    return any(arg in ("--help", "-h", "--version") for arg in args)


def _main(argv: Sequence[str] | None) -> int:
    args = list(argv) if argv is not None else sys.argv[1:]
    if not args:  # a bare "dosecalc" shows the help, as a person typing it expects
        args = ["--help"]
    command = typer.main.get_command(_app_for(args))
    subcommand = _subcommand(command, args)
    repeated = _repeated_option(subcommand, args)
    if repeated is not None:
        print(f"error: {repeated} is given more than once; give it once", file=sys.stderr)
        return 2
    if not _asks_for_help(args):
        from .memory import memory_limited, numpy_starts

        if memory_limited() and not numpy_starts():
            raise MemoryError
    try:
        result = command.main(args=args, prog_name="dosecalc", standalone_mode=False)
    except DoseCalcError as error:
        for line in error_lines(error, subcommand):
            print(line, file=sys.stderr)
        return 2
    except typer.Abort:
        print("error: aborted", file=sys.stderr)
        return 130
    except typer.Exit as done:
        return int(done.exit_code)
    except typer.TyperException as error:  # a usage mistake found by click: an unknown option, a bad choice
        hint = ""
        ctx = getattr(error, "ctx", None)
        if ctx is not None:
            hint = f" (see '{ctx.command_path} --help')"
        message = " ".join(str(getattr(error, "format_message", error.__str__)()).replace("Value error, ", "").split())
        print(f"error: {printable(message)}{printable(hint)}", file=sys.stderr)
        code = int(getattr(error, "exit_code", 2))
        return 2 if code == 2 else code
    return result if isinstance(result, int) else 0


def console_main() -> NoReturn:
    """The ``dosecalc`` command (and ``python -m dosecalc``): :func:`main`, then exit with its code.

    Before exiting, the objects the run created are frozen out of the garbage collector's sight. Python's
    shutdown would otherwise run full collections over every one of them (pint's registry, pydantic's
    validators, numpy), about 70 ms or a fifth of a ``dosecalc table`` run on the machine the benchmarks
    ran on, for memory the operating system takes back anyway. Every file is closed by then; standard
    output is still flushed and exit handlers still run as usual.
    """
    import os
    import signal

    # Numerical libraries start a thread per core at import; one is all dosecalc's arithmetic uses, and under
    # a small 'ulimit -v' more would fail to start (with a message of their own) before any of dosecalc runs.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)
    from ..files import whole_stdout

    whole_stdout()
    code = main()
    gc.freeze()
    sys.exit(code)
