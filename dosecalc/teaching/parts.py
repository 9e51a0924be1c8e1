"""A quiz export in parts under a size, for a platform that takes uploads only up to one: PHP's stock
``upload_max_filesize`` is 2M (2 MiB), and a Moodle site that keeps it refuses a larger Moodle XML or GIFT
file (100 variants of 20 problems make about 15 MB of Moodle XML).

A part is a whole quiz file: the file's opening, then questions, each whole, each after its category (a part
that starts part way through a category names it again), then the file's end. Importing every part, with the
category taken from the file, gives the same question bank as the one file: the platform puts the questions
of a category that two parts share in the one category. Parts are filled in the export's order, each with as
many questions as fit (the fewest parts the order allows), so a category may end in one part and go on in the
next.

Sizes are bytes of the file as written (UTF-8). ``MB`` is 1,000,000 bytes and ``MiB`` 1,048,576 (kB and KiB,
GB and GiB alike), as the SI and IEC prefixes have them; PHP's ``2M`` is 2 MiB, so ``2MB`` fits under it with
room to spare.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from ..errors import DoseCalcError, quote
from ..formats import BINARY_FORMATS, SPLIT_FORMATS

#: Bytes in each unit a size may be given in (any letter case).
SIZE_UNITS: dict[str, int] = {
    "b": 1,
    "byte": 1,
    "bytes": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
}
#: What a size looks like: a number (a decimal point allowed), an optional space, a unit.
_SIZE = re.compile(r"([0-9]+(?:\.[0-9]+)?) ?([A-Za-z]+)")
#: PHP's and other programs' one-letter shorthands, which leave open whether a thousand or 1,024 is meant.
_SHORTHAND = {"k": "kB", "m": "MB", "g": "GB"}
_EXPECTED = "expected a size with its unit, such as 2MB (2,000,000 bytes), 500kB or 2MiB (2,097,152 bytes)"


def byte_size(value: int | str, field: str = "max_size") -> int:
    """The bytes a size stands for: ``"2MB"`` is 2,000,000, ``"500kB"`` 500,000, ``"2 MiB"`` 2,097,152,
    ``"1.5MB"`` 1,500,000 (a fraction of a byte dropped); an ``int`` is bytes. Refused, naming ``field``:
    no unit, an unknown unit or a one-letter one (``2M``: is it 10^6 or 2^20?), a comma or a thousands
    separator, zero or less."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise DoseCalcError(f"{value!r}: {_EXPECTED}", field=field)
    if isinstance(value, int):
        if value < 1:
            raise DoseCalcError(f"{value} bytes: expected at least 1 byte", field=field)
        return value
    text = value.strip()
    match = _SIZE.fullmatch(text)
    if match is None:
        raise DoseCalcError(f"{quote(value)}: {_EXPECTED}", field=field)
    number, unit = match[1], match[2].lower()
    if unit in _SHORTHAND:
        hint = _SHORTHAND[unit]
        raise DoseCalcError(
            f"{quote(value)}: {unit.upper()} alone could mean {hint} or {hint[0].upper()}iB; write {number}{hint} "
            f"or {number}{hint[0].upper()}iB",
            field=field,
        )
    if unit not in SIZE_UNITS:
        raise DoseCalcError(f"{quote(value)}: {_EXPECTED}", field=field)
    try:
        size = int(Decimal(number) * SIZE_UNITS[unit])
    except InvalidOperation:  # the pattern admits only plain digits; said for safety
        raise DoseCalcError(f"{quote(value)}: {_EXPECTED}", field=field) from None
    if size < 1:
        raise DoseCalcError(f"{quote(value)} is less than a byte: {_EXPECTED}", field=field)
    return size


def split_limit(max_size: int | str, format: str, field: str = "max_size") -> int:
    """``max_size`` in bytes, for an export in ``format``; refused when ``format`` cannot be split (a zip
    package holds one quiz, which a platform imports whole), or when the size cannot be read."""
    if format not in SPLIT_FORMATS:
        why = " (a zip package holds one quiz, imported whole)" if format in BINARY_FORMATS else ""
        raise DoseCalcError(
            f"{quote(str(format))} cannot be split{why}; expected the format {' or '.join(SPLIT_FORMATS)}",
            field=field,
        )
    return byte_size(max_size, field)


class Piece(NamedTuple):
    """One question of an export: the category it goes in, its bytes as written, and its name (for a
    message)."""

    category: str
    size: int
    name: str


def pack(
    pieces: Sequence[Piece], *, fixed: int, opening: Callable[[str], int], limit: int, field: str = "max_size"
) -> list[range]:
    """The parts, as ranges of ``pieces``, in order, each at most ``limit`` bytes: ``fixed`` (the file's
    opening and end), plus ``opening(category)`` before the first question of each category in the part,
    plus the questions. Each part holds as many questions as fit, which gives the fewest parts that keep the
    export's order. A question that does not fit in a part of its own is refused (naming ``field``) before
    anything is made, with the size that would hold the largest."""
    alone = [fixed + opening(piece.category) + piece.size for piece in pieces]
    if alone and max(alone) > limit:
        largest = max(range(len(pieces)), key=alone.__getitem__)
        raise DoseCalcError(
            f"{limit:,} bytes cannot hold the question {quote(pieces[largest].name)}, which takes "
            f"{alone[largest]:,} bytes in a file of its own; expected at least {alone[largest]:,} bytes "
            f"(about {-(-alone[largest] // 1000)}kB)",
            field=field,
        )
    parts: list[range] = []
    start, used, category = 0, fixed, None
    for index, piece in enumerate(pieces):
        need = piece.size + (opening(piece.category) if piece.category != category else 0)
        if used + need > limit:
            parts.append(range(start, index))
            start, used = index, fixed
            need = piece.size + opening(piece.category)
        used += need
        category = piece.category
    parts.append(range(start, len(pieces)))
    return parts
