"""Drug files: what belongs to a drug rather than to a regimen - its simulation model cards and its dose limits.

A drug file is a short TOML file in ``dosecalc/drugs/`` (or in a ``drugs/`` folder beside a teacher's own cards)::

    name = "ketamine"                      # what a card's ``drug`` field says
    title = "Ketamine (racemic)"
    models = ["domino"]                    # model cards built for this drug; none: never simulated
    not_simulated = "why, in words"        # optional: said when a card of this drug is not simulated

    [[limits]]                             # like a smart pump's drug library
    level = "soft"                         # soft: a note beside the figure; hard: the figure is refused
    above = "0.35 mg/kg"                   # mg/kg or mg: a bolus; mg/kg/h (or mcg/kg/min) or mg/h: an infusion
    source = { citation = "...", says = "the quotation", link = "https://..." }

A limit is crossed by a figure strictly above it (``0.35 mg/kg`` itself is inside). The files are read with
:mod:`tomllib` and checked by hand rather than by a pydantic model: they are read by every ``dosecalc table``,
and building a validator would cost the command's start more than reading them.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from .errors import CardError, DoseCalcError, quote
from .units import DOSE, DOSE_PER_KG, RATE, RATE_PER_KG, Quantity, QuantitySpec, magnitude_in, parse_quantity

__all__ = ["Drug", "Limit", "LimitSource", "builtin_drugs", "crossed", "drug_key", "load_drug_folder"]

#: What a limit's unit says it bounds: (spec, figure, phase kind, words).
_FIGURES: tuple[tuple[QuantitySpec, str, str, str], ...] = (
    (DOSE_PER_KG, "dose_per_kg", "bolus", "bolus dose per kg"),
    (RATE_PER_KG, "rate_per_kg", "infusion", "infusion rate per kg"),
    (RATE, "rate", "infusion", "infusion rate"),
    (DOSE, "dose", "bolus", "bolus dose"),
)
LEVELS = ("soft", "hard")


class LimitSource(NamedTuple):
    citation: str
    says: str
    link: str | None = None


class Limit(NamedTuple):
    """One dose limit of a drug: soft (noted) or hard (refused), the figure it bounds, and its source."""

    level: str
    above: Quantity  # in the canonical unit of its figure
    figure: str  # dose_per_kg, rate_per_kg, rate, dose
    phase: str  # bolus or infusion
    words: str  # "bolus dose per kg"
    source: LimitSource


class Drug(NamedTuple):
    """A drug file: the drug's name, its model cards and its limits, and where it came from."""

    name: str
    title: str
    models: tuple[str, ...]
    limits: tuple[Limit, ...]
    not_simulated: str | None
    origin: Path


def drug_key(name: str) -> str:
    """A drug's name as dosecalc matches it: lower case, spaces and case ignored (``S(+)-Ketamine``)."""
    return "".join(name.lower().split())


def _text(path: Path, data: Mapping[str, Any], key: str, *, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 2000:
        raise CardError(f"{path}: {key}: must be text in quotes, 1 to 2000 characters")
    return value


def _read_limit(above: Any) -> tuple[Quantity, str, str, str] | None:
    """A limit's value and what it bounds, told by its unit; None when it is no dose or rate."""
    for spec, figure, phase, words in _FIGURES:
        try:
            return parse_quantity(above, spec), figure, phase, words
        except DoseCalcError:
            continue
    return None


def _limit(path: Path, index: int, item: Any) -> Limit:
    where = f"{path}: limits.{index}"
    if not isinstance(item, dict):
        raise CardError(f"{where}: must be a TOML table with level, above and source")
    extra = sorted(set(item) - {"level", "above", "source"})
    if extra:
        raise CardError(f"{where}.{extra[0]}: is not a limit field (check its spelling)")
    level = item.get("level")
    if level not in LEVELS:
        raise CardError(f"{where}.level: must be one of {', '.join(LEVELS)}")
    above = item.get("above")
    read = _read_limit(above)
    if read is None:
        raise CardError(
            f"{where}.above: expected a bolus dose (0.35 mg/kg or 35 mg) or an infusion rate (2 mg/kg/h, "
            f"10 mcg/kg/min or 100 mg/h), got {quote(str(above)) if isinstance(above, str) else repr(above)[:40]}"
        )
    source = item.get("source")
    if not isinstance(source, dict) or set(source) - {"citation", "says", "link"}:
        raise CardError(f"{where}.source: must be a table with citation, says and (optionally) link")
    value, figure, phase, words = read
    return Limit(
        level,
        value,
        figure,
        phase,
        words,
        LimitSource(
            str(_text(path, source, "citation")),
            str(_text(path, source, "says")),
            _text(path, source, "link", required=False),
        ),
    )


def read_drug(path: Path) -> Drug:
    """Read and check one drug file, or raise :class:`CardError` naming the file and the field."""
    from .files import read_toml

    data = read_toml(path)
    extra = sorted(set(data) - {"name", "title", "models", "limits", "not_simulated"})
    if extra:
        raise CardError(f"{path}: {extra[0]}: is not a drug-file field (check its spelling)")
    models = data.get("models", [])
    if not isinstance(models, list) or not all(isinstance(m, str) and m for m in models):
        raise CardError(f'{path}: models: must be a list of model names, such as ["domino"]')
    limits = data.get("limits", [])
    if not isinstance(limits, list):
        raise CardError(f"{path}: limits: must be a list: [[limits]] entries in TOML")
    return Drug(
        name=str(_text(path, data, "name")),
        title=str(_text(path, data, "title")),
        models=tuple(models),
        limits=tuple(_limit(path, index, item) for index, item in enumerate(limits)),
        not_simulated=_text(path, data, "not_simulated", required=False),
        origin=path,
    )


def _read_folder(folder: Path) -> dict[str, Drug]:
    drugs: dict[str, Drug] = {}
    problems: list[str] = []
    for path in sorted(folder.glob("*.toml")):
        try:
            drug = read_drug(path)
        except CardError as error:
            problems.append(str(error))
            continue
        key = drug_key(drug.name)
        if key in drugs:
            problems.append(f"{path}: name: {drug.name!r} is already the drug of {drugs[key].origin}")
            continue
        drugs[key] = drug
    if problems:
        raise CardError("\n".join(problems))
    return drugs


def builtin_dir() -> Path:
    return Path(__file__).resolve().parent / "drugs"


@functools.cache
def builtin_drugs() -> Mapping[str, Drug]:
    """The drug files shipped with dosecalc, by :func:`drug_key` of their names (read once per process)."""
    return _read_folder(builtin_dir())


def load_drug_folder(folder: Path) -> dict[str, Drug]:
    """A teacher's drug files (``drugs/`` beside their cards), which may not redefine a built-in drug."""
    drugs = _read_folder(folder)
    clashes = sorted(key for key in drugs if key in builtin_drugs())
    if clashes:
        raise CardError(f"{drugs[clashes[0]].origin}: name: {drugs[clashes[0]].name!r} is a built-in drug")
    return drugs


#: Relative size of the floating-point noise a figure may carry from its arithmetic (0.35 mg/kg x 47.3 kg /
#: 47.3 kg is 0.35000000000000003): a figure above a limit by less than this is at the limit, not over it.
LIMIT_NOISE = 1e-9


def crossed(limits: tuple[Limit, ...], figure: str, value: Quantity) -> list[Limit]:
    """The limits on ``figure`` that ``value`` is above (a value equal to a limit, to within the arithmetic's
    floating-point noise, is inside it)."""
    found = []
    for limit in limits:
        above = float(limit.above.magnitude)
        if limit.figure == figure and float(magnitude_in(value, limit.above._units)) > above * (1 + LIMIT_NOISE):
            found.append(limit)
    return found
