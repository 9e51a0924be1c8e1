"""CSV cells that a spreadsheet shows as text, never runs as a formula.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return can be read by a spreadsheet
as a formula (``=HYPERLINK(...)``, ``+cmd|...``, ``@SUM(...)``), so text from cards, patient files and
answers that begins so is written with a single quote in front, as OWASP's page on CSV injection advises;
a number (``-5``, ``+1.5e3``) is a number and is written as it is. ``raw`` writes every cell unchanged
(the ``--raw-csv`` option), for programs that read the CSV and want the text exactly.
"""

from __future__ import annotations

import re

#: The first characters a spreadsheet may take for the start of a formula.
FORMULA_STARTS = frozenset("=+-@\t\r")
_NUMBER = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
#: A formula character at the start of any line of joined cells (cells joined with newlines before).
_RISKY_LINE = re.compile(r"(?:^|\n)[=+\-@\t\r]")


def safe_cell(text: str) -> str:
    """``text`` as a CSV cell a spreadsheet cannot run: a single quote before a formula character at its
    start, unless the cell is a number. ``safe_cell("=1+1") == "'=1+1"``, ``safe_cell("-5") == "-5"``."""
    if text and text[0] in FORMULA_STARTS and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def any_risky(cells: list[str]) -> bool:
    """Whether any of ``cells`` (none holding a newline) would be changed by :func:`safe_cell`; one scan of the
    joined text, for a chunk of a cohort's ids."""
    return _RISKY_LINE.search("\n".join(cells)) is not None
