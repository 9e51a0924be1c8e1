"""``python -m dosecalc``: the same as the ``dosecalc`` command."""

import sys

from .cli import main

sys.exit(main())
