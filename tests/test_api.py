"""The library API, used the way a notebook or a script uses it: only ``import dosecalc`` and its public names.

Golden values are worked by hand in each test (the arithmetic is in the comments), never copied from the
program's output. The pound is exactly 0.45359237 kg.
"""

from __future__ import annotations

import doctest
import json
import math
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pint
import pytest

import dosecalc
import dosecalc.api
import dosecalc.columns
import dosecalc.units
from dosecalc import DISCLAIMER, Q_, DoseCalcError
from dosecalc.errors import DoseCalcErrors

from .helpers import BUILTIN_IDS, GOOD, SEED_IDS, assert_quantity_close, run

#: 154 lb x 0.45359237 kg/lb = 69.85322498 kg (exact pound, 1959 agreement)
KG_154_LB = 154 * 0.45359237
#: Every built-in card, in their order: the four seed cards, then the three added from their sources.
IDS = list(BUILTIN_IDS)
#: Relative tolerance for hand-worked figures.
RTOL = 1e-9

NO_UNIT = "No Unit"
#: The DataFrame columns of a table without pump figures: weight, regimen, sessions, the six dose figures in
#: their canonical units, the uncapped rate and whether the cap binds (DoseTable.to_dataframe's docstring).
PLAIN_COLUMNS = [
    ("weight", "kg"),
    ("regimen", NO_UNIT),
    ("sessions", NO_UNIT),
    ("rate", "mg/h"),
    ("rate_per_kg", "mg/kg/h"),
    ("duration", "h"),
    ("total_dose", "mg"),
    ("total_dose_per_kg", "mg/kg"),
    ("course_total_dose", "mg"),
    ("uncapped_rate", "mg/h"),
    ("cap_binds", NO_UNIT),
]
#: With a concentration and a drop factor the pump and drip columns come after the course total.
PUMP_COLUMNS = [
    *PLAIN_COLUMNS[:9],
    ("concentration", "mg/mL"),
    ("pump_rate", "mL/h"),
    ("volume", "mL"),
    ("drip_rate", "gtt/min"),
    *PLAIN_COLUMNS[9:],
]


def close(actual: pint.Quantity, expected: float, unit: str, rtol: float = RTOL) -> None:
    """``actual`` is ``expected`` ``unit`` to ``rtol`` (units checked by conversion)."""
    assert_quantity_close(actual, Q_(expected, unit), rtol)


def row_of(result: dosecalc.DoseTable, regimen: str) -> Any:
    (found,) = [row for row in result.rows if row.regimen == regimen]
    return found


# --------------------------------------------------------------------------------------- tables by hand


def test_weight_based_rate_for_154_lb_with_a_preparation_and_a_drop_factor() -> None:
    result = dosecalc.table("154 lb", "rate-0.35-mg-kg-h", concentration="100 mg in 50 mL", drop_factor="20 gtt/mL")
    (row,) = result.rows
    close(row.weight, 69.85322498, "kg")  # 154 lb x 0.45359237 kg/lb
    close(row.rate, 24.448628743, "mg/h")  # 0.35 mg/kg/h x 69.85322498 kg = 24.448628743 mg/h (< 25 mg/h cap)
    close(row.rate_per_kg, 0.35, "mg/kg/h")
    close(row.duration, 4, "h")
    close(row.total_dose, 97.794514972, "mg")  # 24.448628743 mg/h x 4 h
    close(row.total_dose_per_kg, 1.4, "mg/kg")  # 0.35 mg/kg/h x 4 h
    close(row.course_total_dose, 977.94514972, "mg")  # 97.794514972 mg x 10 sessions
    close(row.concentration, 2, "mg/mL")  # 100 mg / 50 mL
    close(row.pump_rate, 12.2243143715, "mL/h")  # 24.448628743 mg/h / 2 mg/mL
    close(row.volume, 48.897257486, "mL")  # 97.794514972 mg / 2 mg/mL
    close(row.drip_rate, 4.07477145717, "gtt/min")  # 12.2243143715 mL/h x 20 gtt/mL / 60 min/h
    assert row.sessions == 10
    assert not row.cap_binds


def test_cap_binds_at_120_kg_and_no_cap_or_a_what_if_cap_replace_it() -> None:
    capped = row_of(dosecalc.table("120 kg", "rate-0.35-mg-kg-h"), "rate-0.35-mg-kg-h")
    close(capped.uncapped_rate, 42, "mg/h")  # 0.35 mg/kg/h x 120 kg = 42 mg/h
    close(capped.rate, 25, "mg/h")  # above the card's 25 mg/h cap, so 25 mg/h
    assert capped.cap_binds
    close(capped.rate_per_kg, 25 / 120, "mg/kg/h")  # 25 mg/h / 120 kg = 0.208333 mg/kg/h
    close(capped.total_dose, 100, "mg")  # 25 mg/h x 4 h
    close(capped.course_total_dose, 1000, "mg")  # 100 mg x 10 sessions

    free = dosecalc.table("120 kg", "rate-0.35-mg-kg-h", no_cap=True).rows[0]
    close(free.rate, 42, "mg/h")
    assert not free.cap_binds
    close(free.total_dose, 168, "mg")  # 42 mg/h x 4 h
    close(free.course_total_dose, 1680, "mg")  # 168 mg x 10

    lower = dosecalc.table("120 kg", "rate-0.35-mg-kg-h", max_rate="30 mg/h").rows[0]
    close(lower.rate, 30, "mg/h")  # min(42, 30)
    assert lower.cap_binds
    higher = dosecalc.table("120 kg", "rate-0.35-mg-kg-h", max_rate="50 mg/h").rows[0]
    close(higher.rate, 42, "mg/h")  # min(42, 50)
    assert not higher.cap_binds


def test_what_if_duration_and_sessions_on_a_fixed_rate() -> None:
    row = dosecalc.table("70 kg", "rate-22-mg-h", duration="96 h", sessions=2).rows[0]
    close(row.rate, 22, "mg/h")
    close(row.rate_per_kg, 22 / 70, "mg/kg/h")  # 22 mg/h / 70 kg = 0.3142857 mg/kg/h
    close(row.duration, 96, "h")
    close(row.total_dose, 2112, "mg")  # 22 mg/h x 96 h
    close(row.total_dose_per_kg, 2112 / 70, "mg/kg")  # 30.171428 mg/kg
    close(row.course_total_dose, 4224, "mg")  # 2112 mg x 2 sessions
    assert row.sessions == 2


def test_fixed_total_uses_the_documented_preparation_unless_a_concentration_is_given() -> None:
    documented = dosecalc.table("70 kg", "total-80-mg-5-h").rows[0]
    close(documented.rate, 16, "mg/h")  # 80 mg / 5 h
    close(documented.concentration, 0.16, "mg/mL")  # 80 mg / 500 mL
    close(documented.pump_rate, 100, "mL/h")  # 16 mg/h / 0.16 mg/mL
    close(documented.volume, 500, "mL")  # 80 mg / 0.16 mg/mL
    close(documented.course_total_dose, 560, "mg")  # 80 mg x 7 sessions
    given = dosecalc.table("70 kg", "total-80-mg-5-h", concentration="2 mg/mL").rows[0]
    close(given.pump_rate, 8, "mL/h")  # 16 mg/h / 2 mg/mL
    close(given.volume, 40, "mL")  # 80 mg / 2 mg/mL
    longer = dosecalc.table("70 kg", "total-80-mg-5-h", duration="8 h").rows[0]
    close(longer.rate, 10, "mg/h")  # 80 mg / 8 h
    close(longer.total_dose, 80, "mg")  # a fixed total stays 80 mg
    close(longer.pump_rate, 62.5, "mL/h")  # 10 mg/h / 0.16 mg/mL


def test_a_longer_duration_than_the_minimum_lowers_the_rate() -> None:
    row = dosecalc.table("70 kg", "initial-80-mg-2-h", duration="3 h", concentration="100 mg in 50 mL").rows[0]
    close(row.rate, 80 / 3, "mg/h")  # 80 mg / 3 h = 26.666667 mg/h
    close(row.total_dose, 80, "mg")
    close(row.pump_rate, 40 / 3, "mL/h")  # 26.666667 mg/h / 2 mg/mL = 13.333333 mL/h
    close(row.volume, 40, "mL")  # 80 mg / 2 mg/mL


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("154 lb", Q_(154, "lb")),
        ("154 lb", "69.85322498 kg"),
        ("154 lb", Q_(KG_154_LB, "kg")),
        ("154 lb", "69853.22498 g"),
        (Q_(154, "lb"), Q_(KG_154_LB * 1000, "g")),
    ],
    ids=["lb-text-vs-lb-quantity", "lb-vs-kg-text", "lb-vs-kg-quantity", "lb-vs-g", "lb-quantity-vs-g-quantity"],
)
def test_the_same_weight_in_other_units_gives_the_same_table(first: Any, second: Any) -> None:
    options = {"concentration": "100 mg in 50 mL", "drop_factor": "20 gtt/mL"}
    a = dosecalc.table(first, **options).rows
    b = dosecalc.table(second, **options).rows
    assert [row.regimen for row in a] == [row.regimen for row in b] == IDS
    for x, y in zip(a, b, strict=True):
        for name in ("weight", "rate", "total_dose", "course_total_dose", "pump_rate", "volume", "drip_rate"):
            assert_quantity_close(getattr(x, name), getattr(y, name), RTOL)


@pytest.mark.parametrize(
    "duration",
    ["90 min", "1.5 h", Q_(90, "min"), Q_(1.5, "h"), "5400 s"],
    ids=["min-text", "h-text", "min-quantity", "h-quantity", "s-text"],
)
def test_the_same_duration_in_other_units_gives_the_same_answer(duration: Any) -> None:
    row = dosecalc.table("70 kg", "rate-22-mg-h", duration=duration, concentration=Q_(2, "mg/mL")).rows[0]
    close(row.duration, 1.5, "h")
    close(row.total_dose, 33, "mg")  # 22 mg/h x 1.5 h
    close(row.volume, 16.5, "mL")  # 33 mg / 2 mg/mL


def test_concentration_as_a_preparation_text_a_rate_text_and_a_quantity_agree() -> None:
    rows = [
        dosecalc.table("70 kg", "rate-22-mg-h", concentration=c).rows[0]
        for c in ("100 mg in 50 mL", "2 mg/mL", Q_(2, "mg/mL"), Q_(2000, "mg/L"))
    ]
    for row in rows:
        close(row.pump_rate, 11, "mL/h")  # 22 mg/h / 2 mg/mL


def test_a_list_of_weights_gives_one_group_per_patient_in_order() -> None:
    result = dosecalc.table(["50 kg", "154 lb", Q_(120, "kg")], "rate-0.35-mg-kg-h")
    assert len(result.patients) == 3
    assert len(result) == 3
    rates = [row.rate for row in result.rows]
    close(rates[0], 17.5, "mg/h")  # 0.35 x 50
    close(rates[1], 24.448628743, "mg/h")  # 0.35 x 69.85322498
    close(rates[2], 25, "mg/h")  # 0.35 x 120 = 42, capped at 25
    document = result.to_dicts()
    assert set(document) == {"disclaimer", "tables"}
    assert document["disclaimer"] == DISCLAIMER
    assert [len(group["rows"]) for group in document["tables"]] == [1, 1, 1]
    given = [group["patient"]["weight_given"] for group in document["tables"]]
    assert given[0] == "50 kg"
    assert given[1] == "154 lb"
    with pytest.raises(ValueError, match="3 patients"):
        result.patient  # noqa: B018 - the property refuses a table of several patients


def test_an_array_quantity_of_weights_is_one_patient_per_element() -> None:
    weights = Q_(np.array([50.0, 70.0, 120.0]), "kg")
    result = dosecalc.table(weights, ["rate-22-mg-h", "rate-0.35-mg-kg-h"])
    assert len(result.patients) == 3
    assert len(result) == 6  # 3 patients x 2 regimens
    weight_based = [row for row in result.rows if row.regimen == "rate-0.35-mg-kg-h"]
    for row, expected in zip(weight_based, [17.5, 24.5, 25.0], strict=True):  # 0.35 x 50, 0.35 x 70, capped
        close(row.rate, expected, "mg/h")
    fixed = [row for row in result.rows if row.regimen == "rate-22-mg-h"]
    for row, kg in zip(fixed, [50, 70, 120], strict=True):
        close(row.rate_per_kg, 22 / kg, "mg/kg/h")  # 22 mg/h / weight


def test_one_weight_gives_the_single_patient_document() -> None:
    document = dosecalc.table("70 kg", "rate-22-mg-h").to_dicts()
    assert set(document) == {"disclaimer", "patient", "rows"}
    assert document["patient"]["weight"] == {"value": 70.0, "unit": "kg"}  # exact: 70 kg typed
    assert document["rows"][0]["rate"] == {"value": 22.0, "unit": "mg/h"}  # exact: the card's 22 mg/h
    assert json.loads(dosecalc.table("70 kg", "rate-22-mg-h").as_text("json")) == document


def test_no_weight_is_the_70_kg_reference_adult() -> None:
    result = dosecalc.table(regimen="rate-0.35-mg-kg-h")
    close(result.rows[0].rate, 24.5, "mg/h")  # 0.35 mg/kg/h x 70 kg
    assert result.to_dicts()["patient"]["reference_adult"] is True


# --------------------------------------------------------------------------------------- DataFrames


def test_table_dataframe_columns_without_a_concentration() -> None:
    frame = dosecalc.table(["70 kg", "120 kg"], ["rate-22-mg-h", "rate-0.35-mg-kg-h"]).to_dataframe()
    assert list(frame.columns) == PLAIN_COLUMNS
    assert list(frame.columns.names) == [None, "unit"]
    assert len(frame) == 4


def test_table_dataframe_columns_with_a_concentration_and_a_drop_factor() -> None:
    frame = dosecalc.table("154 lb", concentration="100 mg in 50 mL", drop_factor="20 gtt/mL").to_dataframe()
    assert list(frame.columns) == PUMP_COLUMNS
    assert list(frame.columns.names) == [None, "unit"]


def test_table_dataframe_holds_plain_floats_equal_to_the_rows() -> None:
    result = dosecalc.table(
        ["154 lb", "120 kg"], list(SEED_IDS), concentration="100 mg in 50 mL", drop_factor="20 gtt/mL", sessions=3
    )
    frame = result.to_dataframe()
    rows = result.rows
    assert len(frame) == len(rows) == 8
    for name, unit in PUMP_COLUMNS:
        if unit == NO_UNIT:
            continue
        assert frame[(name, unit)].dtype == np.float64, name
        for i, row in enumerate(rows):
            # the same float converted to the same unit: an exact round trip, so == is right
            assert frame[(name, unit)].iloc[i] == getattr(row, name).to(unit).magnitude, (name, i)
    assert frame[("regimen", NO_UNIT)].tolist() == [row.regimen for row in rows]
    assert frame[("sessions", NO_UNIT)].tolist() == [3] * 8
    assert frame[("cap_binds", NO_UNIT)].dtype == np.bool_
    # only the weight-based card at 120 kg binds: 0.35 x 120 = 42 > 25 mg/h
    assert frame[("cap_binds", NO_UNIT)].tolist() == [False] * 5 + [True] + [False] * 2
    close(Q_(frame[("rate", "mg/h")].iloc[1], "mg/h"), 24.448628743, "mg/h")  # 0.35 x 69.85322498


def test_pump_columns_are_empty_for_regimens_without_a_concentration() -> None:
    # of the ten built-in cards, only total-80-mg-5-h documents a preparation (80 mg in 500 mL)
    frame = dosecalc.table("70 kg").to_dataframe()
    pump = frame[("pump_rate", "mL/h")].tolist()
    assert [math.isnan(value) for value in pump] == [True, True, False] + [True] * 7
    assert pump[2] == pytest.approx(100, rel=RTOL)  # 16 mg/h / 0.16 mg/mL


@pytest.fixture
def dosecalc_pint_pandas(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """pint-pandas using dosecalc's registry for the test, restored afterwards (dtype cache included, since
    pint-pandas caches its dtypes by unit text whatever the registry)."""
    pint_pandas = pytest.importorskip("pint_pandas")
    monkeypatch.setattr(pint_pandas.PintType, "ureg", dosecalc.ureg)
    monkeypatch.setattr(pint_pandas.PintType, "_cache", {})
    yield pint_pandas


def test_table_dataframe_quantifies_with_pint_pandas_and_round_trips(dosecalc_pint_pandas: ModuleType) -> None:
    result = dosecalc.table(["154 lb", "120 kg"], "rate-0.35-mg-kg-h", concentration="2 mg/mL")
    frame = result.to_dataframe()
    quantified = frame.pint.quantify(level=-1)
    assert isinstance(quantified["rate"].dtype, dosecalc_pint_pandas.PintType)
    rates = quantified["rate"].pint.quantity
    assert isinstance(rates, dosecalc.ureg.Quantity)
    assert_quantity_close(rates[0], Q_(24.448628743, "mg/h"), RTOL)  # 0.35 x 69.85322498 kg
    assert_quantity_close(rates[1], Q_(25, "mg/h"), RTOL)  # capped
    assert_quantity_close(quantified["pump_rate"].pint.quantity[1], Q_(12.5, "mL/h"), RTOL)  # 25 / 2
    assert quantified["regimen"].tolist() == ["rate-0.35-mg-kg-h"] * 2
    back = quantified.pint.dequantify()
    for name, unit in frame.columns:
        if unit == NO_UNIT:
            assert back[name].iloc[:, 0].tolist() == frame[(name, unit)].tolist(), name
        else:
            # dequantify spells the unit out ("milligram / hour"); the values come back in that same unit
            values = back[name].iloc[:, 0].to_numpy(dtype=float)
            expected = frame[(name, unit)].to_numpy(dtype=float)
            assert (values == expected).all(), name  # exact round trip of the same floats
            (spelled,) = back[name].columns
            assert dosecalc.ureg.Unit(spelled) == dosecalc.ureg.Unit(unit), (name, spelled)


def test_schedule_dataframe(dosecalc_pint_pandas: ModuleType) -> None:
    result = dosecalc.schedule("initial-80-mg-2-h", "70 kg", step="30 min", concentration="2 mg/mL")
    frame = result.to_dataframe()
    assert list(frame.columns) == [
        ("time", "h"),
        ("rate", "mg/h"),
        ("step_dose", "mg"),
        ("cumulative_dose", "mg"),
        ("cumulative_dose_per_kg", "mg/kg"),
        ("pump_rate", "mL/h"),
        ("cumulative_volume", "mL"),
    ]
    assert all(dtype == np.float64 for dtype in frame.dtypes)
    # 80 mg / 2 h = 40 mg/h; rows every 0.5 h; 40 mg/h x t; / 70 kg; 40 mg/h / 2 mg/mL = 20 mL/h; dose / 2 mg/mL
    times = [0, 0.5, 1, 1.5, 2]
    assert frame[("time", "h")].tolist() == pytest.approx(times, rel=RTOL)
    assert frame[("rate", "mg/h")].tolist() == pytest.approx([40] * 5, rel=RTOL)
    assert frame[("step_dose", "mg")].tolist() == pytest.approx([0, 20, 20, 20, 20], rel=RTOL)
    assert frame[("cumulative_dose", "mg")].tolist() == pytest.approx([40 * t for t in times], rel=RTOL)
    assert frame[("cumulative_dose_per_kg", "mg/kg")].tolist() == pytest.approx([40 * t / 70 for t in times])
    assert frame[("pump_rate", "mL/h")].tolist() == pytest.approx([20] * 5, rel=RTOL)
    assert frame[("cumulative_volume", "mL")].tolist() == pytest.approx([20 * t for t in times], rel=RTOL)
    # the frame holds the schedule's own arrays
    assert frame[("cumulative_dose", "mg")].tolist() == result.cumulative_dose.to("mg").magnitude.tolist()
    quantified = frame.pint.quantify(level=-1)
    assert_quantity_close(quantified["cumulative_volume"].pint.quantity[-1], Q_(40, "mL"), RTOL)


def test_schedule_without_a_concentration_has_no_pump_columns() -> None:
    frame = dosecalc.schedule("rate-22-mg-h", "154 lb", step="45 min").to_dataframe()
    assert [name for name, _ in frame.columns] == [
        "time",
        "rate",
        "step_dose",
        "cumulative_dose",
        "cumulative_dose_per_kg",
    ]
    # rows at 0, 0.75, 1.5, 2.25, 3, 3.75 h and at the end, 4 h: the last step is 0.25 h x 22 mg/h = 5.5 mg
    assert frame[("time", "h")].tolist() == pytest.approx([0, 0.75, 1.5, 2.25, 3, 3.75, 4], rel=RTOL)
    assert frame[("step_dose", "mg")].iloc[-1] == pytest.approx(5.5, rel=RTOL)
    assert frame[("cumulative_dose_per_kg", "mg/kg")].iloc[-1] == pytest.approx(88 / KG_154_LB, rel=RTOL)


def test_simulation_dataframe(dosecalc_pint_pandas: ModuleType) -> None:
    result = dosecalc.simulate("initial-80-mg-2-h", "70 kg", compare="rate-22-mg-h")
    frame = result.to_dataframe()
    assert list(frame.columns) == [("time", "h"), ("initial-80-mg-2-h", "ng/mL"), ("rate-22-mg-h", "ng/mL")]
    assert all(dtype == np.float64 for dtype in frame.dtypes)
    # default end: 12 h after the longer infusion (4 h) = 16 h; every 5 min = 1/12 h: 16 x 12 + 1 = 193 rows
    assert len(frame) == 193
    assert frame[("time", "h")].tolist() == pytest.approx([k / 12 for k in range(193)], rel=RTOL, abs=1e-12)
    assert frame[("initial-80-mg-2-h", "ng/mL")].iloc[0] == 0  # nothing infused at time 0
    for run_ in result.runs:
        column = frame[(run_.figures.regimen, "ng/mL")].tolist()
        assert column == run_.simulation.concentration.to("ng/mL").magnitude.tolist()  # the same floats
    quantified = frame.pint.quantify(level=-1)
    assert isinstance(quantified["rate-22-mg-h"].pint.quantity, dosecalc.ureg.Quantity)


# --------------------------------------------------------------------------------------- Jupyter display


def test_html_and_markdown_carry_the_disclaimer_and_display_rounding() -> None:
    result = dosecalc.table("154 lb", "rate-0.35-mg-kg-h", concentration="100 mg in 50 mL", drop_factor="20 gtt/mL")
    html = result._repr_html_()
    markdown = result._repr_markdown_()
    # 24.448628743 mg/h -> 24.4; 0.35 mg/kg/h -> 0.35 (leading zero); 4 h -> 4 (no trailing zero);
    # 97.794514972 mg -> 97.8; 1.4 mg/kg; 977.94514972 mg -> 977.9; 2 mg/mL; 12.2243 mL/h -> 12.2;
    # 48.897 mL -> 48.9; 4.0748 gtt/min -> 4 (whole drops)
    expected = ["24.4", "0.35", "4", "97.8", "1.4", "977.9 (10 x)", "2", "12.2", "48.9", "4"]
    for text in (html, markdown):
        assert DISCLAIMER in text
        assert "mL/h" in text and "cc" not in text
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", html)
    assert cells == ["rate-0.35-mg-kg-h", *expected]
    line = next(line for line in markdown.splitlines() if line.startswith("| rate-0.35-mg-kg-h"))
    assert [cell.strip() for cell in line.strip("|").split("|")] == ["rate-0.35-mg-kg-h", *expected]
    for cell in cells + [cell.strip() for cell in line.strip("|").split("|")]:
        assert not cell.startswith("."), cell  # a leading zero always
        assert not re.fullmatch(r"[0-9,]*\.[0-9]*0", cell), cell  # never a trailing zero


def test_thousands_separators_and_volumes_below_one_ml() -> None:
    # 0.35 x 120 kg = 42 mg/h without a cap; x 4 h = 168 mg; x 10 = 1,680 mg
    markdown = dosecalc.table("120 kg", "rate-0.35-mg-kg-h", no_cap=True)._repr_markdown_()
    assert "1,680 (10 x)" in markdown
    # 22 mg/h for 1 min: rate per kg 22 / 70 = 0.3142857 -> 0.314 (3 significant figures); 1/60 h = 0.016667 h
    # -> 0.02 h; dose 22 x 1/60 = 0.366667 mg -> 0.4 mg; per kg 0.366667 / 70 = 0.0052381 -> 0.00524 mg/kg;
    # 1 mg/mL -> 1; pump 22 mL/h; volume 0.366667 mL -> 0.37 (to 0.01 mL below 1 mL, with a leading zero)
    html = dosecalc.table("70 kg", "rate-22-mg-h", duration="1 min", concentration="1 mg/mL")._repr_html_()
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", html)
    assert cells == ["rate-22-mg-h", "22", "0.314", "0.02", "0.4", "0.00524", "0.4 (1 x)", "1", "22", "0.37"]


def test_schedule_and_simulation_html_and_markdown_carry_the_disclaimer() -> None:
    schedule = dosecalc.schedule("rate-22-mg-h", "154 lb", step="45 min")
    simulation = dosecalc.simulate("initial-80-mg-2-h", "70 kg", until="3 h", step="1 h")
    for result in (schedule, simulation, dosecalc.cards(), dosecalc.card("rate-22-mg-h")):
        assert DISCLAIMER in result._repr_html_(), result
        assert DISCLAIMER in result._repr_markdown_(), result
    # 16.5 mg / 69.85322498 kg = 0.23621 mg/kg -> 0.236 (3 significant figures, leading zero)
    assert "| 0:45 | 22 | 16.5 | 16.5 | 0.236 |" in schedule._repr_markdown_()


@pytest.fixture
def odd_card_folder(tmp_path: Path) -> Path:
    """A teacher's card whose title and source carry HTML and an ampersand."""
    folder = tmp_path / "cards"
    folder.mkdir()
    text = GOOD.replace(
        'title = "Teaching example: 1 mg/kg over 1 hour"',
        'title = "Teaching <script>alert(1)</script> & 1 mg/kg"',
    ).replace('says = "1 mg/kg over one hour."', 'says = "1 mg/kg <b>over</b> one hour & more."')
    assert text != GOOD
    (folder / "mine.toml").write_text(text, encoding="utf-8")
    return folder


def test_card_text_is_escaped_in_html(odd_card_folder: Path) -> None:
    listing = dosecalc.cards(odd_card_folder)._repr_html_()
    detail = dosecalc.card("teach-1-mg-kg-1-h", odd_card_folder)._repr_html_()
    for html in (listing, detail):
        assert "<script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 1 mg/kg" in html
        assert DISCLAIMER in html
    assert "<b>" not in detail
    assert "&lt;b&gt;over&lt;/b&gt; one hour &amp; more." in detail


def test_card_text_does_not_become_live_html_in_markdown(odd_card_folder: Path) -> None:
    # Jupyter renders the HTML inside Markdown; CONVENTIONS: card text "never becomes live HTML"
    for result in (dosecalc.cards(odd_card_folder), dosecalc.card("teach-1-mg-kg-1-h", odd_card_folder)):
        markdown = result._repr_markdown_()
        assert "Teaching" in markdown
        lines_with_tag = [
            line for line in markdown.splitlines() if "<script>" in line and not line.startswith("    ")
        ]  # an indented code block shows the text as it is, and is safe
        assert lines_with_tag == [], lines_with_tag


# --------------------------------------------------------------------------------------- errors


def _other_registry_weight() -> Any:
    return pint.UnitRegistry().Quantity(70, "kg")


ERROR_CASES: list[tuple[str, Callable[[], object], str, str]] = [
    (
        "decimal-comma",
        lambda: dosecalc.table("70,5 kg"),
        "weight",
        "'70,5 kg' uses a decimal comma; write 70.5 kg",
    ),
    ("cc", lambda: dosecalc.table("70 kg", concentration="100 mg in 50 cc"), "concentration", "write mL, not cc"),
    ("cc-weight", lambda: dosecalc.table("70 cc"), "weight", "'70 cc' uses 'cc': write mL, not cc"),
    ("expression", lambda: dosecalc.table("9**9**9"), "weight", "'9**9**9' is an expression"),
    ("bare-weight", lambda: dosecalc.table(70), "weight", "70 has no unit; write '70 kg'"),
    ("bare-float-weight", lambda: dosecalc.table(70.5), "weight", "70.5 has no unit; write '70.5 kg'"),
    ("bare-step", lambda: dosecalc.schedule("rate-22-mg-h", step=15), "step", "15 has no unit; write '15 "),
    ("bare-duration", lambda: dosecalc.table("70 kg", duration=4), "duration", "4 has no unit; write '4 h'"),
    (
        "bare-drop-factor",
        lambda: dosecalc.table("70 kg", concentration="2 mg/mL", drop_factor=20),
        "drop_factor",
        "20 has no unit; write '20 gtt/mL'",
    ),
    ("text-without-unit", lambda: dosecalc.schedule("rate-22-mg-h", step="15"), "step", "'15' has no unit"),
    ("rate-as-weight-text", lambda: dosecalc.table("22 mg/h"), "weight", "'22 mg/h' is a mass per time"),
    ("rate-as-weight-quantity", lambda: dosecalc.table(Q_(22, "mg/h")), "weight", "is a mass per time"),
    (
        "mass-as-concentration",
        lambda: dosecalc.table("70 kg", concentration=Q_(2, "mg")),
        "concentration",
        "'2 mg' is a mass; expected a concentration",
    ),
    (
        "other-registry",
        lambda: dosecalc.table(_other_registry_weight()),
        "weight",
        "is a quantity of another pint registry; use dosecalc.Q_ or text",
    ),
    ("unknown-regimen", lambda: dosecalc.table("70 kg", "rate-99-mg-h"), "regimen", "unknown regimen 'rate-99-mg-h'"),
    ("unknown-card", lambda: dosecalc.card("rate-99-mg-h"), "regimen", "unknown regimen 'rate-99-mg-h'"),
    (
        "below-minimum",
        lambda: dosecalc.table("70 kg", "initial-80-mg-2-h", duration="90 min"),
        "duration",
        "1.5 h is shorter than the minimum of 2 h for initial-80-mg-2-h",
    ),
    (
        "drip-without-concentration",
        lambda: dosecalc.table("70 kg", "rate-22-mg-h", drop_factor="20 gtt/mL"),
        "drop_factor",
        "a drip rate needs a concentration",
    ),
    ("sessions-zero", lambda: dosecalc.table("70 kg", sessions=0), "sessions", "0 is not a whole number from 1 to 365"),
    ("sessions-fraction", lambda: dosecalc.table("70 kg", sessions=1.5), "sessions", "expected a whole number"),
    ("empty-weight-list", lambda: dosecalc.table([]), "weight", "give at least one weight"),
    ("cap-and-no-cap", lambda: dosecalc.table(max_rate="25 mg/h", no_cap=True), "no_cap", "choose one"),
    (
        "simulated-sessions-overlap",
        lambda: dosecalc.simulate("rate-22-mg-h", sessions=2, interval="1 h"),
        "interval",
        "sessions cannot overlap",
    ),
    ("exercise-count", lambda: dosecalc.exercises(0), "count", "0 is not a whole number from 1 to 500"),
    ("pound-convention", lambda: dosecalc.exercises(pound="2.3"), "pound", "is not one of exact, 2.2"),
    ("mark-which-sheet", lambda: dosecalc.mark({1: "1"}), "sheet", "which sheet?"),
    ("mark-code-and-seed", lambda: dosecalc.mark({1: "1"}, 3, sheet="x"), "seed", "holds the seed already"),
    ("cohort-not-rows", lambda: dosecalc.cohort(42), "patients", "expected a CSV file, a text stream or rows"),
    ("unknown-format", lambda: dosecalc.table().as_text("xml"), "format", "'xml' is not a format"),
    ("no-cards", lambda: dosecalc.cards(builtin=False), "builtin", "nothing to use"),
]


@pytest.mark.parametrize(
    ("call", "field", "message"),
    [case[1:] for case in ERROR_CASES],
    ids=[case[0] for case in ERROR_CASES],
)
def test_a_mistake_names_the_parameter_and_says_what_to_write(
    call: Callable[[], object], field: str, message: str
) -> None:
    with pytest.raises(DoseCalcError) as caught:
        call()
    error = caught.value
    assert error.field == field, str(error)
    assert message in error.problem, error.problem
    assert str(error) == f"{field}: {error.problem}"
    assert "--" not in str(error), "a library message names no command-line option"
    assert "\n" not in str(error)


def test_errors_are_of_the_documented_classes() -> None:
    with pytest.raises(dosecalc.QuantityError):
        dosecalc.table("70,5 kg")
    with pytest.raises(dosecalc.RegimenError):
        dosecalc.table("70 kg", "rate-99-mg-h")
    with pytest.raises(dosecalc.RegimenError):
        dosecalc.table("70 kg", "initial-80-mg-2-h", duration="1 h")
    assert issubclass(dosecalc.CardError, DoseCalcError)
    assert issubclass(DoseCalcError, ValueError)


@pytest.mark.parametrize(
    ("replace", "by"),
    [
        ('total_dose_per_kg = "1 mg/kg"', 'total_dose_per_kg = "1,5 mg/kg"'),
        ('id = "teach-1-mg-kg-1-h"', 'id = "rate-22-mg-h"'),
    ],
    ids=["card-decimal-comma", "card-duplicate-id"],
)
def test_a_broken_card_is_a_card_error_without_option_names(tmp_path: Path, replace: str, by: str) -> None:
    assert replace in GOOD
    (tmp_path / "bad.toml").write_text(GOOD.replace(replace, by), encoding="utf-8")
    with pytest.raises(dosecalc.CardError) as caught:
        dosecalc.cards(tmp_path)
    assert "bad.toml" in str(caught.value)
    assert "--" not in str(caught.value)


def test_a_bare_non_finite_number_is_not_answered_with_text_that_is_refused_too() -> None:
    # "write 'nan kg'" would send the user to text that is refused in turn
    with pytest.raises(DoseCalcError) as caught:
        dosecalc.table(float("nan"))
    assert caught.value.field == "weight"
    assert "'nan kg'" not in caught.value.problem, caught.value.problem


# --------------------------------------------------------------------------------------- the JSON contract


TABLE_CASES: list[tuple[str, list[str], dict[str, Any]]] = [
    ("reference-adult", [], {}),
    (
        "worked-example",
        ["--weight", "154 lb", "--concentration", "100 mg in 50 mL", "--drop-factor", "20 gtt/mL"],
        {"weight": "154 lb", "concentration": "100 mg in 50 mL", "drop_factor": "20 gtt/mL"},
    ),
    (
        "no-cap",
        ["--weight", "120 kg", "--regimen", "rate-0.35-mg-kg-h", "--no-cap"],
        {"weight": "120 kg", "regimen": "rate-0.35-mg-kg-h", "no_cap": True},
    ),
    (
        "max-rate-and-sessions",
        ["-w", "120 kg", "-r", "rate-0.35-mg-kg-h", "--max-rate", "30 mg/h", "--sessions", "3"],
        {"weight": "120 kg", "regimen": "rate-0.35-mg-kg-h", "max_rate": "30 mg/h", "sessions": 3},
    ),
    (
        "two-regimens-duration-concentration",
        ["-w", "70 kg", "-r", "rate-22-mg-h", "-r", "initial-80-mg-2-h", "--duration", "3 h", "-c", "2 mg/mL"],
        {
            "weight": "70 kg",
            "regimen": ["rate-22-mg-h", "initial-80-mg-2-h"],
            "duration": "3 h",
            "concentration": "2 mg/mL",
        },
    ),
    ("explain", ["--weight", "154 lb", "--explain"], {"weight": "154 lb", "explain": True}),
]


@pytest.mark.parametrize(("args", "kwargs"), [c[1:] for c in TABLE_CASES], ids=[c[0] for c in TABLE_CASES])
def test_cli_table_json_is_to_dicts(args: list[str], kwargs: dict[str, Any]) -> None:
    result = run("table", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    # JSON floats round-trip exactly, so the parsed document equals the dicts
    assert json.loads(result.stdout) == dosecalc.table(**kwargs).to_dicts()


def test_cli_table_json_with_a_teachers_folder_is_to_dicts(card_folder: Path) -> None:
    result = run("table", "--weight", "80 kg", "--regimens-dir", str(card_folder), "--format", "json")
    assert result.exit_code == 0, result.output
    document = dosecalc.table("80 kg", regimens_dir=card_folder).to_dicts()
    assert json.loads(result.stdout) == document
    assert [row["regimen"] for row in document["rows"]] == [*IDS, "teach-1-mg-kg-1-h"]


@pytest.mark.parametrize(
    ("args", "regimen", "kwargs"),
    [
        (
            ["--weight", "70 kg", "--step", "45 min", "-c", "2 mg/mL"],
            "initial-80-mg-2-h",
            {"weight": "70 kg", "step": "45 min", "concentration": "2 mg/mL"},
        ),
        (["--weight", "154 lb"], "rate-0.35-mg-kg-h", {"weight": "154 lb"}),
        (["--duration", "3 h", "--explain"], "total-80-mg-5-h", {"duration": "3 h", "explain": True}),
    ],
    ids=["step-and-concentration", "lb-default-step", "duration-explain"],
)
def test_cli_schedule_json_is_to_dicts(args: list[str], regimen: str, kwargs: dict[str, Any]) -> None:
    result = run("schedule", regimen, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == dosecalc.schedule(regimen, **kwargs).to_dicts()


def test_cli_regimens_json_is_cards_to_dicts(card_folder: Path) -> None:
    result = run("regimens", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == dosecalc.cards().to_dicts()
    mine = run("regimens", "--regimens-dir", str(card_folder), "--no-builtin", "--format", "json")
    assert mine.exit_code == 0, mine.output
    document = dosecalc.cards(card_folder, builtin=False).to_dicts()
    assert json.loads(mine.stdout) == document
    assert [card["id"] for card in document["regimens"]] == ["teach-1-mg-kg-1-h"]


def test_cli_simulate_json_is_to_dicts() -> None:
    args = ["--weight", "154 lb", "--sessions", "2", "--until", "30 h", "--step", "15 min"]
    result = run("simulate", "rate-0.35-mg-kg-h", *args, "--compare", "rate-22-mg-h", "--format", "json")
    assert result.exit_code == 0, result.output
    expected = dosecalc.simulate(
        "rate-0.35-mg-kg-h", "154 lb", sessions=2, until="30 h", step="15 min", compare="rate-22-mg-h"
    ).to_dicts()
    assert json.loads(result.stdout) == expected
    assert len(expected["rows"]) == 121  # 0 to 30 h every 0.25 h: 30 x 4 + 1


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        (["--count", "8", "--seed", "2024", "--answers"], {"count": 8, "seed": 2024, "key": True}),
        (["--count", "5", "--seed", "7"], {"count": 5, "seed": 7}),
        (
            ["-n", "6", "--seed", "3", "--level", "3", "--pound", "2.2", "--pump-rounding", "1", "--answers"],
            {"count": 6, "seed": 3, "level": 3, "pound": "2.2", "pump_rounding": "1", "key": True},
        ),
    ],
    ids=["answer-key", "worksheet", "level-3-course-conventions"],
)
def test_cli_exercises_json_is_to_dicts(args: list[str], kwargs: dict[str, Any]) -> None:
    result = run("exercises", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == dosecalc.exercises(**kwargs).to_dicts()


# --------------------------------------------------------------------------------------- cohorts


COHORT_ROWS = [("p1", "70 kg"), ("p2", "154 lb"), ("p3", "70,5 kg"), ("p4", Q_(120, "kg"))]


def _check_cohort(result: dosecalc.CohortTable, refused: list[Any]) -> None:
    frame = result.to_dataframe()
    assert frame[("id", NO_UNIT)].tolist() == ["p1", "p2", "p4"]
    assert frame[("regimen", NO_UNIT)].tolist() == ["rate-0.35-mg-kg-h"] * 3
    # 0.35 x 70 = 24.5; 0.35 x 69.85322498 = 24.448628743; 0.35 x 120 = 42, capped at 25 mg/h
    assert frame[("rate", "mg/h")].tolist() == pytest.approx([24.5, 24.448628743, 25], rel=RTOL)
    assert frame[("cap_binds", NO_UNIT)].tolist() == [False, False, True]
    # the same figures as table() for the same weights
    same = dosecalc.table(["70 kg", "154 lb", Q_(120, "kg")], "rate-0.35-mg-kg-h").to_dataframe()
    for column in frame.columns:
        if column[1] != NO_UNIT:
            assert frame[column].tolist() == pytest.approx(same[column].tolist(), rel=1e-12), column
    (bad,) = result.refused
    assert refused == [bad]  # on_bad saw it as it was found
    assert bad.row == 4  # the header is row 1, as in a spreadsheet
    assert bad.id == "p3"
    assert bad.field == "weight"
    assert "'70,5 kg' uses a decimal comma; write 70.5 kg" in bad.reason
    assert (result.tally.patients, result.tally.computed, result.tally.refused) == (4, 3, 1)


def test_cohort_from_rows_reports_the_refused_row_and_matches_table() -> None:
    refused: list[Any] = []
    result = dosecalc.cohort(COHORT_ROWS, "rate-0.35-mg-kg-h", on_bad=refused.append)
    _check_cohort(result, refused)


def test_cohort_from_mappings_matches_table() -> None:
    refused: list[Any] = []
    rows = [{"id": ident, "weight": weight} for ident, weight in COHORT_ROWS]
    result = dosecalc.cohort(rows, "rate-0.35-mg-kg-h", on_bad=refused.append)
    _check_cohort(result, refused)


def test_cohort_from_a_csv_file_matches_table(tmp_path: Path) -> None:
    path = tmp_path / "class.csv"
    path.write_text('id,weight\np1,70 kg\np2,154 lb\np3,"70,5 kg"\np4,120 kg\n', encoding="utf-8")
    refused: list[Any] = []
    _check_cohort(dosecalc.cohort(path, "rate-0.35-mg-kg-h", on_bad=refused.append), refused)


def test_cohort_with_a_concentration_has_pump_figures() -> None:
    frame = dosecalc.cohort(
        [("a", "50 kg"), ("b", "100 kg")], "rate-0.35-mg-kg-h", concentration="2 mg/mL"
    ).to_dataframe()
    # 0.35 x 50 = 17.5 mg/h / 2 mg/mL = 8.75 mL/h; 100 kg: 35 capped at 25 mg/h -> 12.5 mL/h
    assert frame[("pump_rate", "mL/h")].tolist() == pytest.approx([8.75, 12.5], rel=RTOL)
    assert frame[("volume", "mL")].tolist() == pytest.approx([35, 50], rel=RTOL)  # x 4 h / 2 mg/mL


# --------------------------------------------------------------------------------------- teaching


def test_exercises_are_reproducible_for_a_seed() -> None:
    first = dosecalc.exercises(count=6, seed=11, key=True)
    again = dosecalc.exercises(count=6, seed=11, key=True)
    assert first.to_dicts() == again.to_dicts()
    assert first.as_text("markdown") == again.as_text("markdown")
    # problem N is the same for any count
    assert dosecalc.exercises(count=3, seed=11).problems == first.problems[:3]
    other = dosecalc.exercises(count=6, seed=12, key=True)
    assert [p.question for p in other] != [p.question for p in first]
    assert [p.level for p in first] == [1, 2, 3, 1, 2, 3]  # levels in turn by default
    assert "answer" not in dosecalc.exercises(count=2, seed=11).to_dicts()["problems"][0]


def test_mark_with_a_mapping() -> None:
    key = dosecalc.exercises(count=4, seed=5)
    answers = {
        1: repr(key[0].exact),  # a more precise answer also scores
        2: f"{key[1].answer} {key[1].unit}",  # with the unit asked
        3: str(key[2].answer * 2 + 1),  # wrong
    }  # problem 4 unanswered
    marks = dosecalc.mark(answers, seed=5, count=4)
    assert [m.correct for m in marks] == [True, True, False, False]
    assert marks.score == 2
    assert len(marks) == 4
    wrong_unit = "mg" if key[0].unit != "mg" else "mL"
    unit_mark = dosecalc.mark({1: f"{key[0].answer} {wrong_unit}"}, seed=5, count=4)
    only = unit_mark[0]
    assert not only.correct
    assert key[0].unit in only.reason and wrong_unit in only.reason
    assert marks.to_dicts()["score"]["right"] == 2


# --------------------------------------------------------------------------------------- docstring examples


@pytest.mark.parametrize("module", [dosecalc, dosecalc.api, dosecalc.units, dosecalc.columns], ids=lambda m: m.__name__)
def test_docstring_examples_run(module: ModuleType) -> None:
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    output: list[str] = []
    for test in finder.find(module, module.__name__):
        runner.run(test, out=output.append)
    results = runner.summarize(verbose=False)
    assert results.attempted > 0, f"no examples found in {module.__name__}"
    assert results.failed == 0, "".join(output)


def test_pandas_is_the_dataframe_library() -> None:
    assert isinstance(dosecalc.cards().to_dataframe(), pd.DataFrame)
    frame = dosecalc.cards().to_dataframe()
    assert frame[("id", NO_UNIT)].tolist() == IDS
    assert frame[("sessions", NO_UNIT)].tolist() == [1, 10, 7, 1, 1, 1, 1, 1, 1, 1]
    cap = frame[("max_rate", "mg/h")].tolist()
    assert cap[1] == pytest.approx(25, rel=RTOL)  # the card's 25 mg/h
    assert math.isnan(cap[0])


# --------------------------------------------------------------------------------------- found in review


def test_numpy_numbers_are_weights_like_python_numbers() -> None:
    # 0.35 mg/kg/h x 70 kg = 24.5 mg/h, however the 70 is held
    for weight in (Q_(np.int64(70), "kg"), Q_(np.float32(70), "kg"), Q_(70, "kg")):
        close(dosecalc.table(weight, "rate-0.35-mg-kg-h").rows[0].rate, 24.5, "mg/h")
    rows = dosecalc.table(Q_(np.array([50, 70]), "kg"), "rate-0.35-mg-kg-h").rows  # whole numbers, one per patient
    assert [round(float(r.rate.to("mg/h").magnitude), 9) for r in rows] == [17.5, 24.5]  # 0.35 x 50, 0.35 x 70


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"weight": Q_(70, "kg**1.4")}, "weight"),
        ({"weight": "70 kg", "concentration": Q_(2, "mg/mL**1.2")}, "concentration"),
    ],
    ids=["weight-fractional-power", "concentration-fractional-power"],
)
def test_a_unit_raised_to_a_fractional_power_is_refused(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(DoseCalcError) as raised:
        dosecalc.table(**kwargs)
    assert raised.value.field == field
    assert "fractional power" in raised.value.problem


def test_an_unknown_regimen_to_compare_is_reported_against_compare() -> None:
    with pytest.raises(DoseCalcError) as raised:
        dosecalc.simulate("initial-80-mg-2-h", compare="nope")
    assert raised.value.field == "compare"


def test_a_chart_is_written_as_png_or_svg_only(tmp_path: Path) -> None:
    chart = dosecalc.plot("cumulative")
    assert chart.to_bytes("png").startswith(b"\x89PNG")
    for bad in ("pdf", "nope"):
        with pytest.raises(DoseCalcError) as raised:
            chart.to_bytes(bad)
        assert raised.value.field == "format"
    with pytest.raises(DoseCalcError) as refused:
        chart.save(tmp_path / "chart.pdf")
    assert refused.value.field == "path"
    assert list(tmp_path.iterdir()) == []


def test_a_cohort_is_read_once_and_its_frame_is_in_patient_order() -> None:
    result = dosecalc.cohort([("p1", "70 kg"), ("p2", "80 kg")], ["rate-22-mg-h", "initial-80-mg-2-h"])
    frame = result.to_dataframe()
    assert frame[("id", "No Unit")].tolist() == ["p1", "p1", "p2", "p2"]  # as the CSV: patient by patient
    assert frame[("regimen", "No Unit")].tolist() == ["rate-22-mg-h", "initial-80-mg-2-h"] * 2
    # 22 mg/h for both; 80 mg / 2 h = 40 mg/h for both
    assert frame[("rate", "mg/h")].tolist() == [22.0, 40.0, 22.0, 40.0]
    assert frame[("weight", "kg")].tolist() == [70.0, 70.0, 80.0, 80.0]
    with pytest.raises(DoseCalcError, match="read already") as raised:
        result.to_dataframe()
    assert raised.value.field == "patients"


def test_whole_pages_show_in_jupyter_in_a_frame_and_missing_formats_show_nothing() -> None:
    handout = dosecalc.report("70 kg", "rate-22-mg-h")
    assert handout._repr_markdown_() is None  # no Markdown form: Jupyter falls back to the HTML
    shown = handout._repr_html_()
    assert shown is not None and shown.startswith("<iframe srcdoc=") and "<style>" not in shown
    sheet_html = dosecalc.exercises(count=2)._repr_html_()  # inline, as long as its content: no frame to scroll
    assert sheet_html is not None and sheet_html.startswith('<div class="dosecalc-sheets">')
    assert "<iframe" not in sheet_html and "<body" not in sheet_html and "@page" not in sheet_html
    table_html = dosecalc.table("70 kg")._repr_html_()
    assert table_html is not None and table_html.startswith("<div>")  # a fragment stays as it is


def test_worked_steps_reach_the_notebook_html_and_csv_refuses_them() -> None:
    table = dosecalc.table("154 lb", "rate-0.35-mg-kg-h", explain=True)
    page = table.as_text("html")
    assert "Worked steps." in page and "rate: 0.35 mg/kg/h" in page
    with pytest.raises(DoseCalcError) as raised:
        table.as_text("csv")
    assert raised.value.field == "explain"
    assert "Worked steps." in dosecalc.schedule("rate-22-mg-h", explain=True).as_text("html")


def test_marking_reads_text_keys_and_counts_a_blank_as_no_answer() -> None:
    key = dosecalc.exercises(count=2, seed=7).key()
    marks = dosecalc.mark({"1": str(key[0].answer), "2": "  "}, seed=7, count=2)
    assert [(m.status, m.reason) for m in marks] == [("right", "right"), ("no answer", "no answer")]
    unreadable = dosecalc.mark({1: "10,5"}, seed=7, count=2)[0]  # marked unreadable; marking goes on
    assert unreadable.status == "unreadable" and "comma" in unreadable.reason


def test_an_empty_regimen_list_is_refused_not_read_as_every_card() -> None:
    with pytest.raises(DoseCalcError) as raised:
        dosecalc.table("70 kg", [])
    assert raised.value.field == "regimen"


def test_a_weight_given_as_a_quantity_is_kept_at_full_precision_in_json() -> None:
    document = dosecalc.table(Q_(154.3456789, "lb"), "rate-22-mg-h").to_dicts()
    assert document["patient"]["weight_given"] == "154.3456789 lb"


def test_a_dose_unit_for_a_weight_is_named_as_the_mistake() -> None:
    with pytest.raises(DoseCalcError) as raised:
        dosecalc.table("70 mg")
    assert raised.value.problem == "'70 mg' is in mg, a unit for doses; a body weight is in kg, g or lb, e.g. 70 kg"


def _flag_parameters() -> list[tuple[str, str]]:
    """(function, parameter) of every bool parameter of the public operations."""
    import inspect

    found = []
    for name in dosecalc.api.__all__:
        function = getattr(dosecalc.api, name)
        for parameter in inspect.signature(function).parameters.values():
            if parameter.annotation == "bool":
                found.append((name, parameter.name))
    return found


FLAGS = _flag_parameters()


def test_the_flag_parameters_are_found() -> None:
    # table has no_cap, explain and builtin; exercises key; mark partial; new_teacher_key force
    assert {("table", "no_cap"), ("table", "explain"), ("exercises", "key"), ("mark", "partial")} <= set(FLAGS)


@pytest.mark.parametrize("given", ["false", "False", "0", 0, 1, None, "yes"], ids=repr)
@pytest.mark.parametrize(("function", "parameter"), FLAGS, ids=lambda value: str(value))
def test_a_flag_takes_a_bool_and_refuses_anything_read_as_one(function: str, parameter: str, given: object) -> None:
    """``no_cap="false"`` would be true in Python and lift the cap: every bool parameter refuses a non-bool,
    naming itself, before any work is done (so no file is written: new_teacher_key's output is never reached)."""
    with pytest.raises(DoseCalcError) as raised:
        getattr(dosecalc.api, function)(**{parameter: given})
    assert raised.value.field == parameter
    assert "expected True or False" in str(raised.value)


def _method_flags() -> list[tuple[str, str]]:
    """(method, parameter) of every bool parameter of the results' public methods, each method once where it
    is defined (``Result.as_text`` serves every result)."""
    import inspect

    found = set()
    for name in dosecalc.__all__:
        kind = getattr(dosecalc, name)
        if not (isinstance(kind, type) and kind.__module__ == "dosecalc.results"):
            continue
        for method_name, method in inspect.getmembers(kind, inspect.isfunction):
            if not method_name.startswith("_"):
                for parameter in inspect.signature(method).parameters.values():
                    if parameter.annotation == "bool":
                        found.add((method.__qualname__, parameter.name))
    return sorted(found)


METHOD_FLAGS = _method_flags()

#: A result and the arguments before the flag, for each method with a flag.
_CALLS: dict[str, tuple[Callable[[], Any], tuple[Any, ...]]] = {
    "Result.as_text": (lambda: dosecalc.table("70 kg"), ("csv",)),
    "CohortTable.write_csv": (lambda: dosecalc.cohort([("p1", "70 kg")]), (lambda text: None,)),
}


def test_the_results_flag_parameters_are_found() -> None:
    assert {("Result.as_text", "raw_csv"), ("Result.as_text", "color"), ("CohortTable.write_csv", "raw")} <= set(
        METHOD_FLAGS
    )


@pytest.mark.parametrize("given", ["false", 0, 1, None], ids=repr)
@pytest.mark.parametrize(("method", "parameter"), METHOD_FLAGS, ids=str)
def test_a_results_flag_takes_a_bool(method: str, parameter: str, given: object) -> None:
    """``as_text("csv", raw_csv="false")`` would write raw, formula-ready CSV cells: refused, naming the flag."""
    assert method in _CALLS, f"give {method} a result to call it on in _CALLS"
    make, first = _CALLS[method]
    with pytest.raises(DoseCalcError) as raised:
        getattr(make(), method.split(".")[-1])(*first, **{parameter: given})
    assert raised.value.field == parameter and "expected True or False" in str(raised.value)


@pytest.mark.parametrize("width", ["80", 80.0, True, 5, 10**6], ids=repr)
def test_a_table_width_is_a_whole_number_of_columns(width: object) -> None:
    with pytest.raises(DoseCalcError) as raised:
        dosecalc.table("70 kg").as_text("table", width=width)  # type: ignore[arg-type]
    assert raised.value.field == "width" and "whole number of columns from 20 to 10,000" in str(raised.value)


def test_no_cap_false_as_text_never_lifts_the_cap() -> None:
    # 0.35 mg/kg/h x 120 kg = 42 mg/h uncapped; the card's cap is 25 mg/h
    with pytest.raises(DoseCalcError, match="no_cap: expected True or False"):
        dosecalc.table("120 kg", "rate-0.35-mg-kg-h", no_cap="false")
    assert_quantity_close(
        dosecalc.table("120 kg", "rate-0.35-mg-kg-h", no_cap=np.bool_(True)).rows[0].rate, Q_(42, "mg/h")
    )
    assert_quantity_close(dosecalc.table("120 kg", "rate-0.35-mg-kg-h", no_cap=False).rows[0].rate, Q_(25, "mg/h"))


@pytest.mark.parametrize(
    "weights", [["50 kg", None], [None], ("70 kg", "80 kg", None)], ids=["second", "only", "third"]
)
def test_none_inside_a_list_of_weights_is_refused_with_its_position(weights: list[object]) -> None:
    """None alone means the 70 kg reference adult; None inside a list is a missing weight, never the reference."""
    with pytest.raises(DoseCalcError) as raised:
        dosecalc.table(weights)
    assert raised.value.field == "weight"
    assert f"entry {list(weights).index(None) + 1} of the list is None" in str(raised.value)


@pytest.mark.parametrize(
    "number",
    ["²", "٣", "１", "½", "Ⅻ", "1.0", "+1", "0", "501", "9" * 5000],
    ids=["superscript", "arabic-indic", "fullwidth", "fraction", "roman", "decimal", "sign", "zero", "too-big", "huge"],
)
def test_a_problem_number_is_plain_digits_from_1_to_the_most_problems(number: str) -> None:
    """str.isdigit() and int() disagree on Unicode digits ('²'.isdigit() is true, int('²') raises): every
    number read from text is plain ASCII digits, and anything else is refused naming the field, never a crash."""
    with pytest.raises(DoseCalcError) as raised:
        dosecalc.mark({number: "10 mg"}, sheet=dosecalc.exercises(count=3, seed=5).code)
    assert raised.value.field == "answers"
    assert "is not a problem number" in str(raised.value)
    assert len(str(raised.value)) < 200  # a 5,000-digit number is quoted by a prefix


def test_one_problem_given_twice_under_two_spellings_is_refused() -> None:
    code = dosecalc.exercises(count=3, seed=5).code
    with pytest.raises(DoseCalcError, match="problem 1 is answered more than once"):
        dosecalc.mark({"1": "10 mg", "01": "11 mg"}, sheet=code)
    assert dosecalc.mark({" 2 ": "10 mg", 3: "1 mL"}, sheet=code).marks[1].given == "10 mg"  # 2 read as 2


# --------------------------------------------------------------------------------------- what a notebook holds


def test_cohort_reads_a_dataframe_as_its_csv_file() -> None:
    refused: list[Any] = []
    frame = pd.DataFrame({"id": [ident for ident, _ in COHORT_ROWS], "weight": [w for _, w in COHORT_ROWS]})
    _check_cohort(dosecalc.cohort(frame, "rate-0.35-mg-kg-h", on_bad=refused.append), refused)


def test_cohort_reads_a_dataframe_with_plain_numbers_under_weight_kg_and_ids_in_its_index() -> None:
    frame = pd.DataFrame({"id": [7, 8], "weight_kg": [50, 100.5], "class": ["A", "B"]}).set_index("id")
    result = dosecalc.cohort(frame, "rate-0.35-mg-kg-h", keep="class").to_dataframe()
    assert result[("id", NO_UNIT)].tolist() == ["7", "8"]  # read as a file's cells: text
    assert result[("class", NO_UNIT)].tolist() == ["A", "B"]
    # 0.35 mg/kg/h x 50 kg = 17.5 mg/h; x 100.5 kg = 35.175 mg/h, capped at 25 mg/h
    assert result[("rate", "mg/h")].tolist() == pytest.approx([17.5, 25], rel=RTOL)


@pytest.mark.parametrize(
    ("patients", "expected"),
    [
        (pd.DataFrame({"id": [1], "weight": [70]}), "weight column holds plain numbers, which have no unit; name"),
        (pd.DataFrame({"name": ["a"], "kg": ["70 kg"]}), "expected an 'id' column and a 'weight' column"),
        (pd.Series(["70 kg"]), "expected a DataFrame with id and weight columns"),
        ({"id": "a", "weight": "70 kg"}, "expected a DataFrame with id and weight columns"),
        (["70 kg", "80 kg"], "row 1 is the text '70 kg'; give rows of (id, weight)"),
    ],
    ids=["numbers-under-weight", "no-id-column", "series", "one-mapping", "texts"],
)
def test_a_cohort_of_what_it_cannot_read_is_refused_with_what_to_pass(patients: Any, expected: str) -> None:
    """Once a DataFrame's column names were iterated as rows and the table came back empty, without a word."""
    with pytest.raises(DoseCalcError) as raised:
        dosecalc.cohort(patients, "rate-22-mg-h").to_dataframe()
    assert raised.value.field == "patients"
    assert expected in str(raised.value)


@pytest.mark.parametrize(
    "make",
    [
        lambda: pd.Series(["50 kg", "154 lb"]),
        lambda: np.array(["50 kg", "154 lb"]),
        lambda: pd.Series([Q_(50, "kg"), Q_(154, "lb")]),
        lambda: pd.Series([50.0, 154 * 0.45359237], dtype="pint[kg]"),  # made once pint-pandas uses dosecalc's ureg
    ],
    ids=["series-of-texts", "array-of-texts", "series-of-quantities", "pint-pandas-series"],
)
def test_a_series_or_array_of_weights_gives_one_patient_each(
    make: Callable[[], Any], dosecalc_pint_pandas: ModuleType
) -> None:
    rows = dosecalc.table(make(), "rate-0.35-mg-kg-h").rows
    # 0.35 mg/kg/h x 50 kg = 17.5 mg/h; x 69.85322498 kg (154 lb) = 24.448628743 mg/h
    assert [row.rate.to("mg/h").magnitude for row in rows] == pytest.approx([17.5, 24.448628743], rel=RTOL)


@pytest.mark.parametrize(
    ("weights", "hint"),
    [
        (np.array([70, 80]), "is a numpy array of plain numbers, which have no unit; give dosecalc.Q_(array, 'kg')"),
        (pd.Series([70.0]), "give dosecalc.Q_(series.to_numpy(), 'kg')"),
        (np.array([["70 kg"]]), "is a numpy array of 2 dimensions"),
    ],
    ids=["numpy-numbers", "series-numbers", "two-dimensions"],
)
def test_plain_numbers_in_an_array_are_refused_with_the_way_to_give_their_unit(weights: Any, hint: str) -> None:
    with pytest.raises(DoseCalcError) as raised:
        dosecalc.table(weights, "rate-22-mg-h")
    assert raised.value.field == "weight"
    assert hint in str(raised.value)
    # and the way given works: 0.35 mg/kg/h x 70 kg = 24.5 mg/h, x 80 kg = 28 mg/h capped at 25 mg/h
    rates = [r.rate.to("mg/h").magnitude for r in dosecalc.table(Q_(np.array([70, 80]), "kg"), "rate-0.35-mg-kg-h")]
    assert rates == pytest.approx([24.5, 25], rel=RTOL)


@pytest.mark.parametrize(
    "span",
    [
        timedelta(hours=3),
        timedelta(minutes=180),
        pd.Timedelta("3h"),
        np.timedelta64(180, "m"),
    ],
    ids=["timedelta-hours", "timedelta-minutes", "pandas-timedelta", "numpy-timedelta64"],
)
def test_a_timedelta_is_a_time_with_its_unit(span: Any) -> None:
    row = dosecalc.table("70 kg", "rate-22-mg-h", duration=span).rows[0]
    assert_quantity_close(row.duration, Q_(3, "h"), rtol=RTOL)
    assert_quantity_close(row.total_dose, Q_(66, "mg"), rtol=RTOL)  # 22 mg/h x 3 h = 66 mg
    # a step: 80 mg / 2 h = 40 mg/h; rows at 0, 0.5, 1, 1.5, 2 h
    steps = dosecalc.schedule("initial-80-mg-2-h", step=timedelta(minutes=30))
    assert steps.cumulative_dose.to("mg").magnitude.tolist() == pytest.approx([0, 20, 40, 60, 80], rel=RTOL)


def test_a_timedelta_is_checked_as_any_time_is() -> None:
    with pytest.raises(DoseCalcError, match=r"duration: '1 s' is outside the accepted range 1 min to 30 days"):
        dosecalc.table("70 kg", "rate-22-mg-h", duration=timedelta(seconds=1))
    with pytest.raises(DoseCalcError, match=r"weight: '1 h' is a time; expected a body weight"):
        dosecalc.table(timedelta(hours=1))
    with pytest.raises(DoseCalcError, match=r"duration: .*negative"):
        dosecalc.table("70 kg", "rate-22-mg-h", duration=timedelta(hours=-3))


def _answers_sheet() -> tuple[str, list[Any]]:
    sheet = dosecalc.exercises(count=3, seed=7)
    return sheet.code, [problem.answer for problem in sheet.key()]


def test_mark_reads_a_dataframe_of_answers_in_the_long_layout() -> None:
    code, answers = _answers_sheet()
    frame = pd.DataFrame(
        {"student": ["ann", "ann", "bob"], "problem": [1, 2, 1], "answer": [answers[0], "x", answers[0] * 2 + 1]}
    )
    marks = dosecalc.mark(frame, sheet=code)
    assert isinstance(marks, dosecalc.ClassMarks)
    assert [m.student for m in marks] == ["ann", "bob"]
    assert [[m.status for m in student] for student in marks] == [
        ["right", "unreadable", "no answer"],
        ["wrong", "no answer", "no answer"],
    ]


def test_mark_reads_a_dataframe_of_answers_in_the_wide_layout_and_a_blank_is_no_answer() -> None:
    code, answers = _answers_sheet()
    # a blank makes pandas store problem 1's column as floats: 1.0 is read as a spreadsheet writes it
    frame = pd.DataFrame({"student": ["ann", "bob"], 1: [answers[0], np.nan], 2: [str(answers[1]), None]})
    marks = dosecalc.mark(frame, sheet=code)
    assert isinstance(marks, dosecalc.ClassMarks)
    assert [m.score for m in marks] == [2, 0]
    assert [m.status for m in marks[1]] == ["no answer"] * 3


def test_mark_reads_one_students_dataframe_and_a_series() -> None:
    code, answers = _answers_sheet()
    one = dosecalc.mark(pd.DataFrame({"problem": [1, 2], "answer": [answers[0], "1"]}), sheet=code)
    assert isinstance(one, dosecalc.Marks)
    assert [m.status for m in one] == ["right", "wrong", "no answer"]
    series = dosecalc.mark(pd.Series({1: answers[0], 2: np.nan}), sheet=code)
    assert isinstance(series, dosecalc.Marks)
    assert [m.status for m in series] == ["right", "no answer", "no answer"]


def test_mark_refuses_a_dataframe_it_cannot_read_naming_the_layouts() -> None:
    code, _ = _answers_sheet()
    with pytest.raises(DoseCalcError) as raised:
        dosecalc.mark(pd.DataFrame({"name": ["ann"], "mark": [3]}), sheet=code)
    assert raised.value.field == "answers"
    assert "the DataFrame has no header this reads: expected problem,answer" in str(raised.value)
    with pytest.raises(DoseCalcError, match="expected a CSV file, a DataFrame or a mapping"):
        dosecalc.mark([("1", "10 mg")], sheet=code)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------- flat columns


def _csv_header(text: str) -> list[str]:
    return text.splitlines()[0].split(",")


def test_suffix_columns_are_named_as_the_csv_names_them() -> None:
    table = dosecalc.table(["50 kg", "120 kg"], concentration="2 mg/mL", drop_factor="20 gtt/mL")
    flat = table.to_dataframe(units="suffix")
    header = _csv_header(table.as_text("csv"))
    # the CSV's names (it leads with regimen, the frame with weight, as its two-level columns always did)
    assert sorted(flat.columns) == sorted(name for name in header if name != "notes")
    schedule = dosecalc.schedule("rate-22-mg-h", concentration="2 mg/mL", drop_factor="20 gtt/mL")
    assert list(schedule.to_dataframe(units="suffix").columns) == _csv_header(schedule.as_text("csv"))
    simulation = dosecalc.simulate("rate-22-mg-h", compare="initial-80-mg-2-h", until="3 h", step="1 h")
    assert list(simulation.to_dataframe(units="suffix").columns) == _csv_header(simulation.as_text("csv"))
    lines: list[str] = []
    dosecalc.cohort([("a", "70 kg")], concentration="2 mg/mL").write_csv(lines.append)
    cohort = dosecalc.cohort([("a", "70 kg")], concentration="2 mg/mL").to_dataframe(units="suffix")
    assert list(cohort.columns) == _csv_header("".join(lines))


def test_suffix_columns_hold_the_same_figures_and_group_by_regimen() -> None:
    table = dosecalc.table(["50 kg", "120 kg"], ["rate-22-mg-h", "rate-0.35-mg-kg-h"])
    flat = table.to_dataframe(units="suffix")
    levels = table.to_dataframe()
    assert flat.to_numpy().tolist() == levels.to_numpy().tolist()
    # 22 mg/h whatever the weight; 0.35 mg/kg/h x 50 kg = 17.5 mg/h, x 120 kg = 42 capped at 25 mg/h
    means = flat.groupby("regimen")["rate_mg_per_h"].mean()
    assert means["rate-22-mg-h"] == pytest.approx(22, rel=RTOL)
    assert means["rate-0.35-mg-kg-h"] == pytest.approx((17.5 + 25) / 2, rel=RTOL)
    assert flat["weight_kg"].tolist() == pytest.approx([50, 50, 120, 120], rel=RTOL)


def test_results_without_units_have_flat_names_too_and_an_unknown_layout_is_refused() -> None:
    marks = dosecalc.mark({1: "1"}, seed=5, count=2)
    assert list(marks.to_dataframe(units="suffix").columns) == [name for name, _ in marks.to_dataframe().columns]
    with pytest.raises(DoseCalcError) as raised:
        dosecalc.table("70 kg").to_dataframe(units="flat")
    assert raised.value.field == "units"
    assert "expected 'level' (two levels: name, unit) or 'suffix'" in str(raised.value)
    cohort = dosecalc.cohort([("a", "70 kg")])
    with pytest.raises(DoseCalcError):
        cohort.to_dataframe(units="flat")
    assert len(cohort.to_dataframe(units="suffix")) == len(IDS)  # the refusal read nothing: the cohort is whole


# --------------------------------------------------------------------------------------- notebook reprs


def test_a_dose_row_has_a_short_repr_with_its_main_figures_and_units() -> None:
    row = dosecalc.table("120 kg", "rate-0.35-mg-kg-h", concentration="2 mg/mL")[0]
    # 0.35 x 120 = 42 mg/h capped at 25 mg/h; x 4 h = 100 mg; x 10 sessions = 1,000 mg; 25 / 2 = 12.5 mL/h;
    # 100 mg / 2 mg/mL = 50 mL
    assert repr(row) == (
        "DoseFigures(regimen='rate-0.35-mg-kg-h', weight=120 kg, rate=25 mg/h (capped), duration=4 h, "
        "total_dose=100 mg, course_total_dose=1000 mg (10 sessions), pump_rate=12.5 mL/h, volume=50 mL)"
    )
    one = repr(dosecalc.table("70 kg", "rate-22-mg-h")[0])  # 22 mg/h x 4 h = 88 mg, one session
    assert "rate=22 mg/h," in one and "course_total_dose=88 mg (1 session)" in one and "pump" not in one
    assert len(one) < 300


def test_reprs_count_one_row_as_one_row() -> None:
    assert repr(dosecalc.table("70 kg", "rate-22-mg-h")) == "<DoseTable: 1 row for 70 kg>"
    assert repr(dosecalc.table("70 kg", ["rate-22-mg-h", "initial-80-mg-2-h"])) == "<DoseTable: 2 rows for 70 kg>"
    assert repr(dosecalc.exercises(count=1, seed=3)).endswith(": 1 problem>")
    # until 1 h at a 1 h step: rows at 0 and 1 h
    assert repr(dosecalc.simulate("initial-80-mg-2-h", until="1 h", step="1 h")).endswith(", 2 times>")


def test_a_table_for_several_patients_gives_its_notes_once_in_a_notebook() -> None:
    table = dosecalc.table(["50 kg", "70 kg", "120 kg"], "rate-0.35-mg-kg-h")
    one = dosecalc.table("50 kg", "rate-0.35-mg-kg-h")
    note = one.rows[0].plan.card.notes[0].short  # a card note every patient's rows carry
    for shown in (table._repr_markdown_(), table._repr_html_()):
        assert shown is not None
        assert shown.count(note) == 1, shown
        # the cap binds only at 120 kg (0.35 x 120 = 42 > 25 mg/h): that note names the weight
        assert "rate-0.35-mg-kg-h (120 kg): The 25 mg/h cap binds" in shown
    # files and the command line keep each patient's notes under its table
    assert table.as_text("markdown").count(note) == 3


def test_a_long_table_is_cut_in_a_notebook_as_pandas_cuts_it_and_whole_elsewhere() -> None:
    # 0 to 6 h at a 1 min step: 6 x 60 + 1 = 361 rows; shown: the first 5 and the last 5, 351 between
    simulation = dosecalc.simulate("initial-80-mg-2-h", until="6 h", step="1 min")
    assert len(simulation.time) == 361
    html = simulation._repr_html_()
    markdown = simulation._repr_markdown_()
    assert html is not None and markdown is not None
    assert html.count("<tr>") == 1 + 5 + 1 + 5  # the header, the first rows, the gap, the last rows
    assert "... 351 rows ..." in html and "... 351 rows ..." in markdown
    assert "361 rows: the first and last 5 shown here" in markdown
    assert "| 6:00 |" in markdown and "| 0:04 |" in markdown and "| 0:05 |" not in markdown
    assert simulation.as_text("markdown").count("\n| ") == 1 + 361  # a file has every row
    short = dosecalc.simulate("initial-80-mg-2-h", until="1 h", step="1 min")  # 61 rows: more than 60, cut
    assert "... 51 rows ..." in (short._repr_markdown_() or "")
    sixty = dosecalc.schedule("rate-22-mg-h", step="4 min")  # 4 h / 4 min = 60 steps, 61 rows
    assert "rows ..." in (sixty._repr_html_() or "")
    whole = dosecalc.schedule("rate-22-mg-h", step="5 min")  # 4 h / 5 min = 48 steps, 49 rows: all shown
    assert "rows ..." not in (whole._repr_html_() or "")


def test_a_card_shows_as_paragraphs_that_wrap_between_words() -> None:
    html = dosecalc.card("rate-0.35-mg-kg-h")._repr_html_()
    assert html is not None and "<pre>" not in html
    assert "<li>" in html and "white-space:normal" in html
    assert "Rate cap: 25 mg/h" in html


# --------------------------------------------------------------------------------------- every refusal at once


def _refused(call: Callable[[], Any]) -> DoseCalcError:
    with pytest.raises(DoseCalcError) as caught:
        call()
    return caught.value


def test_table_refuses_every_bad_argument_in_one_call() -> None:
    error = _refused(
        lambda: dosecalc.api.table(
            "70,5 kg", duration="abc", concentration="2 mg", sessions=0, max_rate="x", notes="long"
        )
    )
    assert isinstance(error, DoseCalcErrors)
    fields = [one.field for one in error.errors]
    # the order the arguments are checked in, the order the command line stopped at the first of
    assert fields == ["weight", "concentration", "duration", "sessions", "max_rate", "notes"], fields
    problems = [one.problem for one in error.errors]
    assert "uses a decimal comma" in problems[0] and "is a mass" in problems[1] and "'abc'" in problems[2]
    assert problems[3] == "0 is not a whole number from 1 to 365"
    # as one error it is the first refusal, word for word what the weight alone is refused with
    alone = _refused(lambda: dosecalc.api.table("70,5 kg"))
    assert (error.field, error.problem, str(error), error.lines) == (
        alone.field,
        alone.problem,
        str(alone),
        alone.lines,
    )


def test_one_refusal_is_raised_as_it_is() -> None:
    error = _refused(lambda: dosecalc.api.table("70 kg", "no-such-card"))
    assert not isinstance(error, DoseCalcErrors) and error.errors == (error,)
    assert error.field == "regimen"


def test_nothing_is_computed_when_any_argument_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import dosecalc.dosing

    calls: list[object] = []
    real = dosecalc.dosing.calculate
    monkeypatch.setattr(dosecalc.dosing, "calculate", lambda *args, **kw: calls.append(args) or real(*args, **kw))
    # everything right but the notes, which were checked only after the figures before
    _refused(lambda: dosecalc.api.table("70 kg", "rate-22-mg-h", notes="long"))
    _refused(lambda: dosecalc.api.schedule("rate-22-mg-h", "70 kg", notes="long"))
    _refused(lambda: dosecalc.api.simulate("rate-22-mg-h", "70 kg", until="soon"))
    assert calls == []
    dosecalc.api.table("70 kg", "rate-22-mg-h")
    assert len(calls) == 1  # the counter counts


def test_a_drop_factor_is_not_refused_for_want_of_a_concentration_that_was_refused() -> None:
    # rate-22-mg-h documents no preparation: without a concentration a drop factor has nothing to drip
    missing = _refused(lambda: dosecalc.api.table("70 kg", "rate-22-mg-h", drop_factor="20 gtt/mL"))
    assert (missing.field, missing.problem) == ("drop_factor", "a drip rate needs a concentration, such as '2 mg/mL'")
    # a concentration given but unreadable: that is the one refusal, the drop factor is not blamed for it
    error = _refused(lambda: dosecalc.api.table("70 kg", "rate-22-mg-h", concentration="2 mg", drop_factor="20 gtt/mL"))
    assert [one.field for one in error.errors] == ["concentration"]
    # a drop factor unreadable in itself is refused beside the concentration
    both = _refused(lambda: dosecalc.api.table("70 kg", "rate-22-mg-h", concentration="2 mg", drop_factor="20 gtt"))
    assert [one.field for one in both.errors] == ["concentration", "drop_factor"]
    assert "'20 gtt' is drops" in both.errors[1].problem


def test_a_duration_under_the_cards_minimum_is_refused_beside_an_unreadable_weight() -> None:
    error = _refused(lambda: dosecalc.api.table("7 stone", "initial-80-mg-2-h", duration="90 min", sessions=999))
    assert [one.field for one in error.errors] == ["weight", "sessions", "duration"]
    # 90 min = 1.5 h, under the card's 2 h minimum
    assert error.errors[2].problem.startswith("1.5 h is shorter than the minimum of 2 h for initial-80-mg-2-h")


def test_schedule_refuses_a_step_of_too_many_rows_with_the_other_arguments() -> None:
    error = _refused(lambda: dosecalc.api.schedule("rate-22-mg-h", "70,5 kg", step="1 s", concentration="2 mg"))
    assert [one.field for one in error.errors] == ["weight", "concentration", "step"]
    # rate-22-mg-h runs 4 h = 14,400 s: 14,400 steps of 1 s, 14,401 rows
    assert error.errors[2].problem == "gives 14,401 rows for 4 h; the most is 10,000, so choose a larger step"


def test_simulate_and_exercises_refuse_every_bad_argument_in_one_call() -> None:
    run_error = _refused(
        lambda: dosecalc.api.simulate(
            "rate-22-mg-h", "70,5 kg", sessions=99, interval="1 kg", compare="nope", until="x", model="nope"
        )
    )
    fields = [one.field for one in run_error.errors]
    assert fields == ["weight", "sessions", "interval", "compare", "until", "model"], fields
    sheet_error = _refused(lambda: dosecalc.api.exercises(600, -1, level=9, conventions="nosuch", pound="3"))
    fields = [one.field for one in sheet_error.errors]
    assert fields == ["count", "seed", "level", "conventions", "pound"], fields


def test_the_command_line_still_says_the_first_refusal_alone() -> None:
    both = run("table", "--weight", "70,5 kg", "--duration", "abc", "--concentration", "2 mg")
    assert both.exit_code == 2, both.stderr
    assert both.stdout == ""
    assert both.stderr == "error: --weight: '70,5 kg' uses a decimal comma; write 70.5 kg\n"
