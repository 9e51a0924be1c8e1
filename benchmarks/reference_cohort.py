"""Plain-Python reference for the cohort benchmark: the csv module, float arithmetic, csv.writer.

Computes the same columns as ``dosecalc cohort`` for the four built-in regimens (and the documented
preparation of total-80-mg-5-h), with the figures written into the code. Used only to time dosecalc.
Usage: python reference_cohort.py PATIENTS.csv OUT.csv
"""

from __future__ import annotations

import csv
import sys

LB = 0.45359237
FACTORS = {"kg": 1.0, "lb": LB, "lbs": LB, "g": 0.001}


def main(source: str, target: str) -> None:
    with open(source, newline="", encoding="utf-8") as fin, open(target, "w", newline="", encoding="utf-8") as fout:
        reader = csv.reader(fin)
        header = next(reader)
        id_col, weight_col = header.index("id"), header.index("weight")
        writer = csv.writer(fout, lineterminator="\n")
        writer.writerow(
            [
                "id",
                "regimen",
                "weight_kg",
                "rate_mg_per_h",
                "rate_mg_per_kg_per_h",
                "duration_h",
                "total_dose_mg",
                "total_dose_mg_per_kg",
                "course_total_dose_mg",
                "pump_rate_ml_per_h",
                "volume_ml",
                "cap_binds",
            ]
        )
        for row in reader:
            number, unit = row[weight_col].split()
            kg = float(number) * FACTORS[unit]
            pid = row[id_col]
            # fixed 22 mg/h for 4 h, 1 session
            writer.writerow([pid, "rate-22-mg-h", kg, 22.0, 22.0 / kg, 4.0, 88.0, 88.0 / kg, 88.0, "", "", "no"])
            # 0.35 mg/kg/h capped at 25 mg/h, 4 h, 10 sessions
            binds = 0.35 * kg > 25.0
            rate = 25.0 if binds else 0.35 * kg
            total = 25.0 * 4.0 if binds else 0.35 * kg * 4.0
            row = [pid, "rate-0.35-mg-kg-h", kg, rate, rate / kg, 4.0, total, total / kg, total * 10, "", ""]
            writer.writerow([*row, "yes" if binds else "no"])
            # 80 mg over 5 h, 7 sessions; documented preparation 80 mg in 500 mL: 100 mL/h, 500 mL
            row = [pid, "total-80-mg-5-h", kg, 16.0, 16.0 / kg, 5.0, 80.0, 80.0 / kg, 560.0, 100.0, 500.0]
            writer.writerow([*row, "no"])
            # 80 mg over 2 h, 1 session
            writer.writerow([pid, "initial-80-mg-2-h", kg, 40.0, 40.0 / kg, 2.0, 80.0, 80.0 / kg, 80.0, "", "", "no"])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
