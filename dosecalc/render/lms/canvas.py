"""Canvas: a QTI 1.2 content package (a zip with ``imsmanifest.xml`` and one assessment), as Canvas exports
quizzes and reads them back (``lib/cc/qti/qti_items.rb`` writes, ``qti_exporter/lib/qti/numeric_interaction.rb``
reads).

Each problem is a ``numerical_question`` with one answer per value or interval the sheet's rule accepts
(:mod:`dosecalc.teaching.lms`), each written as Canvas writes an exact answer with a margin (the value
``varequal``, or ``vargte value - margin`` and ``varlte value + margin``, in a ``respcondition`` of its own):
the key with margin 0, ``E`` (the exact answer one place beyond the asked one) with a twentieth of the step,
and any finer rounding of the exact answer with margin 0; Canvas's importer takes each margin as the upper
bound less the value. Canvas grades ``value - margin <= answer <= value + margin``, so the interval's upper
edge is accepted too, and the question says so. Canvas numerical answers are all right answers: there is no
wrong answer with feedback, so the distractors of the Moodle export are not written; the worked steps are
the question's general feedback. With variants, each problem position is a question group
from which a quiz picks one (``selection_number`` 1).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from ...teaching.lms import Question, plain
from . import comment, export, item_identifier, question_html, right_answers, steps_html, xml_text, zip_bytes

if TYPE_CHECKING:
    from ...results import Result

_QTI = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
_CP = "http://www.imsglobal.org/xsd/imscp_v1p1"


def _field(label: str, entry: str) -> str:
    return f"<qtimetadatafield><fieldlabel>{label}</fieldlabel><fieldentry>{entry}</fieldentry></qtimetadatafield>"


def _right(value: str, margin: str) -> list[str]:
    """One right answer as Canvas writes an exact answer with a margin: ``varequal``, or both bounds."""
    low, high = (plain(Decimal(value) - Decimal(margin)), plain(Decimal(value) + Decimal(margin)))
    return [
        '          <respcondition continue="No">',
        f'            <conditionvar><or><varequal respident="response1">{value}</varequal><and>'
        f'<vargte respident="response1">{low}</vargte>'
        f'<varlte respident="response1">{high}</varlte></and></or></conditionvar>',
        '            <setvar action="Set" varname="SCORE">100</setvar>',
        "          </respcondition>",
    ]


def _item(q: Question) -> list[str]:
    return [
        "      " + comment(f"sheet {q.idnumber}. {q.rule()} {q.edge()}"),
        f'      <item ident="{item_identifier(q)}" title="{xml_text(q.name)}">',
        "        <itemmetadata><qtimetadata>"
        + _field("question_type", "numerical_question")
        + _field("points_possible", "1")
        + "</qtimetadata></itemmetadata>",
        "        <presentation>",
        f'          <material><mattext texttype="text/html">{xml_text(question_html(q))}</mattext></material>',
        '          <response_str ident="response1" rcardinality="Single">',
        '            <render_fib fibtype="Decimal"><response_label ident="answer1"/></render_fib>',
        "          </response_str>",
        "        </presentation>",
        "        <resprocessing>",
        '          <outcomes><decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal"/></outcomes>',
        '          <respcondition continue="Yes"><conditionvar><other/></conditionvar>'
        '<displayfeedback feedbacktype="Response" linkrefid="general_fb"/></respcondition>',
        *[line for value, margin in right_answers(q) for line in _right(value, margin)],
        "        </resprocessing>",
        '        <itemfeedback ident="general_fb"><flow_mat><material>'
        f'<mattext texttype="text/html">{xml_text(steps_html(q, symmetric=True))}</mattext>'
        "</material></flow_mat></itemfeedback>",
        "      </item>",
    ]


def _assessment(result: Result, ident: str) -> str:
    made = export(result)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<questestinterop xmlns="{_QTI}">',
        f'  <assessment ident="{ident}" title="{xml_text(made.title)}">',
        '    <section ident="root_section">',
    ]
    for number, group in enumerate(made.groups, 1):
        if made.variants:
            lines += [
                f'    <section ident="{ident}_g{number:03d}" title="Problem {number}">',
                "      <selection_ordering><selection><selection_number>1</selection_number>"
                "<selection_extension><points_per_item>1</points_per_item></selection_extension>"
                "</selection></selection_ordering>",
            ]
        for q in group:
            lines += _item(q)
        if made.variants:
            lines.append("    </section>")
    lines += ["    </section>", "  </assessment>", "</questestinterop>"]
    return "\n".join(lines) + "\n"


def manifest(ident: str, href: str) -> str:
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<manifest xmlns="{_CP}" identifier="{ident}_manifest">',
            "  <metadata><schema>IMS Content</schema><schemaversion>1.1.3</schemaversion></metadata>",
            "  <organizations/>",
            "  <resources>",
            f'    <resource identifier="{ident}" type="imsqti_xmlv1p2">',
            f'      <file href="{href}"/>',
            "    </resource>",
            "  </resources>",
            "</manifest>",
            "",
        ]
    )


def package(result: Result) -> bytes:
    """A sheet, or a set of variants, as a Canvas QTI 1.2 package (zip bytes)."""
    ident = "dosecalc_quiz"
    href = f"{ident}/{ident}.xml"
    return zip_bytes([("imsmanifest.xml", manifest(ident, href)), (href, _assessment(result, ident))])
