"""HTML for people: the printable handout, worksheets, and the tables Jupyter shows for a result.

Every page is self-contained (inline CSS and SVG, nothing fetched) and carries the disclaimer. Card and user
text is escaped: the handout's jinja2 template autoescapes, and every other page goes through ``escape``.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..columns import DOSE_COLUMNS
from ..files import ascii_slug
from ..formats import NOTEBOOK
from ..regimens import Card
from ..wording import DISCLAIMER, numbers, words
from . import figures
from .rows import (
    CARD_HEADERS,
    card_lines,
    card_summary,
    cut,
    cut_lines,
    dose_cells,
    dose_headers,
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
    simulation_cells,
    simulation_notes_all,
    simulation_title,
)

if TYPE_CHECKING:
    from ..dosing import DoseFigures
    from ..units import Quantity

if TYPE_CHECKING:
    from ..results import (
        CardDetail,
        CardList,
        DoseTable,
        Handout,
        Marks,
        Result,
        ScheduleTable,
        Sheet,
        Sheets,
        SimulationTable,
    )

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _environment() -> Any:
    from ..extras import require

    require("report")
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )


def _card(card: Card) -> dict[str, Any]:
    summary = (
        f"{card.indication}. {card.kind}: {numbers.card_dose_text(card)} over "
        f"{numbers.duration(card.duration)}{' (minimum)' if card.minimum_duration is not None else ''}; "
        f"{card.sessions} session(s) in the documented course"
    )
    if card.max_rate is not None:
        summary += f"; rate capped at {numbers.show(card.max_rate, 'mg/h')}"
    if card.preparation is not None:
        prep = card.preparation
        summary += f"; documented preparation {numbers.show(prep.amount, 'mg')} in {numbers.show(prep.volume, 'mL')}"
    if card.drug is not None:
        summary += f"; drug: {card.drug}"
    if card.population is not None:
        summary += f"; population studied: {card.population.studied}"
    return {
        "id": card.id,
        "title": card.title,
        "summary": summary + ".",
        "sources": card.sources,
        "notes": [n.text for n in card.notes],
    }


def handout_html(
    table: DoseTable,
    schedules: Sequence[ScheduleTable],
    simulation: SimulationTable | None = None,
    not_simulated: Sequence[str] = (),
) -> str:
    """The handout as HTML text: the table for one patient, each regimen's schedule, charts, the cards.
    ``not_simulated`` gives, for each regimen left off the concentration chart, why."""
    rows = table.rows
    plans = [row.plan for row in rows]
    columns = present(DOSE_COLUMNS, rows)
    schedule_parts = []
    for schedule in schedules:
        headers, body = schedule_cells(schedule)
        card = schedule.schedule.figures.plan.card
        schedule_parts.append(
            {"regimen": card.id, "title": f"{card.id}: {card.title}", "headers": headers, "rows": body}
        )
    drawn = [
        {
            "svg": figures.rate_by_weight(plans, patient=_in_range(table.patient.weight)),
            "caption": "Rate by weight, 40 to 150 kg: caps, the weights where two regimens give the same rate, "
            "and this patient (dashed line) are marked.",
        },
        {
            "svg": figures.cumulative(plans, table.patient.weight),
            "caption": "Cumulative dose over one session for this patient.",
        },
    ]
    if simulation is not None:
        drawn.append(
            {
                "svg": figures.concentration(simulation.runs),
                "caption": f"Predicted plasma concentration under the {simulation.runs[0].model.id} model: a "
                "population estimate for teaching, not a prediction for this patient."
                + "".join(
                    f" {run.figures.regimen}: its bolus, given at once on the card, is simulated over "
                    f"{numbers.duration(run.course.bolus_over)}."
                    for run in simulation.runs
                    if run.course.boluses
                )
                + "".join(f" Not simulated: {reason}." for reason in not_simulated),
            }
        )
    steps = [{"regimen": row.regimen, "lines": words.step_lines(row.steps)} for row in rows if row.steps]
    template = _environment().get_template("report.html")
    return str(
        template.render(
            disclaimer=DISCLAIMER,
            heading=words.regimens_heading([row.plan.card for row in rows]),
            patient_line=patient_line(table.patient),
            dose_headers=dose_headers(columns),
            dose_rows=[dose_cells(row, columns) for row in rows],
            notes=numbered_notes(rows),
            charts=drawn,
            schedules=schedule_parts,
            steps=steps,
            steps_precision=words.STEPS_PRECISION,
            rounding_note=words.ROUNDED_FOR_DISPLAY,
            cards=[_card(row.plan.card) for row in rows],
        )
    )


def _in_range(weight: Quantity, low: float = 40.0, high: float = 150.0) -> Quantity | None:
    """The patient's weight when it falls on the handout's rate-by-weight chart (40 to 150 kg)."""
    return weight if low <= float(weight.to("kg").magnitude) <= high else None


def handout_text(result: Handout) -> str:
    return result.html


# --------------------------------------------------------------------------------------- Jupyter tables


def notebook_html(result: Result) -> str:
    """What Jupyter shows for a result: a fragment as it is; a worksheet (or a class's) inline, its styles
    scoped to it, as long as its content; any other whole page (the handout) in a frame of its own, so that
    its styles cannot restyle the notebook."""
    if result.subject == "sheet":
        return _sheets_inline([result])  # type: ignore[list-item]
    if result.subject == "sheets":
        return _sheets_inline(list(result))  # type: ignore[call-overload]
    page = result.as_text("html")
    if not page.lstrip().lower().startswith("<!doctype"):
        return page
    style = "width:100%;height:40rem;border:1px solid #999"
    return f'<iframe srcdoc="{escape(page, quote=True)}" style="{style}"></iframe>'


def _table(headers: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    """A table; in a notebook, a long one cut to its first and last rows as pandas cuts a DataFrame."""
    right = numeric_columns(headers, body)
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)

    def rows(part: Sequence[Sequence[str]]) -> str:
        return "".join(
            "<tr>"
            + "".join(
                f'<td style="text-align:{"right" if right[i] else "left"}">{escape(c)}</td>' for i, c in enumerate(row)
            )
            + "</tr>"
            for row in part
        )

    first, left_out, last = cut(body) if NOTEBOOK.get() else (list(body), 0, [])
    if not left_out:
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows(body)}</tbody></table>"
    between, under = cut_lines(left_out, len(body))
    gap = f'<tr><td colspan="{len(headers)}" style="text-align:center">{escape(between)}</td></tr>'
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{rows(first)}{gap}{rows(last)}</tbody></table>"
    return f"{table}<p>{escape(under)}</p>"


def _page(*parts: str) -> str:
    """A fragment for Jupyter: the disclaimer first, then the parts."""
    return f"<div><p><strong>{escape(DISCLAIMER)}</strong></p>{''.join(parts)}</div>"


def _steps(rows: Sequence[DoseFigures]) -> str:
    """The worked steps of the rows that have them, one numbered list per regimen."""
    blocks = [
        f"<p>{escape(row.regimen)}:</p><ol>"
        + "".join(f"<li>{escape(line)}</li>" for line in words.step_lines(row.steps))
        for row in rows
        if row.steps
    ]
    heading = f"<p>Worked steps. {escape(words.STEPS_PRECISION)}</p>"
    return "" if not blocks else heading + "</ol>".join(blocks) + "</ol>"


def _lines(lines: Sequence[str]) -> str:
    return "<br>".join(escape(line) for line in lines)


def _notes(notes: Sequence[str], brief: bool = False) -> str:
    if not notes:
        return ""
    heading = escape(notes_heading(brief))
    return f"<p>{heading}</p><ol>" + "".join(f"<li>{escape(n)}</li>" for n in notes) + "</ol>"


def dose_html(result: DoseTable) -> str:
    once = NOTEBOOK.get() and len(result.groups) > 1  # a notebook says the notes of several patients once
    parts = []
    for patient, rows in result.groups:
        columns = present(DOSE_COLUMNS, rows)
        parts.append(f"<p>{escape(patient_line(patient))}</p>")
        parts.append(_table(dose_headers(columns), [dose_cells(row, columns) for row in rows]))
        if not once:
            parts.append(_notes(numbered_notes(rows, result.brief), result.brief))
        parts.append(_steps(rows))
    if once:
        parts.append(_notes(shared_notes(result.groups, result.brief), result.brief))
    return _page(*parts)


def schedule_html(result: ScheduleTable) -> str:
    headers, body = schedule_cells(result)
    notes = words.row_notes(result.schedule.figures, result.brief)
    title = f"<p>{_lines(schedule_title(result).splitlines())}</p>"
    rounded = f"<p>{escape(words.ROUNDED_FOR_DISPLAY)}</p>"
    steps = _steps([result.schedule.figures])
    return _page(title, _table(headers, body), rounded, _notes(notes, result.brief), steps)


def simulation_html(result: SimulationTable) -> str:
    headers, body = simulation_cells(result)
    title = _lines(simulation_title(result))
    return _page(f"<p>{title}</p>", _table(headers, body), _notes(simulation_notes_all(result)))


def cards_html(result: CardList) -> str:
    return _page(_table(CARD_HEADERS, [card_summary(c) for c in result]))


def card_html(result: CardDetail) -> str:
    """One card in full as paragraphs and lists, which wrap between words at any width (a ``<pre>`` block
    was broken mid-word by notebooks that wrap preformatted text anywhere)."""
    card = result.card
    head, *rest = card_lines(card)
    facts = rest[: rest.index("")] if "" in rest else rest
    sources = "".join(
        f"<li>{escape(source.citation)}<br>{escape(source.says)}"
        + (f"<br>{escape(source.link)}" if source.link else "")
        + "</li>"
        for source in card.sources
    )
    notes = "".join(f"<li>{escape(note.text)}</li>" for note in card.notes)
    parts = [
        '<div style="overflow-wrap:break-word;word-break:normal;white-space:normal">',
        f"<p><strong>{escape(head)}</strong><br>{_lines(facts)}</p>",
        f"<p>Sources:</p><ol>{sources}</ol>",
        f"<p>Notes:</p><ul>{notes}</ul>" if notes else "",
        "</div>",
    ]
    return _page(*parts)


def marks_html(result: Marks) -> str:
    headers, body = marks_body(result)
    return _page(f"<p><strong>{escape(score_line(result))}</strong></p>" + _table(headers, body))


# --------------------------------------------------------------------------------------- worksheets

#: Print layout of a sheet: the code, the student and the page number in the margins of every page (CSS paged
#: media); no problem split across pages; each sheet of a class starts a page. Chromium numbers pages only
#: across the whole document (a page counter cannot be reset per sheet), so a sheet is laid out in leaves of a
#: set number of problems, one printed page each, each a named page whose margin says "Page 2 of 4" of its own
#: sheet; the closing disclaimer shares the last leaf, so no page holds it alone.
_SHEET_STYLE = """
body { font-family: "DejaVu Sans", system-ui, sans-serif; color: #1a1a1a; max-width: 48rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.45; font-size: 10.5pt; }
h1 { font-size: 1.35rem; margin: 0.3rem 0; }
.disclaimer { border: 2px solid #1a1a1a; padding: 0.4rem 0.7rem; font-weight: bold; }
.code { font-size: 1.05rem; }
.who { display: flex; gap: 1.5rem; margin: 0.8rem 0; }
.who span { flex: 1; border-bottom: 1px solid #1a1a1a; min-height: 1.3em; padding-left: 0.3rem; }
.who span.name { flex: 2.5; }
.rules { font-size: 9pt; margin: 0.3rem 0 0.8rem; }
.problems { padding-left: 1.6rem; margin: 0; }
.problem { break-inside: avoid; page-break-inside: avoid; margin: 0 0 1rem; padding-top: 0.2rem; }
.level { color: #555; font-size: 9pt; }
.working { height: 3.2cm; border: 1px dashed #999; margin: 0.3rem 0; }
.working::before { content: "Working"; color: #777; font-size: 8pt; padding: 0.1rem 0.3rem; }
.answer-line .blank { display: inline-block; width: 9rem; border-bottom: 1px solid #1a1a1a; }
.answer { font-weight: bold; margin: 0.3rem 0; }
.steps { font-size: 9.5pt; }
.blank-page { color: #555; text-align: center; padding-top: 40%; }
.leaf + .leaf, .sheet + .sheet { break-before: page; page-break-before: always; }
@page { size: A4; margin: 16mm 14mm 16mm 14mm; }
@media print { body { margin: 0; max-width: none; padding: 0; } }
"""
#: Problems on a sheet's first printed page (under its heading and rules) and on each page after, for a
#: worksheet (with its working space) and for an answer key (with its steps): few enough that the longest
#: questions of any kind, with their working space or their steps, fit on A4 (tried in Chromium over 80 sheets
#: of 15 problems at every level: one more problem a page overflows some of them). The print test holds it.
_PER_PAGE = {False: (2, 3), True: (2, 3)}


def _css_string(text: str) -> str:
    """Text as a CSS string literal: every character but letters, digits and a few safe marks escaped (six hex
    digits and the space that ends an escape), so that a student's name cannot end the string or the style
    element."""
    safe = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 -.,:")
    return '"' + "".join(ch if ch in safe else f"\\{ord(ch):06x} " for ch in text) + '"'


def _leaves(sheet: Sheet, duplex: bool) -> list[list[int]]:
    """The problems (by index) on each printed page of ``sheet``: the first page's few, then as many per page
    as fit; an empty page at the end when ``duplex`` and the count is odd, so the next sheet starts on a
    front."""
    first, then = _PER_PAGE[sheet.is_key]
    indices = list(range(len(sheet.problems)))
    leaves = [indices[:first]] + [indices[i : i + then] for i in range(first, len(indices), then)]
    if duplex and len(leaves) % 2:
        leaves.append([])
    return leaves


def _page_style(index: int, sheet: Sheet, pages: int) -> str:
    """The margins of each of sheet ``index``'s pages: its code at the top right, the student (or what it
    is) at the top left, the page of this sheet at the bottom."""
    kind = "Answer key" if sheet.is_key else "Worksheet"
    left = f"{sheet.student}: {kind.lower()}" if sheet.student is not None else kind
    rules = []
    for page in range(1, pages + 1):
        name = f"sheet-{index}-{page}"
        rules.append(
            f"@page {name} {{ @top-right {{ content: {_css_string('Sheet ' + sheet.code)}; font-size: 9pt; }}"
            f" @top-left {{ content: {_css_string(left)}; font-size: 9pt; }}"
            f' @bottom-center {{ content: "Page {page} of {pages}"; font-size: 8pt; }} }}\n'
            f"#{name} {{ page: {name}; }}"
        )
    return "\n".join(rules)


def _problem_html(sheet: Sheet, p: Any) -> list[str]:
    from ..teaching.exercises import answer_text

    parts = [
        f'<li class="problem" value="{p.number}" data-kind="{escape(p.kind)}">',
        f'<p class="question"><span class="level">(level {p.level})</span> {escape(p.question)}</p>',
    ]
    if sheet.is_key:
        parts.append(f'<p class="answer">Answer: {escape(answer_text(p))}</p><ol class="steps">')
        parts += [f"<li>{escape(step)}</li>" for step in p.steps]
        parts.append("</ol>")
    else:
        parts.append('<div class="working"></div>')
        parts.append(f'<p class="answer-line">Answer: <span class="blank"></span> {escape(p.unit)}</p>')
    parts.append("</li>")
    return parts


def _sheet_section(index: int, sheet: Sheet, leaves: Sequence[Sequence[int]]) -> str:
    title = "answer key" if sheet.is_key else "worksheet"
    student = "" if sheet.student is None else escape(sheet.student)
    parts = [f'<section class="sheet" id="sheet-{index}" data-code="{escape(sheet.code)}">']
    last = max(page for page, leaf in enumerate(leaves, 1) if leaf)
    who = f'<p class="who">Name: <span class="name">{student}</span> Date: <span></span> Class: <span></span></p>'
    for page, leaf in enumerate(leaves, 1):
        parts.append(f'<div class="leaf" id="sheet-{index}-{page}">')
        if page == 1:
            parts += [
                f'<p class="disclaimer">{escape(DISCLAIMER)}</p>',
                f"<h1>Infusion dosage calculations: {title}</h1>",
                f'<p class="code">Sheet code <strong>{escape(sheet.code)}</strong> ({escape(sheet_about(sheet))}), '
                f'<span class="use">{escape(sheet.label)}</span></p>',
                who,
                '<ul class="rules">',
                *[f"<li>{escape(line)}</li>" for line in sheet.convention.lines(p.unit for p in sheet.problems)],
                "</ul>",
            ]
        if leaf:
            parts.append('<ol class="problems">')
            for position in leaf:
                parts += _problem_html(sheet, sheet.problems[position])
            parts.append("</ol>")
        elif page > 1:
            parts.append('<p class="blank-page">This page is left blank for two-sided printing.</p>')
        if page == last:  # the closing disclaimer with the last problems, never on a page of its own
            parts.append(f'<p class="disclaimer">{escape(DISCLAIMER)}</p>')
        parts.append("</div>")
    parts.append("</section>")
    return "\n".join(parts)


#: A worksheet's look inline in a notebook: the print style's rules scoped to the sheets (no body, page or
#: print rules), so the sheet takes the height of its content and restyles nothing else in the notebook.
_INLINE_SHEET_STYLE = """
.dosecalc-sheets { max-width: 48rem; line-height: 1.45; }
.dosecalc-sheets h1 { font-size: 1.35rem; margin: 0.3rem 0; }
.dosecalc-sheets .disclaimer { border: 2px solid currentColor; padding: 0.4rem 0.7rem; font-weight: bold; }
.dosecalc-sheets .who { display: flex; gap: 1.5rem; margin: 0.8rem 0; }
.dosecalc-sheets .who span { flex: 1; border-bottom: 1px solid currentColor; min-height: 1.3em; }
.dosecalc-sheets .who span.name { flex: 2.5; }
.dosecalc-sheets .rules { font-size: 0.9em; }
.dosecalc-sheets .problem { margin: 0 0 1rem; }
.dosecalc-sheets .level { opacity: 0.75; font-size: 0.9em; }
.dosecalc-sheets .working { height: 3.2cm; border: 1px dashed #999; margin: 0.3rem 0; }
.dosecalc-sheets .answer-line .blank { display: inline-block; width: 9rem; border-bottom: 1px solid currentColor; }
.dosecalc-sheets .answer { font-weight: bold; margin: 0.3rem 0; }
.dosecalc-sheets .sheet + .sheet { border-top: 2px solid #999; margin-top: 1.5rem; padding-top: 1rem; }
"""


def _sheets_inline(sheets: Sequence[Sheet]) -> str:
    """Sheets for a notebook cell: the printable page's sections inline, without their page ids (two sheets
    shown in one notebook would repeat them), styled by :data:`_INLINE_SHEET_STYLE`. Every section carries
    the disclaimer, as on paper; ``as_text("html")`` is the page to print."""
    import re

    sections = (
        re.sub(r' id="sheet-[0-9]+(?:-[0-9]+)?"', "", _sheet_section(n, sheet, [range(len(sheet.problems))]))
        for n, sheet in enumerate(sheets, 1)
    )
    return f'<div class="dosecalc-sheets"><style>{_INLINE_SHEET_STYLE}</style>{"".join(sections)}</div>'


def sheets_html(sheets: Sequence[Sheet], *, duplex: bool = False) -> str:
    """Sheets as one printable HTML page (inline CSS, nothing fetched): each sheet starts a page, and every
    printed page carries its sheet's code, its student (or worksheet / answer key) and its page of that
    sheet ("Page 2 of 4"). ``duplex``: each sheet padded with a blank page to an even number, so that every
    sheet printed on both sides starts on a sheet of paper of its own."""
    if not sheets:
        raise ValueError("no sheets to write")
    first = sheets[0]
    title = "answer key" if first.is_key else "worksheet"
    heading = f"dosecalc {title} {first.code}" if len(sheets) == 1 else f"dosecalc {title}s for {len(sheets)} students"
    leaves = [_leaves(sheet, duplex) for sheet in sheets]
    styles = "\n".join(
        _page_style(index, sheet, len(own)) for index, (sheet, own) in enumerate(zip(sheets, leaves, strict=True), 1)
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(heading)}</title>",
        f"<style>{_SHEET_STYLE}{styles}\n</style>",
        "</head><body>",
        *(_sheet_section(index, sheet, own) for index, (sheet, own) in enumerate(zip(sheets, leaves, strict=True), 1)),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def sheet_html(result: Sheet) -> str:
    """The worksheet or answer key as one printable HTML page (see :func:`sheets_html`)."""
    return sheets_html([result])


def class_sheets_html(result: Sheets) -> str:
    """A class's sheets as one page that prints one student per page."""
    return sheets_html(list(result.sheets))


# --------------------------------------------------------------------------------------- feedback

#: A feedback page's print layout: the sheet's, each student from a new page.
_FEEDBACK_STYLE = """
.mark { break-inside: avoid; page-break-inside: avoid; margin: 0 0 0.9rem; }
.status { text-transform: uppercase; font-size: 9pt; letter-spacing: 0.04em; }
.mark.right .status { color: #14532d; }
.mark.wrong .status, .mark.unreadable .status { color: #7f1d1d; }
.feedback + .feedback { break-before: page; page-break-before: always; }
"""
_STATUS_TEXT = {"right": "Right", "wrong": "Wrong", "unreadable": "Unreadable", "no answer": "No answer"}


def feedback_section(result: Marks) -> str:
    """One student's marked sheet as an HTML fragment to hand back: the score, and for every problem the
    question, the answer given, the mark, the feedback (the error matched) and, unless right, the key's answer
    and its worked steps. Everything the student typed is escaped."""
    from ..teaching.exercises import answer_text
    from .rows import shown

    who = escape(shown(result.student)) if result.student else "Answers"
    parts = [
        f'<section class="feedback" data-code="{escape(result.code)}">',
        f'<p class="disclaimer">{escape(DISCLAIMER)}</p>',
        f"<h1>Feedback: {who}</h1>",
        f'<p class="code">Sheet code <strong>{escape(result.code)}</strong>. '
        f"<strong>{escape(score_line(result))}</strong></p>",
        *[f'<p class="note">{escape(shown(note))}</p>' for note in result.notes],
        '<ol class="problems">',
    ]
    for mark in result.marks:
        problem = mark.problem
        given = escape(shown(mark.given.strip())) if mark.given and mark.given.strip() else ""
        parts += [
            f'<li class="mark {mark.status.replace(" ", "-")}" value="{problem.number}">',
            f'<p class="question">{escape(problem.question)}</p>',
            f'<p><strong class="status">{_STATUS_TEXT[mark.status]}</strong>. '
            + (f"Your answer: <code>{given}</code>." if given else "No answer given.")
            + (
                f" {escape(shown(mark.reason[:1].upper() + mark.reason[1:]))}"
                + ("" if mark.reason[-1:] in ".?" else ".")
                if mark.status not in ("right", "no answer")
                else ""
            )
            + "</p>",
        ]
        if mark.status != "right":
            parts.append(f'<p class="answer">Answer: {escape(answer_text(problem))}</p><ol class="steps">')
            parts += [f"<li>{escape(step)}</li>" for step in problem.steps]
            parts.append("</ol>")
        parts.append("</li>")
    parts += ["</ol>", f'<p class="disclaimer">{escape(DISCLAIMER)}</p>', "</section>"]
    return "\n".join(parts)


def feedback_html(students: Sequence[Marks]) -> str:
    """Students' marked sheets as one printable HTML page (inline CSS, nothing fetched), each from a new page."""
    if not students:
        raise ValueError("no marks to write")
    title = "dosecalc feedback" + (f": {students[0].student}" if len(students) == 1 and students[0].student else "")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{_SHEET_STYLE}{_FEEDBACK_STYLE}"
        '@page { @bottom-center { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; } }\n'
        "</style>",
        "</head><body>",
        *(feedback_section(marks) for marks in students),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def feedback_filename(position: int, student: str | None) -> str:
    """A feedback page's file name: the student's place in the file and their name reduced to ASCII letters,
    digits and dashes (``03-zoe-o-brien.html``), at most 40 of them, so that no name makes a path (``/``,
    ``..``), a hidden file, a device name, or the same file as another student's."""
    slug = ascii_slug(student, 40).lower()
    return f"{position:03d}-{slug or 'student'}.html"
