"""QTI 2.1: a content package (a zip with ``imsmanifest.xml``, an ``assessmentTest`` and one ``assessmentItem``
per question), each file valid against the 1EdTech schemas (QTI 2.1 and IMS Content Packaging 1.1).

An item reads a float (``textEntryInteraction``; the unit is written after the box) and grades it by the
sheet's rule exactly, with every bound a literal in the file, so the processor does no arithmetic on it (an
``equal`` with a tolerance adds the tolerance in binary floating point, and about one exact edge in
thirteen came out on the wrong side): right when the response is the key (``equal`` in exact mode), or lies
in ``[E - step/20, E + step/20)`` (``gte`` and ``lt`` on the interval's two bounds), or is a finer rounding
of the exact answer outside it (:mod:`dosecalc.teaching.lms`). A response typed as one of those literals is
read as the same double as the bound, so it is on the side the rule puts it. Then each distractor, as
``check`` matches it (both ends included: ``gte`` and ``lte``), sets a feedback naming its error; anything
else gets the worked steps. With variants, the test has a
section per problem position that selects one of its items.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from ...teaching.lms import Question, plain
from . import error_html, export, html_text, item_identifier, question_html, steps_html, xml_text, zip_bytes

if TYPE_CHECKING:
    from ...results import Result

NAMESPACE = "http://www.imsglobal.org/xsd/imsqti_v2p1"
CP_NAMESPACE = "http://www.imsglobal.org/xsd/imscp_v1p1"


def _set(outcome: str, base_type: str, value: str) -> str:
    value_xml = f'<baseValue baseType="{base_type}">{value}</baseValue>'
    return f'<setOutcomeValue identifier="{outcome}">{value_xml}</setOutcomeValue>'


_RESPONSE = '<variable identifier="RESPONSE"/>'


def _float(value: Decimal) -> str:
    return f'<baseValue baseType="float">{plain(value)}</baseValue>'


def _compare(operator: str, bound: Decimal) -> str:
    """The response compared with a bound written in the file: ``gte``, ``gt``, ``lt`` or ``lte``."""
    return f"<{operator}>{_RESPONSE}{_float(bound)}</{operator}>"


def _between(low: Decimal, high: Decimal, upper: str) -> str:
    """``low <= response`` and ``response < high`` (``upper`` "lt") or ``<= high`` ("lte"); a single value when
    the bounds are one, compared by ``equal`` in exact mode (QTI's ``match`` is not for floats)."""
    if low == high:
        return f'<equal toleranceMode="exact">{_RESPONSE}{_float(low)}</equal>'
    return f"<and>{_compare('gte', low)}{_compare(upper, high)}</and>"


def _right(q: Question) -> str:
    """The rule's right answers: the key, ``[E - step/20, E + step/20)``, any finer point."""
    return "<or>" + "".join(_between(a.low, a.high, "lt") for a in q.accepted) + "</or>"


def _feedback(ident: str, title: str, html: str) -> str:
    return (
        f'  <modalFeedback outcomeIdentifier="FEEDBACK" identifier="{ident}" showHide="show" title="{title}">'
        f"<div>{html}</div></modalFeedback>"
    )


def item_xml(q: Question, ident: str) -> str:
    """One question as a QTI 2.1 ``assessmentItem``."""
    steps = steps_html(q, symmetric=False)
    branches = [
        "      <responseIf>"
        + _right(q)
        + _set("SCORE", "float", "1")
        + _set("FEEDBACK", "identifier", "RIGHT")
        + "</responseIf>"
    ]
    feedback = [_feedback("RIGHT", "Right", "<p>Right.</p>" + steps)]
    for number, d in enumerate(q.distractors, 1):
        branches.append(
            "      <responseElseIf>"
            + _between(d.lower, d.upper, "lte")
            + _set("FEEDBACK", "identifier", f"E{number}")
            + "</responseElseIf>"
        )
        feedback.append(_feedback(f"E{number}", "Not right", error_html(d.error, q) + steps))
    branches.append("      <responseElse>" + _set("FEEDBACK", "identifier", "WRONG") + "</responseElse>")
    feedback.append(_feedback("WRONG", "Not right", steps))
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<assessmentItem xmlns="{NAMESPACE}" identifier="{ident}" title="{xml_text(q.name)}" adaptive="false" '
        'timeDependent="false">',
        '  <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="float">',
        f"    <correctResponse><value>{plain(q.key)}</value></correctResponse>",
        "  </responseDeclaration>",
        '  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float">'
        "<defaultValue><value>0</value></defaultValue></outcomeDeclaration>",
        '  <outcomeDeclaration identifier="FEEDBACK" cardinality="single" baseType="identifier"/>',
        "  <itemBody>",
        f"    <div>{question_html(q)}</div>",
        '    <p>Answer: <textEntryInteraction responseIdentifier="RESPONSE" expectedLength="12"/> '
        f"{html_text(q.unit)}</p>",
        "  </itemBody>",
        "  <responseProcessing>",
        "    <responseCondition>",
        *branches,
        "    </responseCondition>",
        "  </responseProcessing>",
        *feedback,
        "</assessmentItem>",
    ]
    return "\n".join(lines) + "\n"


def _test_xml(title: str, sections: list[tuple[str, str, list[tuple[str, str]]]], select: bool) -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<assessmentTest xmlns="{NAMESPACE}" identifier="dosecalc_test" title="{xml_text(title)}">',
        '  <testPart identifier="part1" navigationMode="nonlinear" submissionMode="individual">',
    ]
    for ident, section_title, refs in sections:
        lines.append(f'    <assessmentSection identifier="{ident}" title="{xml_text(section_title)}" visible="true">')
        if select:
            lines.append('      <selection select="1"/>')
        lines += [f'      <assessmentItemRef identifier="{ref}" href="{href}"/>' for ref, href in refs]
        lines.append("    </assessmentSection>")
    lines += ["  </testPart>", "</assessmentTest>", ""]
    return "\n".join(lines)


def manifest_xml(items: list[tuple[str, str]]) -> str:
    """The package's manifest: the test, depending on every item, and each item with its file."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<manifest xmlns="{CP_NAMESPACE}" identifier="dosecalc_package">',
        "  <metadata><schema>QTIv2.1 Package</schema><schemaversion>1.0.0</schemaversion></metadata>",
        "  <organizations/>",
        "  <resources>",
        '    <resource identifier="dosecalc_test" type="imsqti_test_xmlv2p1" href="test.xml">',
        '      <file href="test.xml"/>',
        *[f'      <dependency identifierref="{ident}"/>' for ident, _ in items],
        "    </resource>",
    ]
    for ident, href in items:
        lines += [
            f'    <resource identifier="{ident}" type="imsqti_item_xmlv2p1" href="{href}">',
            f'      <file href="{href}"/>',
            "    </resource>",
        ]
    lines += ["  </resources>", "</manifest>", ""]
    return "\n".join(lines)


def files(result: Result) -> list[tuple[str, str]]:
    """The package's files, ``(name, text)``, in the order they are zipped: the manifest, the test, the items."""
    made = export(result)
    items: list[tuple[str, str]] = []
    texts: list[tuple[str, str]] = []
    sections = []
    for number, group in enumerate(made.groups, 1):
        refs = []
        for q in group:
            ident = item_identifier(q)
            href = f"items/{ident}.xml"
            items.append((ident, href))
            refs.append((ident, href))
            texts.append((href, item_xml(q, ident)))
        title = f"Problem {number}" if made.variants else group[0].name
        sections.append((f"S{number:03d}", title, refs))
    if not made.variants:  # a sheet: one section, its problems in order
        sections = [("S001", made.title, [ref for _, _, refs in sections for ref in refs])]
    test = _test_xml(made.title, sections, made.variants)
    return [("imsmanifest.xml", manifest_xml(items)), ("test.xml", test), *texts]


def package(result: Result) -> bytes:
    """A sheet, or a set of variants, as a QTI 2.1 content package (zip bytes)."""
    return zip_bytes(files(result))
