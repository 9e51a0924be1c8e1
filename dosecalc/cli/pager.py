"""A terminal table taller than the terminal goes through a pager, as ``git log`` does, so the first screen
is the top of it (the disclaimer and the table) rather than the last notes.

The pager is ``DOSECALC_PAGER``, else ``PAGER``, else ``less``; ``LESS`` defaults to ``FRX`` (quit when the
text fits one screen, keep colours, leave the text on the screen). ``DOSECALC_PAGER=cat`` (or empty) turns
paging off. Nothing is paged unless standard input and output are both a terminal.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys

#: Values of DOSECALC_PAGER / PAGER that mean "print, do not page".
_NO_PAGER = ("", "cat")


def _command() -> list[str] | None:
    chosen = os.environ.get("DOSECALC_PAGER", os.environ.get("PAGER", "less"))
    try:
        words = shlex.split(chosen)
    except ValueError:  # an unbalanced quote in the variable: print rather than guess
        return None
    return None if " ".join(words) in _NO_PAGER else words


def page(text: str) -> bool:
    """Show ``text`` through the pager if it is taller than the terminal; ``False`` when it was not paged
    (not a terminal, short enough, paging turned off, or no pager could be started) and is still to print."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return False
    if text.count("\n") < shutil.get_terminal_size().lines:
        return False
    command = _command()
    if command is None:
        return False
    environment = {**os.environ, "LESS": os.environ.get("LESS", "FRX")}
    try:
        pager = subprocess.Popen(command, stdin=subprocess.PIPE, env=environment)
    except OSError:  # no such program: the text is printed instead
        return False
    try:
        pager.communicate(text.encode(sys.stdout.encoding or "utf-8", "replace"))
    except BrokenPipeError:  # the reader quit the pager before the end
        pass
    except KeyboardInterrupt:
        pager.wait()
    return True
