"""The public API is held by this test (as MetPy's tests/test_packaging.py holds its own): the names, their
lazy import, and their documentation."""

from __future__ import annotations

import inspect
import itertools
import json
import re
import subprocess
import sys

import pytest

import dosecalc

#: Everything a user may import from dosecalc, sorted.
PUBLIC = [
    "CardDetail",
    "CardError",
    "CardList",
    "Chart",
    "ClassMarks",
    "CohortTable",
    "DISCLAIMER",
    "DoseCalcError",
    "DoseTable",
    "Handout",
    "ItemAnalysis",
    "Marks",
    "Q_",
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
FUNCTIONS = [
    "card", "cards", "cohort", "exercises", "mark", "new_teacher_key", "plot", "report", "schedule", "simulate",
    "table", "teacher_key",
]  # fmt: skip
ERRORS = ["CardError", "DoseCalcError", "QuantityError", "RegimenError"]
RESULTS = [
    "CardDetail",
    "CardList",
    "Chart",
    "ClassMarks",
    "CohortTable",
    "DoseTable",
    "Handout",
    "ItemAnalysis",
    "Marks",
    "ScheduleTable",
    "Sheet",
    "Sheets",
    "SimulationTable",
    "Variants",
]
#: Heavy packages that ``import dosecalc`` alone must not load.
HEAVY = ["pint", "numpy", "pydantic", "typer", "rich", "pandas", "matplotlib"]


def test_the_written_list_is_sorted_and_has_no_repeats() -> None:
    assert sorted(PUBLIC) == PUBLIC
    assert len(set(PUBLIC)) == len(PUBLIC)
    assert sorted(FUNCTIONS + ERRORS + RESULTS + ["DISCLAIMER", "Q_", "__version__", "ureg"]) == PUBLIC


def test_all_is_the_public_list() -> None:
    assert len(set(dosecalc.__all__)) == len(dosecalc.__all__), "a name is listed twice"
    assert sorted(dosecalc.__all__) == PUBLIC


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_resolves(name: str) -> None:
    value = getattr(dosecalc, name)
    assert value is not None
    assert getattr(dosecalc, name) is value  # the same object on a second look-up
    if name in FUNCTIONS:
        assert inspect.isfunction(value)
        assert value.__module__ == "dosecalc.api"
    if name in ERRORS:
        assert issubclass(value, dosecalc.DoseCalcError)
    if name in RESULTS:
        assert inspect.isclass(value)
        assert value.__module__ == "dosecalc.results"


def test_the_registry_and_quantity_class_belong_together() -> None:
    assert isinstance(dosecalc.Q_(70, "kg"), dosecalc.ureg.Quantity)
    assert dosecalc.Q_(154, "lb").to("kg").magnitude == pytest.approx(154 * 0.45359237, rel=1e-12)


def test_dir_lists_the_public_names() -> None:
    listed = dir(dosecalc)
    missing = [name for name in PUBLIC if name not in listed]
    assert missing == []


def test_star_import_gives_exactly_the_public_names() -> None:
    namespace: dict[str, object] = {}
    exec("from dosecalc import *", namespace)
    assert sorted(name for name in namespace if name != "__builtins__") == PUBLIC


@pytest.mark.parametrize("name", ["nope", "api_table", "_LOCATIONS_", "Table"])
def test_an_unknown_attribute_raises_attribute_error(name: str) -> None:
    with pytest.raises(AttributeError, match=re.escape(repr(name))):
        getattr(dosecalc, name)
    assert not hasattr(dosecalc, name)


def test_import_dosecalc_loads_no_heavy_package() -> None:
    code = (
        "import json, sys\n"
        "import dosecalc\n"
        "dosecalc.DISCLAIMER, dosecalc.__version__\n"
        f"heavy = {HEAVY!r}\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & set(heavy))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_the_subprocess_check_can_see_a_heavy_import() -> None:
    # the check above is not vacuous: asking for the registry loads pint
    code = (
        "import json, sys\nimport dosecalc\ndosecalc.Q_\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & {'pint'})))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == ["pint"]


def _sections(doc: str) -> set[str]:
    """The numpydoc section titles of a docstring: a line followed by a line of dashes as long as it."""
    lines = [line.strip() for line in doc.splitlines()]
    return {
        title
        for title, rule in itertools.pairwise(lines)
        if title and rule and set(rule) == {"-"} and len(rule) == len(title)
    }


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_public_function_has_a_numpydoc_docstring(name: str) -> None:
    doc = inspect.getdoc(getattr(dosecalc, name))
    assert doc, f"{name} has no docstring"
    assert not doc.splitlines()[0].startswith(("Parameters", "Returns")), "a line of purpose comes first"
    missing = {"Parameters", "Returns", "Examples"} - _sections(doc)
    assert not missing, f"{name} lacks {sorted(missing)}"
    examples = doc.split("Examples\n--------", 1)[1]
    assert ">>> " in examples, f"{name}'s Examples section has no example"


def _documented_parameters(doc: str) -> set[str]:
    """The names in a numpydoc Parameters section: ``name : type`` lines, or ``a, b`` lines ("As for ...")."""
    section = doc.split("Parameters\n----------\n", 1)[-1]
    section = re.split(r"\n(?:Returns|Raises|Yields|Examples|Notes)\n-+\n", section, maxsplit=1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line and not line.startswith(" "):
            names.update(part.strip() for part in line.split(" : ", 1)[0].split(","))
    return names


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_parameter_of_a_public_function_is_documented(name: str) -> None:
    function = getattr(dosecalc, name)
    documented = _documented_parameters(inspect.getdoc(function) or "")
    missing = [p for p in inspect.signature(function).parameters if p not in documented]
    assert missing == [], f"{name}: {missing} not in its Parameters section"
