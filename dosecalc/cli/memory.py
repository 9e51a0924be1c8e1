"""Under a memory limit (``ulimit -v``), the native libraries are started before any work, where a failure can
still be reported as one line.

numpy starts OpenBLAS when it is imported, and OpenBLAS takes a buffer of tens of megabytes for its first
product. When the limit leaves no room for it, OpenBLAS ends the process itself, with a message of its own
and exit code 1 (or, in some builds, a signal such as "Illegal instruction"), part way through a command
and possibly with a temporary file left; Python cannot catch that. So, under a limit, numpy is first
imported in a forked copy of the process: if the copy dies, the command says it ran out of memory before it
has read or written anything; if it lives, numpy is imported here at once, in the same room the copy had.
"""

from __future__ import annotations

import os
import sys


def memory_limited() -> bool:
    """Whether the process runs under a limit on its address space ('ulimit -v')."""
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    return soft != resource.RLIM_INFINITY


def numpy_starts() -> bool:
    """Whether numpy can be imported without its native code ending the process; imports it when it can."""
    if "numpy" in sys.modules or not hasattr(os, "fork"):
        return True
    try:
        child = os.fork()
    except OSError:  # not even room for a copy of the process
        return False
    if child == 0:  # the copy: import numpy and say by the exit code whether that worked
        code = 1
        try:
            quiet = os.open(os.devnull, os.O_WRONLY)
            os.dup2(quiet, 2)  # OpenBLAS's own message is replaced by the command's one line
            import numpy

            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return False
    import numpy  # noqa: F401

    return True
