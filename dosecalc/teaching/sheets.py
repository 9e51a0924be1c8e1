"""Sheets: a school's conventions (profiles) and the sheet code that determines a sheet completely.

A **convention** is how a school asks for and marks answers: the pound (exact, or 2.2 lb per kg), where
each kind of answer is rounded (pump rates to 0.1 or whole mL/h...), whether a weight is rounded before it
is used, whether a right value in another unit of the same kind scores, the credit ``--partial`` gives, and
the method the worked steps follow. Built-in profiles are named in :data:`PROFILES`; a school writes its own
as a small TOML file (see ``regimens/conventions-example.toml`` in the README).

A **sheet code** (``7KQ2-M9XA-4HPT-3WZB-1C``) packs the format version, seed, count, level, the whole
convention and a fingerprint of the cards into Crockford base32 with a check: a code with a typo, from
another version of the format, or from other cards is refused, each with its own message.

Two layouts are read. Format 5 is an open sheet on its own (the seed deals its kinds and draws its numbers).
Format 6 is everything else: a sheet of a set (a variant, or a student's sheet, whose kinds are dealt by the
set's seed so that problem N is the same kind on every sheet of the set), and a **graded** sheet, made with a
teacher's key (:mod:`.keys`): its code holds, in place of the seed, 40 bits of an HMAC of the seed under the
teacher's secret and 16 bits of the key's fingerprint, and its problems are drawn from seeds derived from the
secret, so the code reveals neither the seed nor the key and marks nothing without the key. Format 7 is
format 6's layout for a school that writes a decimal comma.

Formats 2, 3 and 4 were the same three, made by an older dosecalc: their problems were worded and drawn
otherwise (a phased regimen without articles, gravity drips of 1 or 2 gtt/min), so their codes are refused,
with a message saying so, rather than regenerate other problems than the sheet shows.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import DoseCalcError, quote
from ..wording import MARKING_RULE

if TYPE_CHECKING:
    from ..regimens import Card, Catalogue

#: Units an answer may be asked in, in the order their rounding is packed into a sheet code.
ANSWER_UNITS = ("mg", "mg/h", "mg/min", "mL/h", "mL", "gtt/min", "mcg/kg/min", "mg/mL", "h", "kg")
#: Rounding steps a convention may name, in the order they are packed (2 bits each).
STEPS = (Decimal("0.001"), Decimal("0.01"), Decimal("0.1"), Decimal("1"))
_DEFAULT_ROUNDING = {
    "mg": "0.1",
    "mg/h": "0.1",
    "mg/min": "0.01",
    "mL/h": "0.1",
    "mL": "0.1",
    "gtt/min": "1",
    "mcg/kg/min": "0.01",
    "mg/mL": "0.01",
    "h": "0.1",
    "kg": "0.1",
}
_DEFAULT_STEPS = tuple((unit, Decimal(step)) for unit, step in _DEFAULT_ROUNDING.items())
POUNDS = ("exact", "2.2")
UNIT_RULES = ("strict", "convert")
METHODS = ("dimensional", "formula", "ratio")
#: The decimal mark a school writes: "point" (0.37) or "comma" (0,37).
DECIMALS = ("point", "comma")
_METHOD_WORDS = {
    "dimensional": "dimensional analysis (factor labelling)",
    "formula": "the formula method (D/H x Q)",
    "ratio": "ratio and proportion",
}

#: Version of the sheet-code format and of the problems it regenerates; a code of another is refused.
FORMAT_VERSION = 6
#: The formats this dosecalc reads: 5, an open sheet on its own; 6, a sheet of a set or a graded sheet; 7, any
#: sheet of a school that writes a decimal comma (format 6's layout, an open sheet on its own allowed too).
#: Each is the format before it (2, 3, 4) with the problems as this dosecalc makes them: a change to what a
#: code's problems are (their kinds, their wording, the answers they may have) takes new numbers for all three.
READ_VERSIONS = (5, 6, 7)
_OPEN_SHEET_VERSION = 5
_COMMA_VERSION = 7
#: The formats an older dosecalc wrote, whose problems this one no longer makes: refused as such.
RETIRED_VERSIONS = (2, 3, 4)
#: Largest number of problems on a sheet.
MAX_PROBLEMS = 500
#: Most variants of each problem one export holds.
MAX_VARIANTS = 100
#: Most questions (problems x variants) in one export: a few megabytes of Moodle XML.
MAX_QUESTIONS = 2000
#: The problem kinds (id, level and maker of each, in order) that the formats above regenerate, as a digest:
#: a sheet code names no kinds, so a change to them must come with a new format version, or old codes would
#: silently regenerate other problems. :func:`check_kinds` holds the two together.
KINDS_DIGEST = "3408080ca30ebe55"


def kinds_digest(kinds: Iterable[tuple[str, int, str]]) -> str:
    """The digest of a list of problem kinds, each ``(id, level, maker's name)``."""
    text = "\n".join(f"{kind} {level} {maker}" for kind, level, maker in kinds)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def check_kinds(kinds: Iterable[tuple[str, int, str]]) -> None:
    """Fail loudly, at import, when the problem kinds are not those the sheet format was made for."""
    found = kinds_digest(kinds)
    if found != KINDS_DIGEST:
        raise RuntimeError(
            f"the problem kinds changed (digest {found}, sheet format {FORMAT_VERSION} was made for "
            f"{KINDS_DIGEST}): give the sheet format a new version in teaching/sheets.py (FORMAT_VERSION, and the "
            "open sheet's), so that old codes are refused rather than regenerate other problems; then record the "
            "new digest in KINDS_DIGEST"
        )


def places_of(step: Decimal) -> int:
    """Decimal places of a rounding step: 2 for 0.01, 0 for 1 (and for 10)."""
    return max(0, -int(step.normalize().as_tuple().exponent))


def _step_text(step: Decimal) -> str:
    return format(step.normalize(), "f")


class Convention(NamedTuple):
    """A school's rules for asking and marking, stated at the top of every sheet and packed into its code."""

    pound: str = "exact"
    rounding: tuple[tuple[str, Decimal], ...] = _DEFAULT_STEPS
    round_weight: bool = False
    units: str = "strict"
    method: str = "dimensional"
    partial_unit: int = 50  # percent credit, with --partial, for a right value in another unit of the same kind
    partial_rounding: int = 50  # percent credit, with --partial, for a right value rounded to the wrong place
    decimal: str = "point"  # the decimal mark answers are written with: "point" (0.37) or "comma" (0,37)

    def step(self, unit: str) -> Decimal:
        """The rounding step for answers in ``unit``: ``Decimal("0.1")`` for mL/h by default."""
        return dict(self.rounding)[unit]

    def places(self, unit: str) -> int:
        """Decimal places of the rounding step for ``unit`` (0 for whole numbers)."""
        return places_of(self.step(unit))

    @property
    def pound_factor(self) -> Decimal | None:
        """``2.2`` (lb per kg) under the 2.2 convention; ``None`` for the exact pound."""
        return None if self.pound == "exact" else Decimal(self.pound)

    def replace(self, **changes: Any) -> Convention:
        return self._replace(**changes)

    @property
    def identity(self) -> tuple[Any, ...]:
        """The rules as a tuple, the decimal mark left out for the decimal point: what a graded sheet's
        identifier is made from, as it was before schools could choose the decimal comma."""
        return tuple(self) if self.decimal != "point" else tuple(self)[:-1]

    @property
    def name(self) -> str | None:
        """The built-in profile these rules are, if any."""
        return next((name for name, profile in PROFILES.items() if profile == self), None)

    def lines(self, units: Iterable[str] | None = None) -> list[str]:
        """The rules in words, as every sheet states them; the rounding of ``units`` only, when given (the
        units a sheet asks in)."""
        pound = "1 lb = 0.45359237 kg (exact)" if self.pound == "exact" else "2.2 lb = 1 kg (course convention)"
        steps = dict(self.rounding)
        wanted = set(ANSWER_UNITS if units is None else units)
        rounding = ", ".join(f"{unit} to {_step_text(steps[unit])}" for unit in ANSWER_UNITS if unit in wanted)
        weight = (
            "A weight converted from pounds is rounded to 0.1 kg before it is used."
            if self.round_weight
            else "Weights are not rounded before they are used; round only the final answer."
        )
        units = (
            "Give the answer in the unit asked; a right value in another unit of the same kind is marked wrong."
            if self.units == "strict"
            else "A right value in another unit of the same kind (0.4 mg/min for 24 mg/h) is converted and scores."
        )
        return [
            f"Pounds to kilograms: {pound}.",
            f"Round the final answer half up: {rounding}.",
            weight,
            f"{MARKING_RULE} A unit written after the number is read in any spelling (mg/hr, mg per hour).",
            units,
            f"Worked steps by {_METHOD_WORDS[self.method]}.",
            *([DECIMAL_COMMA_RULE] if self.decimal == "comma" else []),
        ]

    def partial_lines(self) -> list[str]:
        return [
            f"Partial credit (when marking with partial credit): {self.partial_unit}% for a right value in another "
            f"unit of the same kind, {self.partial_rounding}% for a right value rounded to the wrong place."
        ]


#: How a decimal-comma sheet reads answers, as it states it.
DECIMAL_COMMA_RULE = (
    "Decimal comma: write 0,37 or 327,0 mg (1,234 is one point two three four), with no thousands separator; "
    "a decimal point is read too (0.37), except before exactly three digits (1.234, 12.500: a thousands "
    "point?), which is refused as ambiguous."
)


def _profile(**changes: Any) -> Convention:
    return Convention()._replace(**changes)


def _with_step(unit: str, step: str) -> tuple[tuple[str, Decimal], ...]:
    return tuple((name, Decimal(step) if name == unit else value) for name, value in Convention().rounding)


#: The built-in profiles, by name.
PROFILES: dict[str, Convention] = {
    "standard": Convention(),
    "pound-2.2": _profile(pound="2.2"),
    "whole-ml-h": _profile(rounding=_with_step("mL/h", "1")),
    "pound-2.2-whole-ml-h": _profile(pound="2.2", rounding=_with_step("mL/h", "1")),
    "units-converted": _profile(units="convert"),
}


# ---- conventions from TOML ---------------------------------------------------------------------------------

_KEYS = ("pound", "rounding", "round_weight", "units", "method", "decimal", "partial", "name")


def convention_from_mapping(data: Mapping[str, Any], where: str) -> Convention:
    """A convention from a profile file's TOML data; every problem is reported with its key."""
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise DoseCalcError(f"{where}: unknown key {quote(unknown[0])}; expected one of {', '.join(_KEYS)}")
    base = Convention()
    changes: dict[str, Any] = {}

    def choice(key: str, options: tuple[str, ...]) -> None:
        if key in data:
            value = data[key]
            if not isinstance(value, str) or value not in options:
                raise DoseCalcError(f"{where}: {key} must be one of {', '.join(options)}; got {value!r:.40}")
            changes[key] = value

    choice("pound", POUNDS)
    choice("units", UNIT_RULES)
    choice("method", METHODS)
    choice("decimal", DECIMALS)
    if "round_weight" in data:
        if not isinstance(data["round_weight"], bool):
            raise DoseCalcError(f"{where}: round_weight must be true or false")
        changes["round_weight"] = data["round_weight"]
    if "name" in data and not isinstance(data["name"], str):
        raise DoseCalcError(f"{where}: name must be text")
    rounding = data.get("rounding", {})
    if not isinstance(rounding, Mapping):
        raise DoseCalcError(f'{where}: rounding must be a table of unit = step, e.g. "mL/h" = "1"')
    steps = dict(base.rounding)
    for unit, step in rounding.items():
        if unit not in steps:
            raise DoseCalcError(
                f"{where}: rounding: unknown unit {quote(str(unit))}; expected {', '.join(ANSWER_UNITS)}"
            )
        text = str(step) if isinstance(step, (str, int)) and not isinstance(step, bool) else None
        if text is None or text not in {_step_text(s) for s in STEPS}:
            raise DoseCalcError(
                f"{where}: rounding.{unit} must be one of {', '.join(repr(_step_text(s)) for s in STEPS)}; "
                f"got {step!r:.40}"
            )
        steps[unit] = Decimal(text)
    changes["rounding"] = tuple((unit, steps[unit]) for unit in ANSWER_UNITS)
    partial = data.get("partial", {})
    if not isinstance(partial, Mapping) or set(partial) - {"unit", "rounding"}:
        raise DoseCalcError(f"{where}: partial must be a table with unit and rounding, in percent")
    for key, value in partial.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100 or value % 5:
            raise DoseCalcError(f"{where}: partial.{key} must be a whole percent from 0 to 100 in steps of 5")
        changes[f"partial_{key}"] = value
    return base._replace(**changes)


# ---- sheet codes -------------------------------------------------------------------------------------------

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32: no I, L, O, U
CROCKFORD_READ = {ch: value for value, ch in enumerate(CROCKFORD)} | {"I": 1, "L": 1, "O": 0}
_CHECK_BITS = 15
_SEED_WIDTHS = (10, 20, 32, 63)


class SheetSpec(NamedTuple):
    """Everything a sheet is made from, besides the cards (of which the code keeps a fingerprint) and, for a
    graded sheet, the teacher's key."""

    seed: int  # an open sheet's seed, or its set's (which deals the kinds); 0 for a graded sheet
    size: int  # the number of problems
    level: int | None
    convention: Convention
    fingerprint: int  # 16 bits of the cards' hash
    variants: int = 0  # a variant of a set of this many (1 to 100); 0 otherwise
    variant: int = 0  # which variant (from 1)
    student: int | None = None  # a student's sheet of a class: 32 bits derived from the student's name
    ident: int | None = None  # a graded sheet: 40 bits of an HMAC under the teacher's secret, in place of the seed
    key_print: int = 0  # a graded sheet: 16 bits of the teacher key's fingerprint

    @property
    def graded(self) -> bool:
        """Made with a teacher's key: its key is given only with that key."""
        return self.ident is not None

    @property
    def in_set(self) -> bool:
        """A variant or a student's sheet: its kinds are dealt by its set."""
        return self.variants > 0 or self.student is not None

    @property
    def group(self) -> int:
        """0: a sheet on its own; 1: a variant; 2: a student's sheet."""
        return 1 if self.variants else 2 if self.student is not None else 0

    @property
    def whole_set(self) -> SheetSpec:
        """The spec every variant of this one's set shares (the variant left out): what a set is made from."""
        return self._replace(variant=0)


def ident_text(ident: int) -> str:
    """A graded set's 40-bit identifier as eight Crockford base32 characters: names it in an export, reveals
    nothing."""
    return "".join(CROCKFORD[(ident >> shift) & 31] for shift in range(35, -1, -5))


class _Bits:
    def __init__(self, value: int = 0, length: int = 0) -> None:
        self.value, self.length = value, length

    def put(self, number: int, width: int) -> None:
        if not 0 <= number < 1 << width:
            raise ValueError(f"{number} does not fit in {width} bits")
        self.value, self.length = (self.value << width) | number, self.length + width

    def take(self, width: int) -> int:
        if width > self.length:
            raise ValueError("too few bits")
        self.length -= width
        number = self.value >> self.length
        self.value &= (1 << self.length) - 1
        return number


def _checksum(value: int, length: int) -> int:
    digest = hashlib.blake2b(f"{length}:{value}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") & ((1 << _CHECK_BITS) - 1)


def encode(spec: SheetSpec) -> str:
    """The sheet code of ``spec``: groups of four Crockford base32 characters. An open sheet on its own is
    written in format 5; a sheet of a set or a graded sheet in format 6; any sheet under the decimal comma in
    format 7 (format 6's layout, the version standing for the decimal comma)."""
    bits = _Bits()
    comma = spec.convention.decimal == "comma"
    if not spec.graded and not spec.in_set and not comma:
        bits.put(_OPEN_SHEET_VERSION, 4)
        bits.put(spec.level or 0, 2)
        bits.put(spec.size - 1, 9)
        _put_seed(bits, spec.seed)
    else:
        bits.put(_COMMA_VERSION if comma else FORMAT_VERSION, 4)
        bits.put(int(spec.graded), 1)
        bits.put(spec.group, 2)
        bits.put(spec.level or 0, 2)
        bits.put(spec.size - 1, 9)
        if spec.ident is not None:
            bits.put(spec.ident, 40)
            bits.put(spec.key_print, 16)
        else:
            _put_seed(bits, spec.seed)
        if spec.variants:
            bits.put(spec.variants - 1, 7)
            bits.put(spec.variant - 1, 7)
        elif spec.student is not None:
            bits.put(spec.student, 32)
    convention = spec.convention
    bits.put(POUNDS.index(convention.pound), 1)
    bits.put(int(convention.round_weight), 1)
    bits.put(UNIT_RULES.index(convention.units), 1)
    bits.put(METHODS.index(convention.method), 2)
    steps = dict(convention.rounding)
    for unit in ANSWER_UNITS:
        bits.put(STEPS.index(steps[unit]), 2)
    bits.put(convention.partial_unit // 5, 5)
    bits.put(convention.partial_rounding // 5, 5)
    bits.put(spec.fingerprint, 16)
    bits.put(_checksum(bits.value, bits.length), _CHECK_BITS)
    padding = -bits.length % 5
    bits.put(0, padding)
    characters = "".join(CROCKFORD[(bits.value >> shift) & 31] for shift in range(bits.length - 5, -1, -5))
    return "-".join(characters[i : i + 4] for i in range(0, len(characters), 4))


def _put_seed(bits: _Bits, seed: int) -> None:
    width = next(index for index, w in enumerate(_SEED_WIDTHS) if seed < 1 << w)
    bits.put(width, 2)
    bits.put(seed, _SEED_WIDTHS[width])


def decode(code: str, fingerprint: int, *, field: str = "sheet", key_print: int | None = None) -> SheetSpec:
    """The sheet a code stands for, checked against the cards at hand (``fingerprint``) and, for a graded
    sheet, against the fingerprint of the teacher's key at hand (``key_print``; ``None``: no key).

    Raises :class:`DoseCalcError` saying which: not a code (a typo: a wrong, missing or extra character), a
    code of another format version, a code made from other cards, a graded sheet without the teacher's key,
    or a graded sheet made with another key.
    """
    if not isinstance(code, str):
        raise DoseCalcError(
            f"expected a sheet code such as 7KQ2-M9XA-4HPT-3WZB-1C, got {type(code).__name__}", field=field
        )
    text = re.sub(r"[\s\-]", "", code).upper()
    typo = (
        f"{quote(code)} is not a sheet code: a character is wrong, missing or extra; "
        "copy it again from the top of the sheet"
    )
    if not text or len(text) > 40 or any(ch not in CROCKFORD_READ for ch in text):
        raise DoseCalcError(typo, field=field)
    value = 0
    for ch in text:
        value = (value << 5) | CROCKFORD_READ[ch]
    total = 5 * len(text)
    candidates = _checked_payloads(value, total)
    spec = None
    for payload, length in candidates:
        if payload >> (length - 4) in READ_VERSIONS:
            try:
                spec = _unpack(payload, length)
                break
            except ValueError:
                continue
    if spec is None:
        versions = [payload >> (length - 4) for payload, length in candidates]
        other = next((version for version in versions if version not in READ_VERSIONS), None)
        if other is None or len(versions) > 1:
            raise DoseCalcError(typo, field=field)
        if other in RETIRED_VERSIONS:
            raise DoseCalcError(
                f"{quote(code)} was made by an older dosecalc (sheet format {other}), whose problems were worded "
                "and drawn otherwise: mark it with the dosecalc version that made the sheet, or make the sheet again",
                field=field,
            )
        raise DoseCalcError(
            f"{quote(code)} was made by sheet format {other}; this dosecalc reads formats "
            f"{', '.join(map(str, READ_VERSIONS[:-1]))} and {READ_VERSIONS[-1]}: "
            "mark it with the dosecalc version that made the sheet",
            field=field,
        )
    if spec.fingerprint != fingerprint:
        raise DoseCalcError(
            f"{quote(code)} was made from other regimen cards than these; give the cards the sheet was made from "
            "(the same regimens folder, and built-in cards or not)",
            field=field,
        )
    if spec.graded and key_print is None:
        raise DoseCalcError(
            f"sheet {quote(code)} is a graded sheet: marking it needs the teacher key (--teacher-key FILE)", field=field
        )
    if spec.graded and spec.key_print != key_print:
        raise DoseCalcError(
            f"sheet {quote(code)} was made with another teacher key (fingerprint {spec.key_print:04X}; this key's is "
            f"{key_print:04X}): give the key file the sheet was made with",
            field=field,
        )
    return spec


def _checked_payloads(value: int, total: int) -> list[tuple[int, int]]:
    """The bits before the check and their number, for each padding (0 to 4 zero bits) under which the check
    holds: usually one, but a wrong padding's check holds by chance about once in 2**15, so the caller tries
    each. Independent of the format version, so that a code of another version is told apart from a typo."""
    found = []
    for padding in range(5):
        length = total - padding - _CHECK_BITS
        if length < 4 or value & ((1 << padding) - 1):
            continue
        payload = value >> (total - length)
        check = (value >> padding) & ((1 << _CHECK_BITS) - 1)
        if check == _checksum(payload, length):
            found.append((payload, length))
    return found


def _unpack(payload: int, length: int) -> SheetSpec:
    """The spec packed in a checked payload of this format; :class:`ValueError` when it holds no valid spec."""
    bits = _Bits(payload, length)
    version = bits.take(4)  # checked by the caller
    layered = version in (FORMAT_VERSION, _COMMA_VERSION)  # format 6's layout
    graded, group = (bits.take(1), bits.take(2)) if layered else (0, 0)
    level = bits.take(2)
    count = bits.take(9) + 1
    seed, ident, key_print = 0, None, 0
    if graded:
        ident, key_print = bits.take(40), bits.take(16)
    else:
        seed = bits.take(_SEED_WIDTHS[bits.take(2)])
    variants = variant = 0
    student = None
    if group == 1:
        variants, variant = bits.take(7) + 1, bits.take(7) + 1
    elif group == 2:
        student = bits.take(32)
    alone = version == FORMAT_VERSION and not graded and not group  # an open sheet on its own: format 5 or 7
    if layered and (group == 3 or alone or variant > variants):
        raise ValueError("not a valid sheet")
    pound = POUNDS[bits.take(1)]
    round_weight = bool(bits.take(1))
    units = UNIT_RULES[bits.take(1)]
    method_index = bits.take(2)
    rounding = tuple((unit, STEPS[bits.take(2)]) for unit in ANSWER_UNITS)
    partial_unit, partial_rounding = bits.take(5) * 5, bits.take(5) * 5
    fingerprint = bits.take(16)
    if bits.length or method_index >= len(METHODS) or count > MAX_PROBLEMS or max(partial_unit, partial_rounding) > 100:
        raise ValueError("not a valid sheet")
    if variants > MAX_VARIANTS or variants * count > MAX_QUESTIONS:  # no code stands for more than dosecalc makes
        raise ValueError("not a valid sheet")
    decimal = "comma" if version == _COMMA_VERSION else "point"
    convention = Convention(
        pound, rounding, round_weight, units, METHODS[method_index], partial_unit, partial_rounding, decimal
    )
    return SheetSpec(seed, count, level or None, convention, fingerprint, variants, variant, student, ident, key_print)


#: The built-in cards a sheet's problems are drawn from: the seven built in when this sheet format was set. A card
#: built in later is left out of sheets, so that a code made before it came keeps its fingerprint and stands for
#: the same problems. A teacher's own cards (``--regimens-dir``) are always used.
SHEET_BUILTINS = (
    "rate-22-mg-h",
    "rate-0.35-mg-kg-h",
    "total-80-mg-5-h",
    "initial-80-mg-2-h",
    "rate-22-mg-h-4-days",
    "total-0.5-mg-kg-40-min",
    "bolus-0.5-mg-kg-then-10-mcg-kg-min",
)


def sheet_cards(catalogue: Catalogue, *, builtin: bool = True) -> list[Card]:
    """The cards sheets are made from and marked against, in the catalogue's order: a teacher's own, and of the
    built-in cards (``builtin``: the catalogue holds them) those of :data:`SHEET_BUILTINS`, since a card built in
    later would change the fingerprint, and so the problems, of every sheet made before it."""
    from ..regimens import builtin_dir

    home = builtin_dir()
    kept = [
        card_id
        for card_id in catalogue.cards
        if card_id in SHEET_BUILTINS or not (builtin and catalogue.origins[card_id].parent == home)
    ]
    return [catalogue.cards[card_id] for card_id in kept]


def fingerprint(cards: Iterable[Card]) -> int:
    """16 bits of a hash of what the problems are made from: each card's figures, not its wording."""
    wording = {"title", "indication", "sources", "notes", "primary_trial_drug"}
    parts = sorted(repr(_canonical(card.model_dump(exclude=wording))) for card in cards)
    digest = hashlib.blake2b("\n".join(parts).encode(), digest_size=2).digest()
    return int.from_bytes(digest, "big")


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return sorted((str(key), _canonical(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    if hasattr(value, "magnitude") and hasattr(value, "units"):
        return f"{float(value.magnitude)!r} {value.units}"
    return value


def student_seed(seed: int, student: str) -> int:
    """The seed of ``student``'s own sheet: derived from the class's seed and the student, 32 bits."""
    digest = hashlib.blake2b(f"{seed}\x00{student}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big")


def variant_seed(seed: int, variant: int) -> int:
    """The seed of variant ``variant`` (1 to N) of a set made with ``seed``: 32 bits of a hash of both."""
    digest = hashlib.blake2b(f"{seed}\x00variant\x00{variant}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big")


#: Most students one command makes sheets for.
MAX_STUDENTS = 2000


def roster(students: str | Path | Sequence[str]) -> list[str]:
    """Student names or ids: from a CSV file's ``student``/``name``/``id`` column (or its first), or a list."""
    from ..files import read_csv_rows

    if isinstance(students, (str, Path)):
        numbered = [
            (line, row) for line, row in enumerate(read_csv_rows(students, "students"), 1) if any(map(str.strip, row))
        ]
        header = [cell.strip().lower() for cell in numbered[0][1]] if numbered else []
        named = [i for i, cell in enumerate(header) if cell in ("student", "students", "name", "id")]
        if not named and len(header) > 1:
            raise DoseCalcError(
                "has several columns and none headed student, name or id; head the column of names so", field="students"
            )
        column = named[0] if named else 0
        numbered = numbered[1:] if named else numbered
        names = [row[column].strip() if column < len(row) else "" for _, row in numbered]
        lines = [line for line, _ in numbered]
    elif isinstance(students, Sequence):
        names = [name.strip() if isinstance(name, str) else name for name in students]
        lines = list(range(1, len(names) + 1))
    else:
        raise DoseCalcError(f"expected a CSV file or a list of names, got {type(students).__name__}", field="students")
    if not names:
        raise DoseCalcError("names no students; expected a column of names or ids", field="students")
    if len(names) > MAX_STUDENTS:
        raise DoseCalcError(f"names {len(names):,} students; at most {MAX_STUDENTS:,} at once", field="students")
    label = "entry" if not isinstance(students, (str, Path)) else "row"
    seen: dict[str, int] = {}
    for line, name in zip(lines, names, strict=True):
        if not isinstance(name, str) or not name:
            raise DoseCalcError(f"{label} {line}: no name; every student needs a name or id", field="students")
        if len(name) > 100 or not name.isprintable():
            raise DoseCalcError(
                f"{label} {line}: {quote(name)} is not a name (at most 100 printable characters)", field="students"
            )
        if name in seen:
            raise DoseCalcError(
                f"{label} {line}: {quote(name)} is named twice (row {seen[name]} too)", field="students"
            )
        seen[name] = line
    return names
