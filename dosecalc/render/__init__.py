"""Rendering: results to text in each format, behind one dispatcher.

One table maps a result's subject and a format name to the writer that makes that text; each format family
lives in its own module (:mod:`.text` for terminal tables, plain text and Markdown, :mod:`.data` for CSV and
JSON, :mod:`.html` for HTML), imported only when its format is asked for, so writing JSON never loads rich
or jinja2. :mod:`.numbers` rounds for people; :mod:`.words` words the notes and worked steps.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..results import Result

#: (subject, format) -> (module, writer). A ``table`` writer returns a rich renderable drawn for a terminal;
#: every other writer returns the text.
WRITERS: dict[tuple[str, str], tuple[str, str]] = {
    ("cards", "table"): ("text", "cards_table"),
    ("cards", "csv"): ("data", "cards_csv"),
    ("cards", "json"): ("data", "json_text"),
    ("cards", "markdown"): ("text", "cards_markdown"),
    ("cards", "html"): ("html", "cards_html"),
    ("card", "text"): ("text", "card_text"),
    ("card", "json"): ("data", "json_text"),
    ("card", "markdown"): ("text", "card_markdown"),
    ("card", "html"): ("html", "card_html"),
    ("dose_table", "table"): ("text", "dose_table"),
    ("dose_table", "csv"): ("data", "dose_csv"),
    ("dose_table", "json"): ("data", "json_text"),
    ("dose_table", "markdown"): ("text", "dose_markdown"),
    ("dose_table", "html"): ("html", "dose_html"),
    ("schedule", "table"): ("text", "schedule_table"),
    ("schedule", "csv"): ("data", "schedule_csv"),
    ("schedule", "json"): ("data", "json_text"),
    ("schedule", "markdown"): ("text", "schedule_markdown"),
    ("schedule", "html"): ("html", "schedule_html"),
    ("simulation", "table"): ("text", "simulation_table"),
    ("simulation", "csv"): ("data", "simulation_csv"),
    ("simulation", "json"): ("data", "json_text"),
    ("simulation", "markdown"): ("text", "simulation_markdown"),
    ("simulation", "html"): ("html", "simulation_html"),
    ("sheet", "markdown"): ("text", "sheet_markdown"),
    ("sheet", "json"): ("data", "json_text"),
    ("sheet", "html"): ("html", "sheet_html"),
    ("sheets", "markdown"): ("text", "sheets_markdown"),
    ("sheets", "json"): ("data", "json_text"),
    ("sheets", "html"): ("html", "class_sheets_html"),
    ("sheets", "csv"): ("data", "roster_csv"),
    ("marks", "table"): ("text", "marks_table"),
    ("marks", "json"): ("data", "json_text"),
    ("marks", "csv"): ("data", "marks_csv"),
    ("marks", "markdown"): ("text", "marks_markdown"),
    ("marks", "html"): ("html", "marks_html"),
    ("class_marks", "table"): ("text", "class_table"),
    ("class_marks", "json"): ("data", "json_text"),
    ("class_marks", "csv"): ("data", "gradebook_csv"),
    ("class_marks", "markdown"): ("text", "class_markdown"),
    ("items", "table"): ("text", "items_table"),
    ("items", "json"): ("data", "json_text"),
    ("items", "csv"): ("data", "items_csv"),
    ("items", "markdown"): ("text", "items_markdown"),
    ("handout", "html"): ("html", "handout_text"),
    # learning platforms (render/lms/): a sheet, or a set of variants of it
    ("sheet", "moodle"): ("lms.moodle", "quiz_xml"),
    ("sheet", "gift"): ("lms.gift", "quiz_gift"),
    ("sheet", "canvas"): ("lms.canvas", "package"),
    ("sheet", "qti21"): ("lms.qti21", "package"),
    ("variants", "markdown"): ("lms", "variants_markdown"),
    ("variants", "json"): ("lms", "variants_json"),
    ("variants", "moodle"): ("lms.moodle", "quiz_xml"),
    ("variants", "gift"): ("lms.gift", "quiz_gift"),
    ("variants", "canvas"): ("lms.canvas", "package"),
    ("variants", "qti21"): ("lms.qti21", "package"),
}

#: Formats for machines: full precision, no disclaimer inside (JSON carries it as a field).
MACHINE_FORMATS = frozenset({"csv", "json"})
#: Formats written as bytes (zip packages): :func:`as_bytes` writes them, :func:`as_text` refuses them.
BINARY_FORMATS = frozenset({"canvas", "qti21"})


def formats(subject: str) -> tuple[str, ...]:
    """The formats a subject can be written in, in the order of the table above."""
    return tuple(fmt for (name, fmt) in WRITERS if name == subject)


def _writer(result: Result, format: str) -> Any:
    from ..errors import DoseCalcError

    try:
        module_name, writer_name = WRITERS[(result.subject, format)]
    except KeyError:
        known = ", ".join(formats(result.subject))
        raise DoseCalcError(
            f"{str(format)!r} is not a format of this result; expected one of {known}", field="format"
        ) from None
    return getattr(import_module(f"{__name__}.{module_name}"), writer_name)


def as_bytes(result: Result, format: str) -> bytes:
    """``result`` written in ``format`` as bytes: a zip package as it is, any text format in UTF-8."""
    if format in BINARY_FORMATS:
        return bytes(_writer(result, format)(result))
    return as_text(result, format).encode("utf-8")


def as_text(
    result: Result, format: str, *, width: int | None = None, color: bool = False, raw_csv: bool = False
) -> str:
    """``result`` written in ``format``. A ``table`` is drawn ``width`` characters wide (default 140),
    in colour only when asked. CSV cells are neutralised for spreadsheets unless ``raw_csv``."""
    from ..errors import DoseCalcError

    writer = _writer(result, format)
    if format in BINARY_FORMATS:
        raise DoseCalcError(f"{str(format)!r} is a zip package, not text: write it with to_bytes()", field="format")
    if format == "csv":
        from .data import RAW_CSV

        token = RAW_CSV.set(raw_csv)
        try:
            return str(writer(result))
        finally:
            RAW_CSV.reset(token)
    if format != "table":
        return str(writer(result))
    from .text import draw

    return draw(writer(result), width=width, color=color)
