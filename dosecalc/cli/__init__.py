"""The ``dosecalc`` command line: a thin face of :mod:`dosecalc.api` (see :mod:`.app` and :mod:`.commands`)."""

from .app import console_main, main

__all__ = ["console_main", "main"]
