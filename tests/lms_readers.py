"""Readers of the learning-platform exports, written from the formats' own descriptions and independent of
dosecalc's writers: what a platform's importer would take from a file."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal
from typing import Any, NamedTuple

QTI = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
QTI12 = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
CP = "{http://www.imsglobal.org/xsd/imscp_v1p1}"


class Answer(NamedTuple):
    value: Decimal
    tolerance: Decimal
    fraction: Decimal
    feedback: str

    def holds(self, response: Decimal) -> bool:
        """A symmetric, inclusive tolerance, as Moodle and GIFT grade."""
        return self.value - self.tolerance <= response <= self.value + self.tolerance


class MoodleQuestion(NamedTuple):
    category: str
    name: str
    idnumber: str
    text: str
    general: str
    answers: list[Answer]
    units: list[tuple[str, Decimal]]
    unitgradingtype: int
    unitpenalty: Decimal
    showunits: int


def read_moodle(xml: str) -> list[MoodleQuestion]:
    """Moodle XML as Moodle's importer reads a numerical question: name/text, questiontext/text,
    generalfeedback/text, idnumber, answer@fraction with text, tolerance and feedback/text, units/unit with
    multiplier and unit_name, unitgradingtype, unitpenalty, showunits; category pseudo-questions."""
    root = ET.fromstring(xml)
    assert root.tag == "quiz"
    category = ""
    questions = []
    for q in root.findall("question"):
        if q.get("type") == "category":
            category = q.findtext("category/text") or ""
            continue
        assert q.get("type") == "numerical"
        answers = [
            Answer(
                Decimal(a.findtext("text") or ""),
                Decimal(a.findtext("tolerance") or ""),
                Decimal(a.get("fraction") or ""),
                a.findtext("feedback/text") or "",
            )
            for a in q.findall("answer")
        ]
        units = [
            (u.findtext("unit_name") or "", Decimal(u.findtext("multiplier") or "")) for u in q.findall("units/unit")
        ]
        questions.append(
            MoodleQuestion(
                category,
                q.findtext("name/text") or "",
                q.findtext("idnumber") or "",
                q.findtext("questiontext/text") or "",
                q.findtext("generalfeedback/text") or "",
                answers,
                units,
                int(q.findtext("unitgradingtype") or "-1"),
                Decimal(q.findtext("unitpenalty") or "-1"),
                int(q.findtext("showunits") or "-1"),
            )
        )
    return questions


def grade(answers: list[Answer], response: Decimal) -> Answer | None:
    """Moodle's grading: the first answer, in the file's order, whose interval holds the response."""
    return next((a for a in answers if a.holds(response)), None)


_UNESCAPE = re.compile(r"\\(.)")


def _split(text: str, marks: str) -> list[str]:
    """``text`` split at each unescaped character of ``marks`` (the mark kept at the start of each part)."""
    parts, start, i = [], 0, 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] in marks and i > start:
            parts.append(text[start:i])
            start = i
        i += 1
    parts.append(text[start:])
    return parts


def read_gift(text: str) -> list[dict[str, Any]]:
    """GIFT numerical questions: ``::title::text{#=%F%value:tolerance#feedback ... ####general}``, with the
    category in force and the comment line before each."""
    questions = []
    category = ""
    comment = ""
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("$CATEGORY:"):
            category = line.removeprefix("$CATEGORY:").strip()
            continue
        if line.startswith("//"):
            comment = line
            continue
        match = re.fullmatch(r"::((?:\\.|[^:\\])*)::(\[html\])?((?:\\.|[^{\\])*)\{#(.*)\}", line)
        assert match, line
        body = match[4]
        general = ""
        if "####" in body:
            body, general = body.split("####", 1)
        answers = []
        for part in _split(body.strip(), "="):
            found = re.fullmatch(r"=%([0-9.]+)%([0-9.]+):([0-9.]+)#(.*)", part.strip(), re.DOTALL)
            assert found, part
            answers.append(
                Answer(Decimal(found[2]), Decimal(found[3]), Decimal(found[1]), _UNESCAPE.sub(r"\1", found[4]))
            )
        questions.append(
            {
                "category": category,
                "comment": comment,
                "title": _UNESCAPE.sub(r"\1", match[1]),
                "text": _UNESCAPE.sub(r"\1", match[3]),
                "answers": answers,
                "general": _UNESCAPE.sub(r"\1", general),
            }
        )
    return questions


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def read_canvas(data: bytes) -> list[dict[str, Any]]:
    """A Canvas QTI 1.2 package: per item, its group (section title, and how many the group picks), the
    question type, and each right answer (a ``respcondition`` that stops): the exact value and the bounds, as
    Canvas's importer reads them (margin = upper - exact). Canvas grades ``low <= response <= high``."""
    files = unzip(data)
    manifest = ET.fromstring(files["imsmanifest.xml"])
    href = manifest.find(f"{CP}resources/{CP}resource/{CP}file").get("href")  # type: ignore[union-attr]
    root = ET.fromstring(files[href or ""])
    items = []
    for section in root.iter(f"{QTI12}section"):
        pick = section.findtext(f"{QTI12}selection_ordering/{QTI12}selection/{QTI12}selection_number")
        for item in section.findall(f"{QTI12}item"):
            fields = {
                f.findtext(f"{QTI12}fieldlabel"): f.findtext(f"{QTI12}fieldentry")
                for f in item.iter(f"{QTI12}qtimetadatafield")
            }
            answers = []
            for respcondition in item.iter(f"{QTI12}respcondition"):
                if respcondition.get("continue") != "No":
                    continue
                condition = respcondition.find(f"{QTI12}conditionvar/{QTI12}or")
                assert condition is not None
                exact = Decimal(condition.findtext(f"{QTI12}varequal") or "")
                low = Decimal(condition.findtext(f"{QTI12}and/{QTI12}vargte") or "")
                high = Decimal(condition.findtext(f"{QTI12}and/{QTI12}varlte") or "")
                score = respcondition.findtext(f"{QTI12}setvar")
                answers.append({"exact": exact, "low": low, "high": high, "margin": high - exact, "score": score})
            items.append(
                {
                    "group": section.get("title"),
                    "pick": None if pick is None else int(pick),
                    "type": fields.get("question_type"),
                    "title": item.get("title"),
                    "answers": answers,
                    "text": item.findtext(f"{QTI12}presentation/{QTI12}material/{QTI12}mattext") or "",
                }
            )
    return items


class QtiRule(NamedTuple):
    """One branch of a QTI 2.1 item's response condition: its expression, and the outcomes it sets."""

    condition: ET.Element
    feedback: str
    score: Decimal | None

    def holds(self, response: float) -> bool:
        return evaluate(self.condition, response)


def evaluate(expression: ET.Element, response: float) -> bool:
    """A QTI 2.1 boolean expression over a float response, as a processor evaluates it: every ``baseValue``
    parsed as a double, comparisons on doubles, and a tolerance of ``equal`` added and subtracted in binary
    floating point (the spec's ``[x - t0, x + t1]``, each bound in or out as declared)."""
    tag = expression.tag.removeprefix(QTI)
    if tag == "or":
        return any(evaluate(child, response) for child in expression)
    if tag == "and":
        return all(evaluate(child, response) for child in expression)
    operands = []
    for child in expression:
        if child.tag == f"{QTI}variable":
            assert child.get("identifier") == "RESPONSE"
            operands.append(response)
        else:
            assert child.tag == f"{QTI}baseValue" and child.get("baseType") == "float", child.tag
            operands.append(float(child.text or ""))
    a, b = operands
    if tag == "gte":
        return a >= b
    if tag == "gt":
        return a > b
    if tag == "lte":
        return a <= b
    if tag == "lt":
        return a < b
    if tag == "match":
        return a == b
    assert tag == "equal", tag
    mode = expression.get("toleranceMode", "exact")
    if mode == "exact":
        return a == b
    assert mode == "absolute", mode
    tolerance = (expression.get("tolerance") or "").split()
    t0, t1 = float(tolerance[0]), float(tolerance[-1])
    low, high = a - t0, a + t1  # x is the first operand
    above = b >= low if expression.get("includeLowerBound", "true") == "true" else b > low
    below = b <= high if expression.get("includeUpperBound", "true") == "true" else b < high
    return above and below


def read_qti_item(xml: bytes) -> tuple[list[QtiRule], dict[str, str]]:
    """A QTI 2.1 item's response conditions, in order, and its modal feedback texts by identifier."""
    root = ET.fromstring(xml)
    rules = []
    condition = root.find(f"{QTI}responseProcessing/{QTI}responseCondition")
    assert condition is not None
    for branch in condition:
        if branch.tag == f"{QTI}responseElse":
            continue
        expression = branch[0]
        sets = {s.get("identifier"): s.findtext(f"{QTI}baseValue") for s in branch.findall(f"{QTI}setOutcomeValue")}
        score = sets.get("SCORE")
        rules.append(QtiRule(expression, sets.get("FEEDBACK") or "", None if score is None else Decimal(score)))
    feedback = {
        f.get("identifier") or "": ET.tostring(f, encoding="unicode", method="text")
        for f in root.findall(f"{QTI}modalFeedback")
    }
    return rules, feedback


def qti_grade(rules: list[QtiRule], response: str | Decimal) -> QtiRule | None:
    """The first condition that holds for the response as a processor reads the typed text (a double):
    responseIf, then each responseElseIf, in order."""
    value = float(str(response))
    return next((rule for rule in rules if rule.holds(value)), None)


def qti_bounds(rule: QtiRule) -> list[tuple[Decimal, Decimal, str]]:
    """The literal bounds a condition compares the response with: ``(low, high, upper)`` per alternative, the
    upper comparison "lt" or "lte" ("exact" for a single value)."""
    alternatives = list(rule.condition) if rule.condition.tag == f"{QTI}or" else [rule.condition]
    found = []
    for alternative in alternatives:
        tag = alternative.tag.removeprefix(QTI)
        if tag == "equal":
            assert alternative.get("toleranceMode") == "exact"
            value = Decimal(alternative.findtext(f"{QTI}baseValue") or "")
            found.append((value, value, "exact"))
            continue
        assert tag == "and", tag
        low, high = alternative
        assert low.tag == f"{QTI}gte"
        found.append(
            (
                Decimal(low.findtext(f"{QTI}baseValue") or ""),
                Decimal(high.findtext(f"{QTI}baseValue") or ""),
                high.tag.removeprefix(QTI),
            )
        )
    return found
