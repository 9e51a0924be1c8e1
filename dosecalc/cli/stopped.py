"""How a signal stops dosecalc: SIGTERM and SIGHUP raise :class:`Stopped` in the main thread.

Its own module so that the app, which installs the handler, and the commands, which catch it around a
server, both import it from below rather than from each other.
"""

from __future__ import annotations

from typing import Any, NoReturn


class Stopped(BaseException):
    """A signal that asks dosecalc to stop (SIGTERM, SIGHUP): raised in the main thread like
    ``KeyboardInterrupt``, so that every temporary file is removed on the way out, as on Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def stop(signum: int, frame: Any) -> NoReturn:
    """The signal handler: raise :class:`Stopped` for ``signum``."""
    raise Stopped(signum)
