"""Text for people: terminal tables (rich), plain text and Markdown, each with the disclaimer.

Figures are rounded by :mod:`.numbers`; card and user text is placed in rich ``Text`` objects (never read
as markup) and has ``|`` escaped in Markdown tables.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any, NamedTuple

from ..columns import DOSE_COLUMNS
from ..files import path_text
from ..formats import NOTEBOOK
from ..wording import DISCLAIMER, words
from .rows import (
    CARD_HEADERS,
    card_lines,
    card_summary,
    cut,
    cut_lines,
    dose_cells,
    dose_headers,
    gradebook_body,
    items_body,
    marks_body,
    notes_heading,
    numbered_notes,
    numeric_columns,
    patient_line,
    present,
    schedule_cells,
    schedule_title,
    score_line,
    shared_notes,
    sheet_about,
    shown,
    simulation_cells,
    simulation_notes_all,
    simulation_title,
)

if TYPE_CHECKING:
    from ..dosing import DoseFigures
    from ..results import (
        CardDetail,
        CardList,
        ClassMarks,
        DoseTable,
        ItemAnalysis,
        Marks,
        ScheduleTable,
        Sheet,
        Sheets,
        SimulationTable,
    )


def draw(renderable: Any, *, width: int | None = None, color: bool = False) -> str:
    """A rich renderable drawn as text ``width`` characters wide (default 140), without colour unless asked."""
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width or 140,
        force_terminal=color,
        color_system="auto" if color else None,
        no_color=not color,
        highlight=False,
        soft_wrap=False,
    )
    console.print(renderable)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------- dose tables


def _markdown_notes(notes: Sequence[str], brief: bool) -> list[str]:
    if not notes:
        return []
    return ["", notes_heading(brief), ""] + [f"{n}. {_md_escape(note)}" for n, note in enumerate(notes, 1)]


def _steps_lines(rows: Sequence[DoseFigures], schedule: bool = False) -> list[str]:
    lines = []
    for row in rows:
        if not row.steps:
            continue
        lines.append(f"{row.regimen}:")
        lines += [f"  {number}. {line}" for number, line in enumerate(words.step_lines(row.steps), 1)]
        if schedule:
            rate = words.step_term(row.rate, "rate", frozenset({words.step_key(row.rate)}))
            lines.append(
                f"  {len(row.steps) + 1}. cumulative dose at elapsed time t: {rate}"
                " \u00d7 t (the last row is the dose per session)"
            )
    return lines


def dose_markdown(result: DoseTable) -> str:
    once = NOTEBOOK.get() and len(result.groups) > 1  # a notebook says the notes of several patients once
    lines = [f"> **{DISCLAIMER}**"]
    for patient, rows in result.groups:
        columns = present(DOSE_COLUMNS, rows)
        lines += ["", _md_escape(patient_line(patient)), ""]
        lines += _markdown_table(dose_headers(columns), [dose_cells(row, columns) for row in rows])
        if not once:
            lines += _markdown_notes(numbered_notes(rows, result.brief), result.brief)
        lines += _steps_markdown(rows)
    if once:
        lines += _markdown_notes(shared_notes(result.groups, result.brief), result.brief)
    return "\n".join(lines) + "\n"


def _steps_markdown(rows: Sequence[DoseFigures], schedule: bool = False) -> list[str]:
    steps = _steps_lines(rows, schedule)
    if not steps:
        return []
    out = ["", f"Worked steps. {words.STEPS_PRECISION}"]
    for line in steps:
        if line.startswith("  "):
            out.append(f"   {line.strip()}")
        else:  # a blank line before each card's heading too, or Markdown reads it into the list above it
            out += ["", f"**{line[:-1]}**", ""]
    return out


def dose_table(result: DoseTable) -> Any:
    """A rich renderable: the disclaimer, then for each patient the patient line, the table and the notes."""
    blocks = []
    for patient, rows in result.groups:
        columns = present(DOSE_COLUMNS, rows)
        body = [dose_cells(r, columns) for r in rows]
        notes = numbered_notes(rows, result.brief)
        blocks.append(
            Block(
                patient_line(patient),
                dose_headers(columns, "\n"),
                body,
                notes,
                _steps_lines(rows),
                result.brief,
                stack=True,
            )
        )
    return _rich_blocks(blocks)


# --------------------------------------------------------------------------------------- schedules


def schedule_markdown(result: ScheduleTable) -> str:
    headers, body = schedule_cells(result)
    figures = result.schedule.figures
    lines = [f"> **{DISCLAIMER}**", "", *map(_md_escape, schedule_title(result).split("\n")), ""]
    lines += _markdown_table(headers, body)
    lines += ["", words.ROUNDED_FOR_DISPLAY]
    lines += _markdown_notes(words.row_notes(figures, result.brief), result.brief)
    lines += _steps_markdown([figures], schedule=True)
    return "\n".join(lines) + "\n"


def schedule_table(result: ScheduleTable) -> Any:
    headers, body = schedule_cells(result)
    figures = result.schedule.figures
    steps = _steps_lines([figures], schedule=True)
    notes = words.row_notes(figures, result.brief)
    block = Block(schedule_title(result), headers, body, notes, steps, result.brief, words.ROUNDED_FOR_DISPLAY)
    return _rich_blocks([block])


# --------------------------------------------------------------------------------------- regimen cards


def cards_markdown(result: CardList) -> str:
    lines = [f"> **{DISCLAIMER}**", ""]
    lines += _markdown_table(CARD_HEADERS, [card_summary(c) for c in result])
    return "\n".join(lines) + "\n"


#: Most cards a terminal table lists: drawing a table costs about a millisecond a row (10,000 cards took 27 s),
#: and no one reads thousands of rows in a terminal; CSV, JSON and Markdown list every card.
MAX_TERMINAL_CARDS = 500


def cards_table(result: CardList) -> Any:
    cards = list(itertools.islice(result, MAX_TERMINAL_CARDS))
    notes = []
    if len(result) > MAX_TERMINAL_CARDS:
        notes.append(
            f"The first {MAX_TERMINAL_CARDS:,} of {len(result):,} cards; --format csv, json or markdown lists them all."
        )
    return _rich_blocks([Block("Regimen cards", CARD_HEADERS, [card_summary(c) for c in cards], notes, stack=True)])


def card_text(result: CardDetail) -> str:
    """One card in full, for ``dosecalc show``: plain text that reads well in a terminal or a file."""
    lines = card_lines(result.card)
    lines[1] += f"   file: {path_text(result.origin)}"
    return "\n".join([DISCLAIMER, "", *lines]) + "\n"


def card_markdown(result: CardDetail) -> str:
    body = "\n".join(f"    {line}" if line else "" for line in card_lines(result.card))
    return f"> **{DISCLAIMER}**\n\n{body}\n"


# --------------------------------------------------------------------------------------- simulations


def simulation_table(result: SimulationTable) -> Any:
    headers, body = simulation_cells(result)
    return _rich_blocks([Block("\n".join(simulation_title(result)), headers, body, simulation_notes_all(result))])


def simulation_markdown(result: SimulationTable) -> str:
    headers, body = simulation_cells(result)
    lines = [f"> **{DISCLAIMER}**", "", *(f"    {line}" for line in simulation_title(result)), ""]
    lines += _markdown_table(headers, body)
    lines += _markdown_notes(simulation_notes_all(result), brief=False)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------- teaching


#: A line to write on, in Markdown (escaped underscores).
_BLANK = "\\_" * 12


def sheet_markdown(result: Sheet) -> str:
    """The worksheet or answer key in Markdown: name, date and class lines, the code and the conventions at
    the top, then each problem with an answer blank and its unit (the key: the answer and the steps)."""
    from ..teaching.exercises import answer_text

    title = "Answer key" if result.is_key else "Worksheet"
    name = _BLANK + _BLANK if result.student is None else _md_escape(shown(result.student))
    lines = [
        f"# Infusion dosage calculations: {title.lower()}",
        "",
        f"> **{DISCLAIMER}**",
        "",
        f"Sheet code **{result.code}** ({sheet_about(result)}), {result.label}.",
        "",
        f"Name: {name}  ",
        f"Date: {_BLANK}  ",
        f"Class: {_BLANK}",
        "",
    ]
    lines += [f"- {line}" for line in result.convention.lines(p.unit for p in result.problems)] + [""]
    for p in result.problems:
        lines.append(f"{p.number}. (level {p.level}) {p.question}")
        lines.append("")
        if result.is_key:
            lines.append(f"   - **Answer: {answer_text(p)}**")
            lines += [f"   - {step}" for step in p.steps]
        else:
            lines.append(f"   Answer: {_BLANK} {p.unit}")
        lines.append("")
    lines += [f"> **{DISCLAIMER}**", ""]
    return "\n".join(lines)


def sheets_markdown(result: Sheets) -> str:
    """Every student's sheet, one after another, each headed by the student's name."""
    parts = [f"## {_md_escape(shown(sheet.student))}\n\n" + sheet_markdown(sheet) for sheet in result.sheets]
    return "\n---\n\n".join(parts)


def _marks_steps(result: Marks) -> list[str]:
    lines = []
    for m in result.marks:
        if not m.correct:
            lines.append(f"Problem {m.problem.number}:")
            lines += [f"  {step}" for step in m.problem.steps]
    return lines


def _marks_notes(result: Marks) -> list[str]:
    return [shown(note) for note in result.notes]


def marks_table(result: Marks) -> Any:
    headers, body = marks_body(result)
    rule = result.sheet.convention.lines()[3]
    return _rich_blocks(
        [Block(score_line(result), headers, body, _marks_notes(result), _marks_steps(result), caption=rule)]
    )


def marks_markdown(result: Marks) -> str:
    headers, body = marks_body(result)
    lines = [f"> **{DISCLAIMER}**", "", f"**{_md_escape(score_line(result))}**", ""]
    lines += _markdown_table(headers, body)
    lines += ["", _md_escape(result.sheet.convention.lines()[3])]
    if result.notes:
        lines += ["", "Not marked:", ""] + [f"- {_md_escape(note)}" for note in _marks_notes(result)]
    steps = _marks_steps(result)
    if steps:
        lines += ["", "Worked steps for the problems not right:", ""]
        lines += [f"- {_md_escape(line.strip())}" if line.startswith("  ") else f"\n**{line}**\n" for line in steps]
    return "\n".join(lines) + "\n"


def _class_notes(result: ClassMarks) -> list[str]:
    notes = [shown(str(student)) for student in result.refused]
    notes += [f"{shown(m.student)}: {shown(note)}" for m in result.students for note in m.notes]
    if result.ignored:
        notes.append("Columns not read: " + ", ".join(shown(name) for name in result.ignored[:10]))
    return notes


_CLASS_KEY = "1 right, 0 wrong, ? unreadable, - no answer (or the partial credit given)."


def _students(count: int) -> str:
    return f"{count} student" if count == 1 else f"{count} students"


def class_table(result: ClassMarks) -> Any:
    headers, body = gradebook_body(result)
    item_headers, item_body = items_body(result.item_analysis())
    return _rich_blocks(
        [
            Block(f"Gradebook: {_students(len(result))}", headers, body, _class_notes(result), caption=_CLASS_KEY),
            Block("Item analysis", item_headers, item_body),
        ]
    )


def class_markdown(result: ClassMarks) -> str:
    headers, body = gradebook_body(result)
    lines = [f"> **{DISCLAIMER}**", "", f"## Gradebook: {_students(len(result))}", ""]
    lines += [*_markdown_table(headers, body), "", _CLASS_KEY]
    notes = _class_notes(result)
    if notes:
        lines += ["", "Notes:", ""] + [f"- {_md_escape(note)}" for note in notes]
    item_headers, item_body = items_body(result.item_analysis())
    lines += ["", "## Item analysis", "", *_markdown_table(item_headers, item_body)]
    return "\n".join(lines) + "\n"


def items_table(result: ItemAnalysis) -> Any:
    headers, body = items_body(result)
    return _rich_blocks([Block("Item analysis", headers, body)])


def items_markdown(result: ItemAnalysis) -> str:
    headers, body = items_body(result)
    return "\n".join([f"> **{DISCLAIMER}**", "", *_markdown_table(headers, body)]) + "\n"


# --------------------------------------------------------------------------------------- shared pieces


_MARKDOWN_LINKS = str.maketrans({"\\": "\\\\", "[": "\\[", "]": "\\]", "|": "\\|"})


def _md_escape(text: str) -> str:
    """Text for a Markdown line or table cell: HTML in it is shown, never run (Jupyter and most Markdown
    viewers render raw HTML), brackets cannot open a link or an image (``[a](javascript:...)``, ``![](...)``),
    and a ``|`` cannot end a table cell."""
    return escape(text, quote=False).translate(_MARKDOWN_LINKS)


def _markdown_table(headers: Sequence[str], body: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown table; in a notebook, a long one cut to its first and last rows as pandas cuts a DataFrame."""
    lines = ["| " + " | ".join(_md_escape(h) for h in headers) + " |"]
    lines.append("|" + "|".join("---:" if right else ":---" for right in numeric_columns(headers, body)) + "|")
    first, left_out, last = cut(body) if NOTEBOOK.get() else (list(body), 0, [])
    lines += ["| " + " | ".join(_md_escape(cell) for cell in row) + " |" for row in first]
    if left_out:
        between, under = cut_lines(left_out, len(body))
        lines.append("| " + " | ".join([_md_escape(between), *([""] * (len(headers) - 1))]) + " |")
        lines += ["| " + " | ".join(_md_escape(cell) for cell in row) + " |" for row in last]
        lines += ["", _md_escape(under)]
    return lines


class Block(NamedTuple):
    """One titled table for a terminal, with what follows it."""

    title: str
    headers: Sequence[str]
    body: Sequence[Sequence[str]]
    notes: Sequence[str] = ()
    steps: Sequence[str] = ()
    brief: bool = False
    caption: str = ""  # said right under the table
    stack: bool = False  # too narrow a terminal even without the columns it may leave out: one row after another


#: The columns a terminal table leaves out first, in this order, when it is too narrow to show every column
#: without breaking a figure across lines: figures that follow from others on the same row (per kg, the
#: concentration given, the volume), then the card list's source and kind, its title last. The Markdown format
#: shows them all.
LEAVE_OUT_FIRST = (
    "Rate per kg",
    "Dose per kg",
    "Cumulative per kg",
    "Volume per session",
    "Cumulative volume",
    "Concentration",
    "First source",
    "Kind",
    "Title",
)

#: Each table cell's padding and rule: ``│ 22 `` is the cell's width and three more.
_CELL_EDGE = 3
#: A cell this long or shorter is never broken across lines (a figure, a unit, ``980 (10 x)``); a longer one is
#: text and may wrap between words.
_SHORT = 24


def _first_line(header: str) -> str:
    return header.split("\n")[0].split(" (")[0]


class _Fitted:
    """A terminal table that fits the width it is drawn at: no figure, unit or regimen name is broken across
    lines. When the table is too wide, it leaves out the columns of :data:`LEAVE_OUT_FIRST` one by one and
    says which; a table that may be stacked and still does not fit is drawn one row after another, each
    figure on its own line."""

    def __init__(self, headers: Sequence[str], body: Sequence[Sequence[str]], stack: bool) -> None:
        self.headers, self.body, self.stack = list(headers), [list(row) for row in body], stack

    def _needs(self, index: int) -> int:
        """The narrowest a column can be without breaking a cell: a whole figure, or a long text's longest word."""
        from rich.cells import cell_len

        def widest(text: str, words_only: bool) -> int:
            pieces = text.split() if words_only else text.split("\n")
            return max((cell_len(piece) for piece in pieces), default=0)

        header = widest(self.headers[index], True)
        cells = (widest(row[index], index > 0 and len(row[index]) > _SHORT) for row in self.body)
        return max(header, max(cells, default=0))

    def _widest(self, index: int) -> int:
        """A column's width with nothing wrapped."""
        from rich.cells import cell_len

        texts = [self.headers[index], *(row[index] for row in self.body)]
        return max(cell_len(line) for text in texts for line in text.split("\n"))

    def _columns(self, width: int) -> tuple[dict[int, int | None], list[str]] | None:
        """The columns to draw and the width of each (``None``: as rich lays it out), and the columns left out;
        ``None`` when even the table without every column it may leave out breaks a figure."""
        keep = list(range(len(self.headers)))
        if sum(self._widest(i) + _CELL_EDGE for i in keep) + 1 <= width:
            return dict.fromkeys(keep), []
        needs = {i: self._needs(i) for i in keep}
        left_out: list[str] = []
        for name in ("", *LEAVE_OUT_FIRST):
            if name:
                found = [i for i in keep if _first_line(self.headers[i]) == name]
                if not found:
                    continue
                keep.remove(found[0])
                left_out.append(name)
            spare = width - 1 - sum(needs[i] + _CELL_EDGE for i in keep)
            if spare >= 0:
                widths: dict[int, int | None] = {}
                for i in keep:  # the room left goes to the first columns that would use it
                    extra = min(spare, self._widest(i) - needs[i])
                    widths[i], spare = needs[i] + extra, spare - extra
                return widths, left_out
        return None

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.table import Table
        from rich.text import Text

        fitted = self._columns(options.max_width)
        if fitted is None and self.stack:
            yield from self._stacked(options.max_width)
            return
        widths, left_out = fitted or (dict.fromkeys(range(len(self.headers))), [])
        right = numeric_columns(self.headers, self.body)
        table = Table(show_lines=False, header_style="bold")
        for i, fixed in widths.items():  # Text, not str: card and user text is never read as markup
            table.add_column(
                Text(self.headers[i]),
                justify="right" if right[i] else "left",
                overflow="fold",
                no_wrap=i == 0,
                width=fixed,
            )
        for row in self.body:
            table.add_row(*(Text(row[i]) for i in widths))
        yield table
        if left_out:
            yield Text(f"Left out to fit {options.max_width} columns: {', '.join(left_out)} ({words.EVERY_COLUMN}).")

    def _stacked(self, width: int) -> Any:
        """Each row as its name, then its figures, ``Rate 22 mg/h; Duration 4 h; ...``, as many to a line as fit
        (a figure is never broken between its number and its unit)."""
        from rich.cells import cell_len
        from rich.text import Text

        for row in self.body:
            yield Text(row[0], style="bold")
            figures = [
                _stacked_figure(h, c) for h, c in zip(self.headers[1:], row[1:], strict=True) if c not in ("", "-")
            ]
            line = ""
            for figure in figures:
                joined = f"{line}; {figure}" if line else figure
                if line and cell_len(joined) + 3 > width:  # the indent, and the ";" that ends a full line
                    yield Text(f"  {line};")
                    joined = figure
                line = joined
            if line:
                yield Text(f"  {line}")


def _stacked_figure(header: str, cell: str) -> str:
    """``Rate\n(mg/h)`` and ``22 (cap)`` -> ``Rate 22 mg/h (cap)``; a header without a unit: ``Kind fixed-rate``."""
    name, _, unit = header.replace("\n", " ").partition(" (")
    if not unit:
        return f"{name} {cell}"
    figure, _, rest = cell.partition(" ")
    return " ".join(part for part in (name, figure, unit.rstrip(")"), rest) if part)


def _rich_blocks(blocks: Sequence[Block]) -> Any:
    """The disclaimer, then for each block its title, table, notes and worked steps, then the disclaimer."""
    from rich.console import Group  # rich is imported only when a terminal table is drawn
    from rich.text import Text

    parts: list[Any] = [Text(DISCLAIMER, style="bold")]
    for title, headers, body, notes, steps, brief, caption, stack in blocks:
        parts += [Text(title), _Fitted(headers, body, stack)]
        if caption:
            parts.append(Text(caption))
        if notes:
            numbered = "\n".join(f"{n}. {note}" for n, note in enumerate(notes, 1))
            parts.append(Text(f"{notes_heading(brief)}\n{numbered}"))
        if steps:
            parts.append(Text(f"Worked steps. {words.STEPS_PRECISION}\n" + "\n".join(steps)))
    parts.append(Text(DISCLAIMER, style="dim"))
    return Group(*parts)
