"""Exercises for learning platforms: Moodle XML (:mod:`.moodle`), GIFT (:mod:`.gift`), a Canvas QTI 1.2
package (:mod:`.canvas`) and a QTI 2.1 package (:mod:`.qti21`), each a writer behind :data:`dosecalc.formats.FORMATS`.

What a question holds (the key, the interval the sheet's rule accepts, distractors, units) comes from
:mod:`dosecalc.teaching.lms`; here only the writing. Shared by every format: text from cards and users is
cleaned of characters XML cannot hold and of control codes, escaped for HTML and then for XML, and a CDATA
section is split wherever ``]]>`` occurs; nothing refers to an outside resource; zip packages are the same
bytes for the same sheet (fixed timestamps, names in a fixed order).

No sheet code is in the text a student sees (the question, its feedback, a quiz's or section's title): the code
of a practice sheet gives its key to anyone with dosecalc. It goes only to the hidden metadata that traces a
question to its sheet: Moodle's ``idnumber``, GIFT's ``[id:...]`` comment, a package's item identifiers. A
graded set is named by its identifier, never by its seed.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from html import escape
from typing import TYPE_CHECKING, NamedTuple

from ...teaching.exercises import answer_text
from ...teaching.lms import Made, Question, plain, sheet_questions, variant_questions
from ...teaching.parts import Piece, pack
from ...wording import DISCLAIMER, words

if TYPE_CHECKING:
    from ...results import Result, Sheet

# Characters XML 1.0 cannot hold or that act on a terminal: C0 and C1 controls (but tab, line feed and carriage
# return), DEL, lone surrogates and the two non-characters U+FFFE and U+FFFF.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# What becomes of a character by its Unicode category: format characters go, line and paragraph separators
# become line feeds (then line breaks, or spaces in GIFT's one line); every other character stays.
_FORMAT = {"Cf": "", "Zl": "\n", "Zp": "\n"}
#: A zip entry's timestamp: the earliest a zip can hold, so a package does not depend on when it was made.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def clean(text: str) -> str:
    """``text`` with every character XML cannot hold, and every control code, replaced by U+FFFD; format
    characters (Unicode category Cf: the bidirectional embeddings, overrides and isolates U+202A-U+202E and
    U+2066-U+2069, zero-width characters, the soft hyphen) removed, and line and paragraph separators
    (U+2028, U+2029) made line feeds. Card files refuse all of these when a card is loaded; text given from
    Python (a card made in code, a title, a student's name) is cleaned here, the one point every writer's
    text goes through, so no text can reorder what a student or a teacher sees around it."""
    text = _UNSAFE.sub("\ufffd", text)
    if text.isascii():  # the usual case, checked in C
        return text
    return "".join(_FORMAT.get(unicodedata.category(ch), ch) for ch in text)


def html_text(text: str) -> str:
    """Card or user text as HTML text: cleaned, ``& < > " '`` escaped, lines kept as line breaks."""
    return escape(clean(text), quote=False).replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br/>")


def xml_text(text: str) -> str:
    """Text for XML element content or an attribute value: cleaned, ``& < > " '`` escaped."""
    return escape(clean(text), quote=True)


def cdata(text: str) -> str:
    """``text`` (already HTML) in a CDATA section; a ``]]>`` inside is split across two sections."""
    return "<![CDATA[" + clean(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def comment(text: str) -> str:
    """An XML comment: cleaned, with no ``--`` inside and no ``-`` at its end."""
    body = re.sub("-(?=-)", "- ", clean(text))
    return f"<!-- {body.rstrip('-')} -->"


class Export(NamedTuple):
    """What one export holds: its title, and its questions in groups (a group per problem position with
    variants, where a quiz draws one question from each group; a question to a group otherwise)."""

    title: str
    groups: list[list[Question]]
    variants: bool


def _made(sheet: Sheet) -> Made:
    return Made(sheet.problems, sheet.code, sheet.convention)


def export(result: Result) -> Export:
    """The questions of a sheet, or of a set of variants."""
    from ...results import Sheet, Variants

    if isinstance(result, Variants):
        title = (
            f"dosecalc exercises, {'graded ' if result.graded else ''}set {result.name}: "
            f"{words.counted(result.count, 'problem')}, {words.counted(len(result), 'variant')} of each"
        )
        return Export(title, variant_questions([_made(sheet) for sheet in result.sheets], result.name), True)
    assert isinstance(result, Sheet)
    title = f"dosecalc exercises, {'graded' if result.graded else 'practice'}: {words.counted(len(result), 'problem')}"
    return Export(title, [[q] for q in sheet_questions(_made(result))], False)


class TextQuiz(NamedTuple):
    """How a text format (Moodle XML, GIFT) lays out a quiz file, each piece text that ends where the next
    begins: the file's opening (given the title), a category's opening before its first question, each
    question, and the file's end."""

    head: Callable[[str], str]
    category: Callable[[str], str]
    question: Callable[[Question], str]
    tail: str


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def quiz_files(result: Result, layout: TextQuiz, limit: int | None = None) -> list[str]:
    """A sheet, or a set of variants, as one quiz file in ``layout``; with ``limit``, as the fewest files of
    at most ``limit`` bytes each (:func:`dosecalc.teaching.parts.pack`), each a whole quiz whose questions
    come after their category, and whose title says which part it is (``part 2 of 8``) when there are two
    or more."""
    made = export(result)
    questions = [q for group in made.groups for q in group]
    texts = [layout.question(q) for q in questions]

    def quiz(title: str, span: range) -> str:
        chunks = [layout.head(title)]
        category = None
        for index in span:
            if questions[index].category != category:
                category = questions[index].category
                chunks.append(layout.category(category))
            chunks.append(texts[index])
        chunks.append(layout.tail)
        return "".join(chunks)

    whole = quiz(made.title, range(len(questions)))
    if limit is None or _size(whole) <= limit:
        return [whole]
    # the title of a part says "part i of n"; n is at most the number of questions, so this is the longest;
    # pack counts every byte of a part against the limit, so no part is measured again
    longest = _size(layout.head(_part_title(made.title, len(questions), len(questions))) + layout.tail)
    pieces = [Piece(q.category, _size(text), q.name) for q, text in zip(questions, texts, strict=True)]
    spans = pack(pieces, fixed=longest, opening=lambda category: _size(layout.category(category)), limit=limit)
    # two or more: the one file is over the limit, and each part counts at least its opening and end
    return [quiz(_part_title(made.title, number, len(spans)), span) for number, span in enumerate(spans, 1)]


def _part_title(title: str, number: int, count: int) -> str:
    return f"{title}; part {number} of {count}"


def right_answers(q: Question) -> list[tuple[str, str]]:
    """The right answers as a platform with symmetric, inclusive tolerances holds them, ``(value, tolerance)``
    in the order of :func:`dosecalc.teaching.marking.accepted`: the key with no tolerance, the interval as
    ``E`` with a twentieth of the step (its upper edge also accepted there), each finer point with none."""
    return [(plain(a.low), "0") if a.point else (plain(q.centre), plain(q.margin)) for a in q.accepted]


def question_html(q: Question, unit_typed: bool = False) -> str:
    """The question as a student sees it: the problem, the unit and rounding asked (and, where the platform
    grades the unit typed after the number, that it must be typed, and the spellings it reads), and the
    disclaimer. No sheet code: a student would get the key from an open one; the code goes to the question's
    hidden metadata."""
    step = plain(q.problem.step)
    typed = ""
    if unit_typed:
        names = [u.shown for u in q.units if u.multiplier == 1]
        also = f" (also read: {', '.join(names[1:])})" if len(names) > 1 else ""
        typed = html_text(
            f" Type the unit after the number (e.g. 10.9 {q.unit}), spelled {q.unit}{also}: any other spelling of "
            "it, capitals changed included, is not read here and scores nothing."
        )
    return (
        f"<p>{html_text(q.problem.question)}</p>"
        f"<p>Give the answer in {html_text(q.unit)}, rounded half up to {html_text(step)} {html_text(q.unit)}."
        f"{typed}</p>"
        f"<p><small>{html_text(DISCLAIMER)}</small></p>"
    )


def steps_html(q: Question, symmetric: bool) -> str:
    """General feedback: the answer, the worked steps, the marking rule (and, for a platform whose tolerance
    is symmetric, where it differs from the rule)."""
    steps = "".join(f"<li>{html_text(line)}</li>" for line in q.problem.steps)
    rule = q.rule() + (" " + q.edge() if symmetric else "")
    return (
        f"<p>Answer: {html_text(answer_text(q.problem))}</p>"
        f"<p>Worked steps:</p><ol>{steps}</ol>"
        f"<p>{html_text(rule)}</p>"
    )


def error_html(error: str, q: Question) -> str:
    """Feedback for a distractor: the error it matches, then the answer."""
    return f"<p>{html_text(error)}</p><p>Expected {html_text(answer_text(q.problem))}.</p>"


def zip_bytes(files: Iterable[tuple[str, str]]) -> bytes:
    """A zip of ``(name, text)`` files, in the order given, each UTF-8, with fixed timestamps and
    permissions, so that the same files give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()


def identifier(text: str) -> str:
    """An XML name (NCName) made from a sheet code and a number: letters, digits, ``-`` and ``_`` only."""
    return "D" + re.sub(r"[^A-Za-z0-9_-]", "_", text)


def item_identifier(q: Question) -> str:
    """A question's identifier in a package: its position, variant and sheet code, unique in an export."""
    return identifier(f"{q.position:03d}-{q.variant or 0:03d}-{q.code}")


def variants_markdown(result: Result) -> str:
    """A set of variants as Markdown: each variant's sheet code."""
    from ...results import Variants

    assert isinstance(result, Variants)
    lines = [
        f"# dosecalc exercises: {'graded ' if result.graded else ''}set {result.name}, "
        f"{words.counted(result.count, 'problem')}, {words.counted(len(result), 'variant')} of each",
        "",
        f"*{DISCLAIMER}*",
        "",
        "Export for a learning platform with `--format moodle`, `gift`, `canvas` or `qti21`: one category",
        "(question group, section) per problem position, from which a quiz draws one variant per student.",
        "",
        "| variant | sheet code |",
        "|---|---|",
    ]
    lines += [f"| {number} | {sheet.code} |" for number, sheet in enumerate(result.sheets, 1)]
    return "\n".join(lines) + "\n"


def variants_json(result: Result) -> str:
    """A set of variants as JSON: each variant's sheet, as ``--format json`` gives a sheet."""
    import json

    return json.dumps(result.to_dicts(), indent=2, ensure_ascii=False) + "\n"
