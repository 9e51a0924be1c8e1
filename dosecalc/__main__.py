"""``python -m dosecalc``: the same as the ``dosecalc`` command."""

from .cli.app import console_main

console_main()
