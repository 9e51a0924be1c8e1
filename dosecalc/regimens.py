"""Regimen cards: pydantic models, and the loader for built-in cards and a teacher's own.

A card is a TOML file. Its ``kind`` says how the dose is given and which dose field it carries:

=====================  ======================  ==========================================
kind                   dose field              meaning
=====================  ======================  ==========================================
``fixed-rate``         ``rate``                the same mg/h for every patient
``weight-based-rate``  ``rate_per_kg``         mg/kg/h times the patient's weight
``fixed-total``        ``total_dose``          a total in mg spread evenly over the duration
``weight-based-total`` ``total_dose_per_kg``   mg/kg times weight, spread evenly
=====================  ======================  ==========================================

Every quantity field is text with a unit ("22 mg/h"), read by the strict parser in :mod:`dosecalc.units`.
"""

import functools
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Any, Literal, NamedTuple, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictInt,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from .errors import CardError, DoseCalcError, RegimenError, quote
from .units import (
    DOSE,
    DOSE_PER_KG,
    DURATION,
    PREPARATION_AMOUNT,
    PREPARATION_VOLUME,
    Q_,
    RATE,
    RATE_PER_KG,
    WEIGHT,
    Quantity,
    QuantitySpec,
    magnitude_in,
    parse_quantity,
    quotient,
)

if TYPE_CHECKING:
    from .drugs import Drug

T = TypeVar("T")


def _parser(spec: QuantitySpec, keep_unit: bool = False) -> PlainValidator:
    """A pydantic validator that reads a card field with the strict parser (in the unit written, with
    ``keep_unit``: ``10 mcg/kg/min`` stays so, for display; arithmetic converts it). A folder of many cards
    repeats the same few texts ("4 h", "22 mg/h"), so each text is parsed once (cards are frozen, and a
    quantity is never changed in place)."""

    @functools.lru_cache(maxsize=1024)
    def parse(text: str) -> Quantity:
        return parse_quantity(text, spec, keep_unit=keep_unit)

    def validate(value: Any) -> Quantity:
        return parse(value) if isinstance(value, str) else parse_quantity(value, spec, keep_unit=keep_unit)

    return PlainValidator(validate)


Duration = Annotated[Quantity, _parser(DURATION)]
Rate = Annotated[Quantity, _parser(RATE)]
RatePerKg = Annotated[Quantity, _parser(RATE_PER_KG)]
Dose = Annotated[Quantity, _parser(DOSE)]
DosePerKg = Annotated[Quantity, _parser(DOSE_PER_KG)]
Amount = Annotated[Quantity, _parser(PREPARATION_AMOUNT)]
Volume = Annotated[Quantity, _parser(PREPARATION_VOLUME)]
Weight = Annotated[Quantity, _parser(WEIGHT)]


def _no_control(value: str) -> str:
    """Card text reaches terminals, spreadsheets and pages: a control character (ESC, a bell, a carriage
    return...) could retitle or clear a terminal, so it is refused where the card is read."""
    if not value.isprintable() and any(not ch.isprintable() and ch not in "\n\t" for ch in value):
        bad = next(ch for ch in value if not ch.isprintable() and ch not in "\n\t")
        raise ValueError(f"holds the control character U+{ord(bad):04X}; remove it")
    return value


Text = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_no_control)]
#: A regimen card's id: 2 to 64 characters, lower case, digits, '.' and '-'; a letter or digit at each end.
ID_PATTERN = r"^[a-z0-9][a-z0-9.\-]{0,62}[a-z0-9]$"
#: A model card's id: 1 to 63 characters of the same kinds, starting with a letter or digit.
MODEL_ID_PATTERN = r"^[a-z0-9][a-z0-9.\-]{0,62}$"
CardId = Annotated[str, Field(pattern=ID_PATTERN)]


class _Strict(BaseModel):
    # Built on first use: the cards are validated through one adapter of the union below, so building
    # every model's own validator at import would be work thrown away on each start of the command.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, defer_build=True)


class Source(_Strict):
    """A reference behind a card: its citation, what it documents, and where to find it."""

    citation: Text
    says: Text
    link: Text | None = None


#: Longest brief form of a note: one line of a terminal.
BRIEF_LENGTH = 120


class Note(_Strict):
    """A note on a card: its full text, and a one-line brief for the first screen (the text itself when the
    text is short enough). In TOML a note is text, or ``{ brief = "...", text = "..." }``."""

    text: Text
    brief: Annotated[str, Field(min_length=1, max_length=BRIEF_LENGTH), AfterValidator(_no_control)] | None = None

    @property
    def short(self) -> str:
        """The brief form, or the text when the card gives none."""
        return self.brief if self.brief is not None else self.text

    @model_validator(mode="before")
    @classmethod
    def _text_alone(cls, value: Any) -> Any:
        return {"text": value} if isinstance(value, str) else value


class Preparation(_Strict):
    """A documented preparation: a drug amount made up to a volume (e.g. 80 mg in 500 mL)."""

    amount: Amount
    volume: Volume

    @property
    def concentration(self) -> Quantity:
        """Concentration in mg/mL = amount (mg) / volume (mL)."""
        return quotient(self.amount, self.volume, "mg/mL")


#: The lightest weight dosecalc treats as adult-sized when a card's sources studied adults and state no weight
#: range: a teaching convention of dosecalc's (lighter than most adults), not a figure from any source. A lighter
#: patient gets a note, never a refusal.
ADULT_LIGHTEST = Q_(40.0, "kg")


class Population(_Strict):
    """Who a card's sources studied: in words, whether adults only, and a weight range where a source states one.

    A patient outside it gets a note in every output (a what-if, never a refusal)."""

    studied: Text
    adults: bool = True
    min_weight: Weight | None = None
    max_weight: Weight | None = None

    @model_validator(mode="after")
    def _range_in_order(self) -> Self:
        if self.min_weight is not None and self.max_weight is not None and self.min_weight >= self.max_weight:
            raise ValueError("min_weight must be lighter than max_weight")
        return self

    @property
    def lightest(self) -> Quantity | None:
        """The lightest weight inside the population: the stated minimum, else the adult convention for adults."""
        if self.min_weight is not None:
            return self.min_weight
        return ADULT_LIGHTEST if self.adults else None


class _Card(_Strict):
    id: CardId
    title: Text
    indication: Text
    duration: Duration
    minimum_duration: Duration | None = None
    max_rate: Rate | None = None
    sessions: Annotated[StrictInt, Field(ge=1, le=365)]
    preparation: Preparation | None = None
    sources: Annotated[list[Source], Field(min_length=1)]
    notes: list[Note] = []
    #: The drug of the trial behind the card when it is not the one the article names (e.g. S(+)-ketamine).
    primary_trial_drug: Text | None = None
    #: The drug and form the card doses: ``ketamine`` (racemic), ``S(+)-ketamine``, or a teacher's own drug. A card
    #: without one still loads, but is titled by its own title and never simulated.
    drug: Annotated[str, Field(min_length=1, max_length=80)] | None = None
    #: Who the card's sources studied.
    population: Population | None = None

    @model_validator(mode="after")
    def _duration_not_below_minimum(self) -> Self:
        if self.minimum_duration is not None and self.duration < self.minimum_duration:
            raise ValueError("duration is shorter than minimum_duration; the default duration must be allowed")
        return self


class FixedRateCard(_Card):
    """The same rate (mg/h) for every patient."""

    kind: Literal["fixed-rate"]
    rate: Rate


class WeightBasedRateCard(_Card):
    """A rate per kilogram of body weight (mg/kg/h)."""

    kind: Literal["weight-based-rate"]
    rate_per_kg: RatePerKg


class FixedTotalCard(_Card):
    """A total dose (mg) spread evenly over the duration."""

    kind: Literal["fixed-total"]
    total_dose: Dose


class WeightBasedTotalCard(_Card):
    """A total dose per kilogram (mg/kg) spread evenly over the duration."""

    kind: Literal["weight-based-total"]
    total_dose_per_kg: DosePerKg


M = TypeVar("M", bound=BaseModel)


def _exactly_one(model: M, what: str, fixed: str, per_kg: str) -> M:
    """``model`` when exactly one of its fields ``fixed`` and ``per_kg`` is given; else a refusal in words."""
    if (getattr(model, fixed) is None) == (getattr(model, per_kg) is None):
        raise ValueError(f"{what} gives exactly one of {fixed} or {per_kg}")
    return model


class BolusPhase(_Strict):
    """A bolus: a dose (mg) or a dose per kg (mg/kg), given at once or, with ``over``, evenly over that time."""

    type: Literal["bolus"]
    dose: Dose | None = None
    dose_per_kg: DosePerKg | None = None
    over: Duration | None = None

    @model_validator(mode="after")
    def _one_dose(self) -> Self:
        return _exactly_one(self, "a bolus", "dose", "dose_per_kg")

    @property
    def length(self) -> Quantity | None:
        """The time the phase takes: its ``over``, or zero for a bolus at once."""
        return self.over if self.over is not None else Q_(0.0, "h")


class InfusionPhase(_Strict):
    """A constant-rate infusion: a rate (mg/h) or a rate per kg (mg/kg/h, or mcg/kg/min as written), for a
    ``duration``, or, in the last phase, until the end of the session."""

    type: Literal["infusion"]
    rate: Annotated[Quantity, _parser(RATE, keep_unit=True)] | None = None
    rate_per_kg: Annotated[Quantity, _parser(RATE_PER_KG, keep_unit=True)] | None = None
    duration: Duration | None = None

    @model_validator(mode="after")
    def _one_rate(self) -> Self:
        return _exactly_one(self, "an infusion", "rate", "rate_per_kg")

    @property
    def length(self) -> Quantity | None:
        return self.duration


class TitrationPhase(_Strict):
    """A titration: a starting rate (mg/h), raised by ``step`` every ``every`` up to ``max_rate``, then held; for
    a ``duration``, or, in the last phase, until the end of the session."""

    type: Literal["titration"]
    start_rate: Rate
    step: Rate
    every: Duration
    max_rate: Rate
    duration: Duration | None = None

    @model_validator(mode="after")
    def _start_below_maximum(self) -> Self:
        if self.start_rate > self.max_rate:
            raise ValueError("start_rate is above max_rate")
        return self

    @property
    def length(self) -> Quantity | None:
        return self.duration


Phase = Annotated[BolusPhase | InfusionPhase | TitrationPhase, Field(discriminator="type")]
PHASE_TYPES = ("bolus", "infusion", "titration")


class PhasedCard(_Card):
    """A regimen as the sources write it: an ordered list of phases (boluses, infusions, titrations) within a
    session of ``duration``. Every phase but the last states its length; the last runs to the end of the session."""

    kind: Literal["phased"]
    phases: Annotated[list[Phase], Field(min_length=1, max_length=20)]

    @model_validator(mode="after")
    def _phases_fit_the_session(self) -> Self:
        for index, phase in enumerate(self.phases[:-1]):
            if phase.length is None:
                raise ValueError(f"phase {index + 1} needs a duration: only the last phase runs to the end")
        fixed = sum((magnitude_in(p.length, "h") for p in self.phases if p.length is not None), 0.0)
        if fixed > float(magnitude_in(self.duration, "h")) * (1 + 1e-12):
            raise ValueError("the phases take longer than the session's duration")
        if self.max_rate is not None:
            raise ValueError("a phased card caps rates in its phases (a titration's max_rate), not with max_rate")
        return self


Card = FixedRateCard | WeightBasedRateCard | FixedTotalCard | WeightBasedTotalCard | PhasedCard
CARD_KINDS = ("fixed-rate", "weight-based-rate", "fixed-total", "weight-based-total", "phased")
DOSE_FIELDS = {
    "fixed-rate": "rate",
    "weight-based-rate": "rate_per_kg",
    "fixed-total": "total_dose",
    "weight-based-total": "total_dose_per_kg",
}
#: Canonical unit of each dose field.
DOSE_UNITS = {
    "rate": RATE.unit,
    "rate_per_kg": RATE_PER_KG.unit,
    "total_dose": DOSE.unit,
    "total_dose_per_kg": DOSE_PER_KG.unit,
}


@contextmanager
def _without_pydantic_plugins() -> Iterator[None]:
    """Build validators without pydantic's plugin lookup, as typer does for its option adapters.

    dosecalc uses no pydantic plugins, and the lookup scans every installed package's entry points on
    each start of the command.
    """
    previous = os.environ.get("PYDANTIC_DISABLE_PLUGINS")
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "1"
    try:
        yield
    finally:
        if previous is None:
            del os.environ["PYDANTIC_DISABLE_PLUGINS"]
        else:
            os.environ["PYDANTIC_DISABLE_PLUGINS"] = previous


with _without_pydantic_plugins():
    # The four single-phase kinds, built at import as before; a phased card's validator (phases are a union of
    # their own) is built only when a phased card is read, so the start of every command does not pay for it.
    _CARD_ADAPTER: TypeAdapter[Card] = TypeAdapter(
        Annotated[
            FixedRateCard | WeightBasedRateCard | FixedTotalCard | WeightBasedTotalCard, Field(discriminator="kind")
        ]
    )


@functools.cache
def _phased_adapter() -> TypeAdapter[PhasedCard]:
    with _without_pydantic_plugins():
        return TypeAdapter(PhasedCard)


def validate_card(data: Any) -> Card:
    """A card's TOML data validated as the card its ``kind`` names."""
    if isinstance(data, dict) and data.get("kind") == "phased":
        return _phased_adapter().validate_python(data)
    return _CARD_ADAPTER.validate_python(data)


def documented_dose(card: Card) -> Quantity:
    """The card's dose parameter as documented: a rate, a rate per kg, a total or a total per kg; for a phased
    card, its first phase's dose or rate (the phases themselves are in ``card.phases``)."""
    if isinstance(card, PhasedCard):
        return phase_dose(card.phases[0])
    return getattr(card, DOSE_FIELDS[card.kind])  # type: ignore[no-any-return]


def dose_unit(card: Card) -> str:
    """The canonical unit of the card's documented dose (:func:`documented_dose`)."""
    if isinstance(card, PhasedCard):
        return phase_unit(card.phases[0])
    return DOSE_UNITS[DOSE_FIELDS[card.kind]]


def phase_unit(phase: BolusPhase | InfusionPhase | TitrationPhase) -> str:
    """The canonical unit of a phase's documented figure (:func:`phase_dose`)."""
    if isinstance(phase, BolusPhase):
        return DOSE.unit if phase.dose is not None else DOSE_PER_KG.unit
    if isinstance(phase, InfusionPhase):
        return RATE.unit if phase.rate is not None else RATE_PER_KG.unit
    return RATE.unit


def phase_dose(phase: BolusPhase | InfusionPhase | TitrationPhase) -> Quantity:
    """A phase's documented figure: a bolus's dose or dose per kg, an infusion's rate or rate per kg, a
    titration's starting rate."""
    if isinstance(phase, BolusPhase):
        return phase.dose if phase.dose is not None else phase.dose_per_kg  # type: ignore[return-value]
    if isinstance(phase, InfusionPhase):
        return phase.rate if phase.rate is not None else phase.rate_per_kg  # type: ignore[return-value]
    return phase.start_rate


@functools.cache
def builtin_dir() -> Path:
    """Folder of the built-in cards: packaged with the wheel, or the repository's top-level regimens/ (found
    once: every table looks for its cards)."""
    here = Path(__file__).resolve().parent
    packaged = here / "regimens"
    return packaged if packaged.is_dir() else here.parent / "regimens"


def validation_messages(path: Path, error: ValidationError) -> list[str]:
    """One line per validation error: the file, the field (dotted) and what was expected."""
    from .files import path_text

    shown = path_text(path)
    lines = []
    for detail in error.errors():
        loc = [str(part) for part in detail["loc"]]
        if loc and loc[0] in CARD_KINDS:  # the discriminated union puts the tag first
            loc = loc[1:]
        field = ".".join(loc) or "card"
        kind = detail["type"]
        if kind == "missing":
            message = "is missing"
        elif kind == "extra_forbidden":
            message = "is not a card field (check its spelling)"
        elif kind in ("union_tag_invalid", "union_tag_not_found") and loc:  # a phase's type
            field += ".type"
            message = f"must be one of {', '.join(PHASE_TYPES)}"
        elif kind in ("union_tag_invalid", "union_tag_not_found"):
            field = "kind"
            message = f"must be one of {', '.join(CARD_KINDS)}"
        elif isinstance(detail.get("ctx", {}).get("error"), DoseCalcError):
            message = detail["ctx"]["error"].problem
        else:
            message = _in_words(kind, detail.get("ctx") or {}, detail["msg"])
            given = detail.get("input")
            if isinstance(given, str):
                message += f" (got the text {quote(given)})"
            elif "input" in detail and not isinstance(given, (dict, list)):
                message += f" (got {given!r:.40})"
        lines.append(f"{shown}: {field}: {message}")
    return lines


#: The id patterns of regimen and model cards, in words.
_PATTERNS = {
    ID_PATTERN: "must be 2 to 64 characters: lower-case letters, digits, '.' and '-', starting and ending with a "
    "letter or digit, such as teach-1-mg-kg-1-h",
    MODEL_ID_PATTERN: "must be 1 to 63 characters: lower-case letters, digits, '.' and '-', starting with a letter "
    "or digit, such as domino",
}


def _in_words(kind: str, ctx: dict[str, Any], fallback: str) -> str:
    """What a card field expects, said in words rather than in pydantic's terms (patterns, 'valid dictionary')."""
    words = {
        "string_pattern_mismatch": _PATTERNS.get(str(ctx.get("pattern")), "is not in the expected form"),
        "string_type": "must be text in quotes",
        "string_too_short": "must not be empty",
        "string_too_long": f"is longer than {ctx.get('max_length')} characters",
        "int_type": "must be a whole number without quotes, such as 10",
        "int_parsing": "must be a whole number without quotes, such as 10",
        "int_from_float": "must be a whole number without quotes, such as 10",
        "float_type": "must be a number without quotes, such as 0.25",
        "finite_number": "must be a finite number",
        "greater_than_equal": f"must be at least {ctx.get('ge')}",
        "greater_than": f"must be more than {ctx.get('gt')}",
        "less_than_equal": f"must be at most {ctx.get('le')}",
        "less_than": f"must be less than {ctx.get('lt')}",
        "too_short": f"needs at least {ctx.get('min_length')} entry (a [[table]] in TOML)",
        "list_type": 'must be a list: [[table]] entries in TOML, or ["...", ...] for text',
        "model_type": "must be a TOML table with its own fields",
        "dict_type": "must be a TOML table with its own fields",
        "bool_type": "must be true or false",
    }
    return words.get(kind, fallback.removeprefix("Value error, "))


def read_card(path: Path, validate: Callable[[dict[str, Any]], T]) -> T:
    """Read a card file (a regimen card, or a model card) and validate its data with ``validate``, or raise
    :class:`CardError` naming the file and each bad field."""
    from .files import read_toml

    data = read_toml(path)
    try:
        return validate(data)
    except ValidationError as error:
        raise CardError.several(validation_messages(path, error)) from None


def load_card(path: Path) -> Card:
    """Read and validate one regimen card file."""
    return read_card(path, validate_card)


def _card_files(folder: Path) -> list[Path]:
    from .files import path_text

    if not folder.is_dir():
        raise CardError(f"{path_text(folder)} is not a folder of regimen cards", field="regimens_dir")
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise CardError(f"{path_text(folder)} holds no regimen cards (*.toml files)", field="regimens_dir")
    return files


#: Held while a built-in card is validated on first look, so that two threads never validate one card at once
#: (the second found the card neither validated nor waiting, and was told the regimen is unknown).
_VALIDATING = threading.Lock()


class _Cards(Mapping[str, "Card"]):
    """A catalogue's cards by id, in order. A built-in card is validated when it is first looked at: the
    built-in cards are tested with dosecalc, and a command that picks four cards need not build the validators
    of the others (the phased card's costs a few milliseconds of every start). A teacher's card is validated as
    it is read, so that a broken one is reported at once."""

    __slots__ = ("_cards", "_unread")

    def __init__(self) -> None:
        self._cards: dict[str, Card | None] = {}
        self._unread: dict[str, tuple[Path, dict[str, Any]]] = {}

    def add(self, card: Card) -> None:
        self._cards[card.id] = card

    def add_unvalidated(self, card_id: str, path: Path, data: dict[str, Any]) -> None:
        self._cards[card_id] = None
        self._unread[card_id] = (path, data)

    def __getitem__(self, card_id: str) -> Card:
        card = self._cards[card_id]
        if card is None:
            with _VALIDATING:  # a server's first requests, in threads, may look at one card at once
                card = self._cards[card_id]
                if card is None:
                    path, data = self._unread[card_id]
                    try:
                        card = validate_card(data)
                    except ValidationError as error:
                        raise CardError.several(validation_messages(path, error)) from None
                    self._cards[card_id] = card
                    del self._unread[card_id]
        return card

    def __contains__(self, card_id: object) -> bool:
        return card_id in self._cards

    def __iter__(self) -> Iterator[str]:
        return iter(self._cards)

    def __len__(self) -> int:
        return len(self._cards)


class Catalogue(NamedTuple):
    """The regimen cards available to a command, in a stable order, with where each came from, and a teacher's
    own drug files (from a ``drugs/`` folder beside their cards; the built-in ones are found by name)."""

    cards: Mapping[str, Card]
    origins: dict[str, Path]
    drugs: "Mapping[str, Drug]" = MappingProxyType({})

    def get(self, regimen_id: str) -> Card:
        try:
            return self.cards[regimen_id]
        except KeyError:
            known = ", ".join(self.cards) or "none"
            raise RegimenError(
                f"unknown regimen {quote(regimen_id)}; known regimens: {known}", field="regimen"
            ) from None

    def select(self, regimen_ids: Iterable[str] | None) -> list[Card]:
        """The cards named, in the order named (without repeats); all cards when none are named."""
        if not regimen_ids:
            return list(self.cards.values())
        return [self.get(regimen_id) for regimen_id in dict.fromkeys(regimen_ids)]


def load_catalogue(regimens_dir: Path | None = None, *, builtin: bool = True) -> Catalogue:
    """Load the built-in cards and/or a folder of a teacher's own cards.

    Every card in the folder must validate: a broken card, a duplicate id or an id that clashes with a
    built-in card stops the command with one line per problem rather than silently leaving a card out.
    """
    from . import files
    from .files import path_text

    sources: list[tuple[Path, bool]] = []
    builtin_stamp: object = False
    if builtin:
        builtin_paths, builtin_stamp = _builtin_files()
        sources += [(path, True) for path in builtin_paths]
    teacher_files = [] if regimens_dir is None else _card_files(regimens_dir)
    sources += [(path, False) for path in teacher_files]
    # A teacher's drug files (a drugs/ folder beside their cards) are part of what was read.
    drug_folder = None if regimens_dir is None or not (regimens_dir / "drugs").is_dir() else regimens_dir / "drugs"
    drug_files = [] if drug_folder is None else sorted(drug_folder.glob("*.toml"))
    files_stamp = _stamp(teacher_files + drug_files)
    stamp = None if builtin_stamp is None or files_stamp is None else (builtin_stamp, files_stamp)
    if stamp in _LOADED:  # the same files, unchanged since they were read and validated
        known = _LOADED[stamp]
        return Catalogue(known.cards, dict(known.origins), known.drugs)
    cards = _Cards()
    origins: dict[str, Path] = {}
    problems: list[str] = []
    for path, is_builtin in sources:
        try:
            if is_builtin:  # validated when first looked at (see _Cards)
                data = files.read_toml(path)
                card_id = data.get("id")
                if not isinstance(card_id, str):
                    raise CardError(f"{path}: id: a built-in card needs an id")
            else:
                card = load_card(path)
                card_id = card.id
        except CardError as error:
            problems += error.lines
            continue
        if card_id in cards:
            clash = (
                "a built-in card"
                if origins[card_id].parent == builtin_dir() and builtin
                else path_text(origins[card_id])
            )
            problems.append(f"{path_text(path)}: id: {card_id!r} is already used by {clash}; give this card another id")
            continue
        if is_builtin:
            cards.add_unvalidated(card_id, path, data)
        else:
            cards.add(card)
        origins[card_id] = path
    if problems:
        raise CardError.several(problems, limit=40)  # each card already at most 20 lines and a count
    if not cards:
        raise CardError("no regimen cards to use; give a folder of cards, or use the built-in ones")
    drugs: Mapping[str, Drug] = MappingProxyType({})
    if drug_folder is not None:
        from .drugs import load_drug_folder

        drugs = MappingProxyType(load_drug_folder(drug_folder))
    if stamp is not None:
        if len(_LOADED) >= _LOADED_LIMIT:
            _LOADED.clear()
        _LOADED[stamp] = Catalogue(cards, dict(origins), drugs)
    return Catalogue(cards, origins, drugs)


#: Catalogues already read, by the files they came from: a long-running process (``dosecalc serve``) reads
#: and validates its cards once, and again only when a file is added, removed or changed.
_LOADED: dict[object, Catalogue] = {}
_LOADED_LIMIT = 16


def _stamp(paths: list[Path]) -> object:
    """What identifies a set of card files as read: each path with its size and modification time (None when a
    file cannot be looked at, so that it is read and its problem reported)."""
    try:
        return tuple((str(path), (st := path.stat()).st_mtime_ns, st.st_size) for path in paths)
    except OSError:
        return None


@functools.cache
def _builtin_files() -> tuple[tuple[Path, ...], object]:
    """The built-in card files and their stamp, looked at once in a process: they are part of the installed
    package, while a teacher's folder is looked at again by every command (``dosecalc serve`` sees edits).

    They are in the order of the number their file names start with (``10-...`` after ``9-...``), so the seed
    cards come first and a card added later comes after them."""
    paths = sorted(builtin_dir().glob("*.toml"), key=_numbered)
    return tuple(paths), _stamp(paths)


def _numbered(path: Path) -> tuple[int, str]:
    """A built-in card file's place: the number its name starts with, then its name."""
    number, _, _ = path.name.partition("-")
    return (int(number) if number.isdigit() else 1 << 30, path.name)
