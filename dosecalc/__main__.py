"""``python -m dosecalc``: the same as the ``dosecalc`` command."""

from .cli import console_main

console_main()
