"""The one exception family for mistakes in what a user gave dosecalc.

A :class:`DoseCalcError` is never a bug: it carries a message that names the field, what was given and
what was expected, and the CLI prints it as one line on stderr and exits with code 2. Anything else that
escapes is a bug.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from typing import Any, Self, TypeVar

#: Longest piece of user text quoted back in a message; longer text is shortened with an ellipsis.
QUOTE_LIMIT = 40


def printable(text: str) -> str:
    """``text`` safe to show on one line of a terminal: control characters (ESC, newline, DEL, the C1 set),
    line and paragraph separators, format characters (bidirectional overrides) and lone surrogates (from
    undecodable file names) written as ``\\uXXXX``, so nothing in it can move the cursor, retitle or clear a
    terminal, or start a line of its own."""
    if text.isascii() and text.isprintable():  # the usual case, checked in C
        return text
    return "".join(
        ch if ch.isprintable() and unicodedata.category(ch) not in ("Zl", "Zp", "Cf") else f"\\u{ord(ch):04x}"
        for ch in text
    )


def quote(text: str) -> str:
    """Quote user text for a one-line message: shortened, with control characters escaped."""
    if len(text) > QUOTE_LIMIT:
        text = text[: QUOTE_LIMIT - 3] + "..."
    return f"'{printable(text)}'"


class DoseCalcError(ValueError):
    """A user's mistake: an unreadable value, a wrong unit, an unknown regimen, a broken card.

    Subclasses :class:`ValueError` so that pydantic validators may raise it and have it reported as a
    validation error of the field it belongs to.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        self.problem = message
        self.several_lines = False  # set by several(): the message's newlines part its lines
        super().__init__(f"{field}: {message}" if field else message)

    @classmethod
    def several(cls, problems: list[str], *, field: str | None = None, limit: int = 20) -> Self:
        """One error of several problems, one line each (a card's bad fields, a folder's bad cards): each
        line made printable (a newline in a file name cannot start a line of its own), and at most
        ``limit`` of them, then how many more there are."""
        lines = [printable(line) for line in problems[:limit]]
        if len(problems) > limit:
            lines.append(f"... and {len(problems) - limit:,} more")
        error = cls("\n".join(lines), field=field)
        error.several_lines = True
        return error

    @property
    def lines(self) -> list[str]:
        """The message as the lines to print, each printable: one line, or the lines of :meth:`several` (any
        other newline, say in a file name, is shown as ``\\u000a`` and cannot start a line)."""
        return self.problem.split("\n") if self.several_lines else [printable(self.problem)]

    def for_field(self, field: str) -> DoseCalcError:
        """The same problem, reported against ``field`` (an option name, a card field, a CSV cell)."""
        error = type(self)(self.problem, field=field)
        error.several_lines = self.several_lines
        return error


class QuantityError(DoseCalcError):
    """Text that is not a plain number with a unit of the expected kind, or is out of range."""


class CardError(DoseCalcError):
    """A regimen card that cannot be read or does not validate."""


class RegimenError(DoseCalcError):
    """A request the chosen regimen does not allow (unknown id, duration below its minimum...)."""


_F = TypeVar("_F", bound=Callable[..., Any])


def flags_checked(function: _F) -> _F:
    """``function`` with each of its ``bool`` parameters checked on every call: ``True`` or ``False`` (a numpy
    bool too), never a text or a number read as one. ``no_cap="false"`` would otherwise be true and lift a
    cap; ``key="false"`` would turn a worksheet into its answer key."""
    code = function.__code__
    names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    flags = [(index, name) for index, name in enumerate(names) if function.__annotations__.get(name) == "bool"]
    positional = code.co_argcount

    @functools.wraps(function)
    def checked(*args: Any, **kwargs: Any) -> Any:
        for index, name in flags:
            if name in kwargs:
                value = kwargs[name]
            elif index < positional and index < len(args):
                value = args[index]
            else:
                continue
            numpy_bool = type(value).__module__ == "numpy" and type(value).__name__ in ("bool", "bool_")
            if not isinstance(value, bool) and not numpy_bool:
                raise DoseCalcError(f"expected True or False, got {value!r:.40}", field=name)
        return function(*args, **kwargs)

    return checked  # type: ignore[return-value]
