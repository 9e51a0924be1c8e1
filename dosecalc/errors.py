"""The one exception family for mistakes in what a user gave dosecalc.

A :class:`DoseCalcError` is never a bug: it carries a message that names the field, what was given and
what was expected, and the CLI prints it as one line on stderr and exits with code 2. Anything else that
escapes is a bug.
"""

from __future__ import annotations

import unicodedata

#: Longest piece of user text quoted back in a message; longer text is shortened with an ellipsis.
QUOTE_LIMIT = 40


def quote(text: str) -> str:
    """Quote user text for a one-line message: shortened, with control characters escaped."""
    if len(text) > QUOTE_LIMIT:
        text = text[: QUOTE_LIMIT - 3] + "..."
    shown = "".join(
        ch if ch.isprintable() and unicodedata.category(ch) not in ("Zl", "Zp", "Cf") else f"\\u{ord(ch):04x}"
        for ch in text
    )
    return f"'{shown}'"


class DoseCalcError(ValueError):
    """A user's mistake: an unreadable value, a wrong unit, an unknown regimen, a broken card.

    Subclasses :class:`ValueError` so that pydantic validators may raise it and have it reported as a
    validation error of the field it belongs to.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        self.problem = message
        super().__init__(f"{field}: {message}" if field else message)

    def for_field(self, field: str) -> DoseCalcError:
        """The same problem, reported against ``field`` (an option name, a card field, a CSV cell)."""
        return type(self)(self.problem, field=field)


class QuantityError(DoseCalcError):
    """Text that is not a plain number with a unit of the expected kind, or is out of range."""


class CardError(DoseCalcError):
    """A regimen card that cannot be read or does not validate."""


class RegimenError(DoseCalcError):
    """A request the chosen regimen does not allow (unknown id, duration below its minimum...)."""
