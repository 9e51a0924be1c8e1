"""The one table of output formats: for each subject (a kind of result) and format name, the writer that makes
it and what the faces need to know about it.

A writer is named by its module under :mod:`dosecalc.render` and its function, and imported only when its
format is asked for (so writing JSON never loads rich or jinja2), the way pint's registry finds a formatter:
result objects ask this table, never :mod:`dosecalc.render` itself, so results sit below render and the
imports of the package run one way. The command line's ``--format`` choices, the web page's downloads (suffix
and media type) and :meth:`dosecalc.results.Result.formats` all read this table, so a new format is a writer
plus one row here.

This module imports nothing of dosecalc's at import time: the command line reads it to build its options.
"""

from __future__ import annotations

from contextvars import ContextVar
from importlib import import_module
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import flags_checked

if TYPE_CHECKING:
    from collections.abc import Callable


#: The package of dosecalc's own writers.
_RENDER = "dosecalc.render"


class Format(NamedTuple):
    """One way of writing one subject: ``module`` (its full dotted name) and ``writer`` (a function there)
    make it. A ``table`` writer returns a rich renderable drawn for a terminal; a ``binary`` writer
    returns bytes (a zip package); every other writer returns the text. ``parts``, when given, names a
    function beside ``writer`` that writes the same text as files of at most a number of bytes each."""

    subject: str
    name: str
    module: str
    writer: str
    suffix: str
    media_type: str
    binary: bool = False
    #: Machine output: full precision, no disclaimer inside (JSON carries it as a field).
    machine: bool = False
    #: Offered by the command line's ``--format`` (the web and the library offer every format).
    cli: bool = True
    #: The function of ``module`` that writes the text in parts under a size (``--max-size``), if any.
    parts: str = ""


def _row(subject: str, name: str, module: str, writer: str, *, cli: bool = True, parts: str = "") -> Format:
    """A row for one of dosecalc's own writers: ``module`` is named under :mod:`dosecalc.render`."""
    suffix, media_type, binary, machine = _KINDS[name]
    return Format(subject, name, f"{_RENDER}.{module}", writer, suffix, media_type, binary, machine, cli, parts)


#: format name -> (file suffix, media type, binary, machine output).
_KINDS: dict[str, tuple[str, str, bool, bool]] = {
    "table": ("txt", "text/plain", False, False),
    "text": ("txt", "text/plain", False, False),
    "csv": ("csv", "text/csv", False, True),
    "json": ("json", "application/json", False, True),
    "markdown": ("md", "text/markdown", False, False),
    "html": ("html", "text/html", False, False),
    "moodle": ("xml", "application/xml", False, False),
    "gift": ("gift.txt", "text/plain", False, False),
    "canvas": ("zip", "application/zip", True, False),
    "qti21": ("zip", "application/zip", True, False),
}

#: Every format of every subject. Within a subject, the order of its rows is the order its formats are offered.
FORMATS: tuple[Format, ...] = (
    _row("cards", "table", "text", "cards_table"),
    _row("cards", "csv", "data", "cards_csv"),
    _row("cards", "json", "data", "json_text"),
    _row("cards", "markdown", "text", "cards_markdown"),
    _row("cards", "html", "html", "cards_html", cli=False),
    _row("card", "text", "text", "card_text"),
    _row("card", "json", "data", "json_text"),
    _row("card", "markdown", "text", "card_markdown"),
    _row("card", "html", "html", "card_html", cli=False),
    _row("dose_table", "table", "text", "dose_table"),
    _row("dose_table", "csv", "data", "dose_csv"),
    _row("dose_table", "json", "data", "json_text"),
    _row("dose_table", "markdown", "text", "dose_markdown"),
    _row("dose_table", "html", "html", "dose_html", cli=False),
    _row("schedule", "table", "text", "schedule_table"),
    _row("schedule", "csv", "data", "schedule_csv"),
    _row("schedule", "json", "data", "json_text"),
    _row("schedule", "markdown", "text", "schedule_markdown"),
    _row("schedule", "html", "html", "schedule_html", cli=False),
    _row("simulation", "table", "text", "simulation_table"),
    _row("simulation", "csv", "data", "simulation_csv"),
    _row("simulation", "json", "data", "json_text"),
    _row("simulation", "markdown", "text", "simulation_markdown"),
    _row("simulation", "html", "html", "simulation_html", cli=False),
    _row("sheet", "markdown", "text", "sheet_markdown"),
    _row("sheet", "json", "data", "json_text"),
    _row("sheet", "html", "html", "sheet_html"),
    _row("sheets", "markdown", "text", "sheets_markdown"),
    _row("sheets", "json", "data", "json_text"),
    _row("sheets", "html", "html", "class_sheets_html"),
    _row("sheets", "csv", "data", "roster_csv"),
    _row("marks", "table", "text", "marks_table"),
    _row("marks", "json", "data", "json_text"),
    _row("marks", "csv", "data", "marks_csv"),
    _row("marks", "markdown", "text", "marks_markdown"),
    _row("marks", "html", "html", "marks_html", cli=False),
    _row("class_marks", "table", "text", "class_table"),
    _row("class_marks", "json", "data", "json_text"),
    _row("class_marks", "csv", "data", "gradebook_csv"),
    _row("class_marks", "markdown", "text", "class_markdown"),
    _row("items", "table", "text", "items_table"),
    _row("items", "json", "data", "json_text"),
    _row("items", "csv", "data", "items_csv"),
    _row("items", "markdown", "text", "items_markdown"),
    _row("handout", "html", "html", "handout_text"),
    # learning platforms (render/lms/): a sheet, or a set of variants of it
    _row("sheet", "moodle", "lms.moodle", "quiz_xml", parts="quiz_xml_parts"),
    _row("sheet", "gift", "lms.gift", "quiz_gift", parts="quiz_gift_parts"),
    _row("sheet", "canvas", "lms.canvas", "package"),
    _row("sheet", "qti21", "lms.qti21", "package"),
    _row("variants", "markdown", "lms", "variants_markdown"),
    _row("variants", "json", "lms", "variants_json"),
    _row("variants", "moodle", "lms.moodle", "quiz_xml", parts="quiz_xml_parts"),
    _row("variants", "gift", "lms.gift", "quiz_gift", parts="quiz_gift_parts"),
    _row("variants", "canvas", "lms.canvas", "package"),
    _row("variants", "qti21", "lms.qti21", "package"),
)

#: Formats for machines: full precision, no disclaimer inside (JSON carries it as a field).
MACHINE_FORMATS = frozenset(row.name for row in FORMATS if row.machine)
#: Formats written as bytes (zip packages): :func:`as_bytes` writes them, :func:`as_text` refuses them.
BINARY_FORMATS = frozenset(row.name for row in FORMATS if row.binary)
#: Formats that can be written in parts under a size, in the order of :data:`FORMATS`.
SPLIT_FORMATS = tuple(dict.fromkeys(row.name for row in FORMATS if row.parts))
#: Formats a chart is written in (by matplotlib), with their media types.
CHART_FORMATS = {"png": "image/png", "svg": "image/svg+xml"}

#: Set while a CSV writer runs: write cells exactly as given, not neutralised for spreadsheets.
RAW_CSV: ContextVar[bool] = ContextVar("raw_csv", default=False)
#: Set while a result is written for a notebook cell (its ``_repr_html_`` or ``_repr_markdown_``): long tables
#: are cut to their first and last rows as pandas cuts them, and a table for several patients gives its notes
#: once. Text for the command line and for files is written whole, whatever this says.
NOTEBOOK: ContextVar[bool] = ContextVar("notebook", default=False)


def formats(subject: str) -> tuple[str, ...]:
    """The formats a subject can be written in, in the order of :data:`FORMATS`."""
    return tuple(row.name for row in FORMATS if row.subject == subject)


def choices(*subjects: str) -> tuple[str, ...]:
    """The ``--format`` choices of a command that writes ``subjects``, in the order of :data:`FORMATS`."""
    return tuple(dict.fromkeys(row.name for row in FORMATS if row.subject in subjects and row.cli))


def find(subject: str, format: str) -> Format:
    """The row for ``subject`` in ``format``, or a refusal naming the formats there are."""
    for row in FORMATS:
        if row.subject == subject and row.name == format:
            return row
    from .errors import DoseCalcError

    known = ", ".join(formats(subject))
    raise DoseCalcError(f"{str(format)!r} is not a format of this result; expected one of {known}", field="format")


def function(module: str, name: str) -> Callable[..., Any]:
    """A function of a module under :mod:`dosecalc.render` (``"text"``, ``"lms.moodle"``), imported now."""
    return _function(f"{_RENDER}.{module}", name)


def _function(module: str, name: str) -> Callable[..., Any]:
    return getattr(import_module(module), name)  # type: ignore[no-any-return]


def as_bytes(result: Any, format: str) -> bytes:
    """``result`` written in ``format`` as bytes: a zip package as it is, any text format in UTF-8."""
    row = find(result.subject, format)
    if row.binary:
        return bytes(_function(row.module, row.writer)(result))
    return as_text(result, format).encode("utf-8")


def as_parts(result: Any, format: str, limit: int) -> list[bytes]:
    """``result`` written in ``format`` as files of at most ``limit`` bytes each (UTF-8), for a format whose
    row names a ``parts`` writer; one file when all of it fits."""
    row = find(result.subject, format)
    if not row.parts:
        from .errors import DoseCalcError

        raise DoseCalcError(f"{str(format)!r} cannot be written in parts", field="max_size")
    return [text.encode("utf-8") for text in _function(row.module, row.parts)(result, limit)]


#: Narrowest and widest a terminal table is drawn.
WIDTHS = (20, 10_000)


@flags_checked
def as_text(result: Any, format: str, *, width: int | None = None, color: bool = False, raw_csv: bool = False) -> str:
    """``result`` written in ``format``. A ``table`` is drawn ``width`` characters wide (default 140),
    in colour only when asked. CSV cells are neutralised for spreadsheets unless ``raw_csv``."""
    if width is not None and (type(width) is not int or not WIDTHS[0] <= width <= WIDTHS[1]):
        from .errors import DoseCalcError

        raise DoseCalcError(
            f"expected a whole number of columns from {WIDTHS[0]} to {WIDTHS[1]:,}, got {width!r:.40}", field="width"
        )
    row = find(result.subject, format)
    writer = _function(row.module, row.writer)
    if row.binary:
        from .errors import DoseCalcError

        raise DoseCalcError(f"{str(format)!r} is a zip package, not text: write it with to_bytes()", field="format")
    if format == "csv":
        token = RAW_CSV.set(raw_csv)
        try:
            return str(writer(result))
        finally:
            RAW_CSV.reset(token)
    if format != "table":
        return str(writer(result))
    return str(function("text", "draw")(writer(result), width=width, color=color))


def to_dicts(result: Any) -> dict[str, Any]:
    """The JSON contract of ``result``: what its ``json`` format prints, as plain dicts and lists."""
    return function("data", "to_dicts")(result)  # type: ignore[no-any-return]


def notebook_html(result: Any) -> str:
    """``result`` as HTML for a notebook cell (see :data:`NOTEBOOK`)."""
    token = NOTEBOOK.set(True)
    try:
        return str(function("html", "notebook_html")(result))
    finally:
        NOTEBOOK.reset(token)


def notebook_markdown(result: Any) -> str:
    """``result`` as Markdown for a notebook cell (see :data:`NOTEBOOK`)."""
    token = NOTEBOOK.set(True)
    try:
        return as_text(result, "markdown")
    finally:
        NOTEBOOK.reset(token)
