"""dosecalc: an educational infusion dose schedule calculator.

Educational reference only - not a prescribing tool, and not clinical advice.

The public API is listed in ``__all__``. Names are imported on first use (module ``__getattr__``, as
pydantic's ``__init__`` does), so ``import dosecalc`` costs almost nothing and ``dosecalc.table(...)`` works
at once in a notebook::

    >>> import dosecalc
    >>> dosecalc.table("154 lb", "rate-0.35-mg-kg-h").rows[0].total_dose.to("mg").magnitude  # doctest: +ELLIPSIS
    97.79451497...
"""

from __future__ import annotations

# No module-level imports: ``typing`` alone would double the cost of ``import dosecalc``. mypy reads
# ``TYPE_CHECKING`` as true whatever its value.
TYPE_CHECKING = False

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .api import (
        card,
        cards,
        cohort,
        exercises,
        mark,
        new_teacher_key,
        plot,
        report,
        schedule,
        simulate,
        table,
        teacher_key,
    )
    from .errors import CardError, DoseCalcError, QuantityError, RegimenError
    from .results import (
        CardDetail,
        CardList,
        Chart,
        ClassMarks,
        CohortTable,
        DoseTable,
        Handout,
        ItemAnalysis,
        Marks,
        ScheduleTable,
        Sheet,
        Sheets,
        SimulationTable,
        Variants,
    )
    from .units import Q_, ureg
    from .wording import DISCLAIMER

#: Each public name and the module it lives in.
_LOCATIONS = {
    "card": "api",
    "cards": "api",
    "cohort": "api",
    "exercises": "api",
    "mark": "api",
    "new_teacher_key": "api",
    "plot": "api",
    "report": "api",
    "schedule": "api",
    "simulate": "api",
    "table": "api",
    "teacher_key": "api",
    "CardError": "errors",
    "DoseCalcError": "errors",
    "QuantityError": "errors",
    "RegimenError": "errors",
    "CardDetail": "results",
    "CardList": "results",
    "ClassMarks": "results",
    "Chart": "results",
    "CohortTable": "results",
    "DoseTable": "results",
    "Handout": "results",
    "ItemAnalysis": "results",
    "Marks": "results",
    "ScheduleTable": "results",
    "Sheet": "results",
    "Sheets": "results",
    "SimulationTable": "results",
    "Variants": "results",
    "Q_": "units",
    "ureg": "units",
    "DISCLAIMER": "wording",
}

__all__ = [
    "DISCLAIMER",
    "Q_",
    "CardDetail",
    "CardError",
    "CardList",
    "Chart",
    "ClassMarks",
    "CohortTable",
    "DoseCalcError",
    "DoseTable",
    "Handout",
    "ItemAnalysis",
    "Marks",
    "QuantityError",
    "RegimenError",
    "ScheduleTable",
    "Sheet",
    "Sheets",
    "SimulationTable",
    "Variants",
    "__version__",
    "card",
    "cards",
    "cohort",
    "exercises",
    "mark",
    "new_teacher_key",
    "plot",
    "report",
    "schedule",
    "simulate",
    "table",
    "teacher_key",
    "ureg",
]


def __getattr__(name: str) -> object:
    module = _LOCATIONS.get(name)
    if module is None:
        raise AttributeError(f"module 'dosecalc' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value  # later look-ups find it at once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
