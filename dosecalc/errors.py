"""The one exception family for mistakes in what a user gave dosecalc.

A :class:`DoseCalcError` is never a bug: it carries a message that names the field, what was given and
what was expected, and the CLI prints it as one line on stderr and exits with code 2. Anything else that
escapes is a bug.

An operation checks every argument it was given before it computes anything, and refuses them all at once: one
refusal is raised as it is, several as one :class:`DoseCalcErrors` that stands for the first of them (so the
command line and the JSON API, which show one, say what they would say had the others been right) and lists
each in ``errors`` (so a form can show each beside its field).
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Sequence
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

    @property
    def errors(self) -> tuple[DoseCalcError, ...]:
        """Every refusal this error stands for, in the order the arguments were checked: this one alone, or
        those of a :class:`DoseCalcErrors`."""
        return (self,)


class DoseCalcErrors(DoseCalcError):
    """Several refusals found in one pass over an operation's arguments, each naming its own field.

    As a :class:`DoseCalcError` it is the first of them (its ``field``, ``problem``, ``lines`` and text), the
    refusal a face that shows one prints; ``errors`` holds each of them, in the order they were checked.
    """

    def __init__(self, errors: Sequence[DoseCalcError]) -> None:
        every = tuple(one for error in errors for one in error.errors)
        if not every:
            raise ValueError("DoseCalcErrors needs at least one refusal")
        first = every[0]
        super().__init__(first.problem, field=first.field)
        self.several_lines = first.several_lines
        self._every = every

    @property
    def errors(self) -> tuple[DoseCalcError, ...]:
        return self._every

    def for_field(self, field: str) -> DoseCalcError:
        """Each of the refusals, reported against ``field``."""
        return DoseCalcErrors([error.for_field(field) for error in self._every])


_T = TypeVar("_T")


class Refusals:
    """The refusals of one call's arguments, kept as each argument is read so that every one is reported at
    once (:meth:`check`), before anything is computed from them."""

    def __init__(self) -> None:
        self.errors: list[DoseCalcError] = []

    def read(self, reading: Callable[[], _T], instead: _T) -> _T:
        """What ``reading()`` gives, or ``instead`` (never used for a figure: :meth:`check` refuses the call
        first) with its refusals kept."""
        try:
            return reading()
        except DoseCalcError as error:
            self.errors.extend(error.errors)
            return instead

    def add(self, error: DoseCalcError) -> None:
        self.errors.extend(error.errors)

    def refused(self, field: str) -> bool:
        """Whether the argument ``field`` was refused."""
        return any(error.field == field for error in self.errors)

    def check(self) -> None:
        """Raises what was refused: one refusal as it was raised, several as one :class:`DoseCalcErrors`."""
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise DoseCalcErrors(self.errors)


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
