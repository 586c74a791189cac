"""A crafted small bank for the deduction, veto and money tests (issue 13, item 6).

One branch ``B1`` (and ``B2`` for pools), customer-service reps in post the whole of 2026Q4, each
with a satisfied survey and a sale every day and one complaint closed within the hour: without
contacts the rep is scored on satisfaction, cross-sales and complaint handling (55 % of the weight),
all at target, so the composite is exactly 100 unless a person says otherwise below. The tables of
item 6 (``adjustments``, ``complaint_rulings``, and cash errors in ``teller_transactions``) are given
per person, each case at the edge of a rule of the default scheme.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

Q = "2026Q4"
Q_START, Q_END = dt.date(2026, 10, 1), dt.date(2027, 1, 1)
FAR = dt.date(2020, 1, 1)
D1, D2 = dt.date(2026, 10, 10), dt.date(2026, 11, 20)

# staff -> branch; every rep is in post the whole quarter
PEOPLE = {
    "P_CLEAN": "B1",
    "P_DED_AT_CAP": "B1",  # -6 and -4: exactly the cap of 10
    "P_DED_ABOVE_CAP": "B1",  # -6 and -6 = -12: capped at -10
    "P_ADD_ABOVE_CAP": "B1",  # +3 and +4 = +7: capped at +5 (composite 77.27 before)
    "P_COMPLAINT": "B1",  # its complaint ruled effective
    "P_COMPLAINT_NOT": "B1",  # its complaint ruled not effective
    "P_CASH_AT": "B2",  # cash errors of exactly 2,000.00 yuan in the quarter
    "P_CASH_ABOVE": "B2",  # 2,000.01 yuan
}
ADJUSTMENTS = [
    ("P_DED_AT_CAP", D1, -6.0, "late for the morning meeting"),
    ("P_DED_AT_CAP", D2, -4.0, "uniform not worn"),
    ("P_DED_ABOVE_CAP", D1, -6.0, "service rule breached"),
    ("P_DED_ABOVE_CAP", D2, -6.0, "service rule breached again"),
    ("P_ADD_ABOVE_CAP", D1, 3.0, "commendation letter"),
    ("P_ADD_ABOVE_CAP", D2, 4.0, "stopped a fraud"),
]
EFFECTIVE = {"P_COMPLAINT": True, "P_COMPLAINT_NOT": False}
CASH = {"P_CASH_AT": [(D1, 1200.0), (D2, 800.0)], "P_CASH_ABOVE": [(D1, 1200.0), (D2, 800.01)]}


def days() -> list[dt.date]:
    return [Q_START + dt.timedelta(days=i) for i in range((Q_END - Q_START).days)]


def write_bank(folder: Path, *, rulings: bool = True, mystery: dict[str, float] | None = None) -> Path:
    """Write the crafted bank as CSV files into ``folder`` (``mystery``: branch -> check score)."""
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        {"branch_id": ["B1", "B2"], "branch_name": ["One", "Two"], "region": "R", "branch_type": "standard"}
    ).to_csv(folder / "branches.csv", index=False)
    pd.DataFrame(
        [(s, f"name {s}", b, "customer_service_rep", None, FAR, None) for s, b in PEOPLE.items()],
        columns=["staff_id", "staff_name", "branch_id", "role", "counter_type", "hire_date", "leave_date"],
    ).to_csv(folder / "staff.csv", index=False)
    surveys, sales, complaints, tx = [], [], [], []
    for s, b in PEOPLE.items():
        for i, d in enumerate(days()):
            # P_ADD_ABOVE_CAP: 80 % satisfied -> satisfaction score 50 -> composite 77.27
            score = 5 if s == "P_ADD_ABOVE_CAP" and i % 5 == 0 else 9
            surveys.append((f"V{len(surveys):06d}", b, s, d, "on_site", score))
            sales.append((f"X{len(sales):06d}", b, s, d, "fund", 1))
        opened = dt.datetime(2026, 10, 5, 10, 0)
        complaints.append((f"K_{s}", b, s, opened, opened + dt.timedelta(hours=1), 4))
        for d, yuan in CASH.get(s, []):
            tx.append((s, b, d, 40, 500000.0, yuan, 80, 0, 12000.0))
    pd.DataFrame(
        surveys, columns=["survey_id", "branch_id", "staff_id", "survey_date", "channel", "score"]
    ).to_csv(folder / "surveys.csv", index=False)
    pd.DataFrame(
        sales, columns=["sale_id", "branch_id", "staff_id", "sale_date", "product", "quantity"]
    ).to_csv(folder / "sales.csv", index=False)
    pd.DataFrame(
        complaints,
        columns=["complaint_id", "branch_id", "staff_id", "opened_ts", "closed_ts", "resolution_score"],
    ).to_csv(folder / "complaints.csv", index=False)
    pd.DataFrame(
        tx,
        columns=[
            "staff_id",
            "branch_id",
            "work_date",
            "n_transactions",
            "cash_handled_yuan",
            "cash_error_yuan",
            "ledger_entries",
            "ledger_errors",
            "handling_seconds",
        ],
    ).to_csv(folder / "teller_transactions.csv", index=False)
    pd.DataFrame(
        [(f"J{i:03d}", s, d, p, r) for i, (s, d, p, r) in enumerate(ADJUSTMENTS)],
        columns=["adjustment_id", "staff_id", "adjustment_date", "points", "reason"],
    ).to_csv(folder / "adjustments.csv", index=False)
    if mystery:
        pd.DataFrame(
            [(f"M_{b}", b, dt.date(2026, 11, 2), "on_site", score) for b, score in mystery.items()],
            columns=["check_id", "branch_id", "check_date", "method", "score"],
        ).to_csv(folder / "mystery_shopper.csv", index=False)
    if rulings:
        pd.DataFrame(
            [(f"K_{s}", eff, "upheld" if eff else "not upheld") for s, eff in EFFECTIVE.items()],
            columns=["complaint_id", "effective", "ruling"],
        ).to_csv(folder / "complaint_rulings.csv", index=False)
    return folder
