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


# ---- Moodle's grading of a numerical question, as its code does it ------------------------------------------
# From moodle/moodle, question/type/numerical: questiontype.php (save_units, make_answer_processor,
# qtype_numerical_answer_processor::apply_units), question.php (get_matching_answer, apply_unit_penalty,
# qtype_numerical_answer::get_tolerance_interval) and renderer.php (specific_feedback), in PHP's doubles.

#: PHP's ``precision`` ini setting (14): a float stored as text keeps 14 significant digits, and Moodle's
#: tolerances are widened by 10^-14 (MDL-3225).
PHP_PRECISION = 14
UNIT_INCORRECT = "<p>You did not give the correct unit.</p>"  # lang string unitincorrect, as the renderer adds it


def _php_stored(value: float) -> float:
    """A PHP float saved to the database and read back: as text with ``precision`` significant digits."""
    return float(f"{value:.{PHP_PRECISION}G}")


class MoodleGrade(NamedTuple):
    fraction: float
    feedback: str  # the matching answer's feedback, then Moodle's own line when the unit is not one it knows
    answer: Answer | None
    unit_known: bool


def moodle_units(q: MoodleQuestion) -> dict[str, float]:
    """The units as the question holds them once imported: names trimmed (``getpath`` on import), a unit with
    an empty name or multiplier left out, a name given twice kept once, the first (``save_units``)."""
    units: dict[str, float] = {}
    for name, multiplier in q.units:
        name = name.strip()
        if name and multiplier and name not in units:
            units[name] = _php_stored(float(multiplier))
    return units


def moodle_apply_units(response: str, units: dict[str, float]) -> tuple[float | None, str, float | None]:
    """``qtype_numerical_answer_processor::apply_units`` (units after the number): every space removed, the
    exponent forms made ``e``, commas read as Moodle reads them, the leading number taken and the rest of the
    text matched, exactly, against the unit names; the multiplier is 1 / the unit's."""
    response = response.replace(" ", "")
    response = re.sub(r"(?:e|E|(?:x|\*|×)10(?:\^|\*\*))([+-]?\d+)", r"e\1", response)
    thousands = "." in response or response.count(",") > 1  # then a comma separates thousands, else it is a point
    response = response.replace(",", "" if thousands else ".")
    match = re.match(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?", response)
    if not match:
        return None, "", None
    unit = response[match.end() :]
    multiplier = 1 / units[unit] if unit in units else None
    return float(match[0]), unit, multiplier


def _within(answer: Answer, value: float) -> bool:
    """``qtype_numerical_answer::within_tolerance``, nominal tolerance (type 2), with the answer and the
    tolerance as saved (``apply_unit`` gives a float, stored as text)."""
    epsilon = 10.0**-PHP_PRECISION
    centre, tolerance = _php_stored(float(answer.value)), abs(_php_stored(float(answer.tolerance)))
    tolerance = tolerance + epsilon * max(abs(tolerance), abs(centre), epsilon)
    return centre - tolerance <= value <= centre + tolerance


def moodle_grade(q: MoodleQuestion, response: str) -> MoodleGrade:
    """A response typed in the box (unit after the number, ``showunits`` 0) graded and given feedback as
    Moodle does: for each answer in the file's order, the value scaled by its unit's multiplier, then the
    number alone (the unit then wrong); the unit penalty on a wrong unit; the answer's feedback, and Moodle's
    "You did not give the correct unit" when unit grading is on and the unit is not one of the question's."""
    units = moodle_units(q)
    value, unit, multiplier = moodle_apply_units(response, units)
    known = unit in units
    found: Answer | None = None
    unit_right = False
    if value is not None:
        scaled = value * multiplier if multiplier is not None else value
        for answer in q.answers:
            if _within(answer, scaled):
                found, unit_right = answer, multiplier is not None
                break
            if _within(answer, value):
                found, unit_right = answer, False
                break
    fraction = 0.0
    if found is not None:
        fraction = float(found.fraction) / 100
        if not unit_right:
            if q.unitgradingtype == 1:
                fraction -= float(q.unitpenalty) * fraction
            elif q.unitgradingtype == 2:
                fraction -= float(q.unitpenalty)
            fraction = max(fraction, 0.0)
    feedback = found.feedback if found is not None else ""
    if q.unitgradingtype and not known:
        feedback += UNIT_INCORRECT
    return MoodleGrade(fraction, feedback, found, known)
