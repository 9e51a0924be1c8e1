"""The figures of each result: the attribute that holds one, its canonical unit and its names in each format.

One list per result serves every face: the JSON keys, the CSV column names (unit in the name), the table
headers, the DataFrame's ``(name, unit)`` columns and the cohort's CSV columns all come from here.
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
