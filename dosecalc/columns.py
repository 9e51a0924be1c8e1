"""The figures of each result: the attribute that holds one, its canonical unit and its names in each format.

One list per result serves every face: the JSON keys, the CSV column names (unit in the name), the table
headers, the DataFrame's ``(name, unit)`` columns (or its flat names, as the CSV's) and the cohort's CSV
columns all come from here.
"""

from __future__ import annotations

from typing import NamedTuple


class Column(NamedTuple):
    """One figure of a result: where it lives, its canonical unit, and its names in each format."""

    key: str
    unit: str
    csv: str
    header: str


DOSE_COLUMNS = (
    Column("rate", "mg/h", "rate_mg_per_h", "Rate"),
    Column("rate_per_kg", "mg/kg/h", "rate_mg_per_kg_per_h", "Rate per kg"),
    Column("duration", "h", "duration_h", "Duration"),
    Column("total_dose", "mg", "total_dose_mg", "Dose per session"),
    Column("total_dose_per_kg", "mg/kg", "total_dose_mg_per_kg", "Dose per kg"),
    Column("course_total_dose", "mg", "course_total_dose_mg", "Course total"),
    Column("concentration", "mg/mL", "concentration_mg_per_ml", "Concentration"),
    Column("pump_rate", "mL/h", "pump_rate_ml_per_h", "Pump rate"),
    Column("volume", "mL", "volume_ml", "Volume per session"),
    Column("drip_rate", "gtt/min", "drip_rate_gtt_per_min", "Drip rate"),
)

SCHEDULE_COLUMNS = (
    Column("time", "h", "time_h", "Time"),
    Column("rate", "mg/h", "rate_mg_per_h", "Rate"),
    Column("step_dose", "mg", "step_dose_mg", "Dose in step"),
    Column("cumulative_dose", "mg", "cumulative_dose_mg", "Cumulative dose"),
    Column("cumulative_dose_per_kg", "mg/kg", "cumulative_dose_mg_per_kg", "Cumulative per kg"),
    Column("pump_rate", "mL/h", "pump_rate_ml_per_h", "Pump rate"),
    Column("cumulative_volume", "mL", "cumulative_volume_ml", "Cumulative volume"),
    Column("drip_rate", "gtt/min", "drip_rate_gtt_per_min", "Drip rate"),
)


#: The unit level of a DataFrame column that holds no quantity (pint-pandas' own marker).
NO_UNIT = "No Unit"


def flat_name(name: str, unit: str) -> str:
    """A column's name with its unit in it, as the CSV files write it: a figure's own CSV name
    (``rate_per_kg``, ``mg/kg/h`` -> ``rate_mg_per_kg_per_h``), else the name and its unit (``weight``,
    ``kg`` -> ``weight_kg``); a column without a unit keeps its name.

    >>> flat_name("rate_per_kg", "mg/kg/h"), flat_name("weight", "kg"), flat_name("regimen", NO_UNIT)
    ('rate_mg_per_kg_per_h', 'weight_kg', 'regimen')
    """
    if unit == NO_UNIT:
        return name
    return _CSV_NAMES.get((name, unit)) or f"{name}_{unit.lower().replace('/', '_per_')}"


#: The CSV name of each figure of :data:`DOSE_COLUMNS` and :data:`SCHEDULE_COLUMNS` (``rate_per_kg`` is written
#: ``rate_mg_per_kg_per_h``, its unit once).
_CSV_NAMES = {(c.key, c.unit): c.csv for c in (*DOSE_COLUMNS, *SCHEDULE_COLUMNS)}
