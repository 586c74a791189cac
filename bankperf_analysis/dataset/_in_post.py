"""Whether activity falls on a day its person was in post, decided inside each table's one scan.

The exact activity check (:func:`~bankperf_analysis.dataset.employment.check_employment`)
joins every dated row naming a staff member with the assignment history, a second scan of
the table (of all 50M contacts at bank scale). Most banks' data are clean, so the table's
one validation scan first asks a cheaper question that can only err on the safe side: is
every row *provably* in post? A person whose assignments form one unbroken span
``[lo, hi)`` (a transfer ends one assignment on the day the next starts) was in post exactly
on the days of that span; the span rides on the foreign key's join to the staff table, so
the question costs two date comparisons per row. A row outside its person's span, a person
with a gap between assignments or with no assignment at all, counts as *not proved*; only
then does the exact check run, and it alone words the problems. A count of zero proves the
exact check would find nothing, so it is skipped.
"""

from __future__ import annotations

from bankperf_analysis.dataset._sql import quote

__all__ = ["history_sql", "create_spans", "drop_spans", "SPANS", "unproved_expr"]

#: The temporary table of each person's one unbroken span in post (persons with a gap have none).
SPANS = "_check_spans"

#: A date after every real one: an open assignment (no end) reaches it.
_FAR = "DATE '9999-12-31'"


def history_sql(has_assignments: bool, prefix: str = "") -> str:
    """SQL of the history: the assignments table, else one assignment per person from staff.

    ``prefix`` is ``"typed_"`` while validating (the typed views), ``""`` after loading.

    Examples
    --------
    >>> history_sql(True, "typed_").split("FROM")[1].split()[0]
    '"typed_assignments"'
    """
    if has_assignments:
        return (
            "SELECT staff_id, branch_id, role, valid_from, valid_to "
            f"FROM {quote(prefix + 'assignments')} WHERE staff_id IS NOT NULL AND valid_from IS NOT NULL"
        )
    return (
        "SELECT staff_id, branch_id, role, hire_date AS valid_from, leave_date AS valid_to "
        f"FROM {quote(prefix + 'staff')} WHERE staff_id IS NOT NULL AND hire_date IS NOT NULL "
        "AND (leave_date IS NULL OR leave_date > hire_date)"
    )


def create_spans(con, has_assignments: bool) -> None:
    """Create :data:`SPANS` (``staff_id, lo, hi``) from the typed history, once per validation.

    The days a person was in post are the union of their half-open assignments
    ``[valid_from, valid_to)`` (no end: :data:`_FAR`); empty ones hold no day. Sorted by
    start, an assignment opens a new island when it starts after every earlier one has
    ended (``reach < valid_from``); a person whose assignments form a single island gets the
    row ``(lo, hi)``, any other person none.
    """
    con.execute(f"""
        CREATE TEMP TABLE IF NOT EXISTS {SPANS} AS
        WITH h AS (
          SELECT staff_id, valid_from AS a, coalesce(valid_to, {_FAR}) AS b
          FROM ({history_sql(has_assignments, "typed_")})
          WHERE valid_to IS NULL OR valid_to > valid_from),
        o AS (
          SELECT staff_id, a, b, max(b) OVER (PARTITION BY staff_id ORDER BY a, b
                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
          FROM h)
        SELECT staff_id, min(a) AS lo, max(b) AS hi FROM o
        GROUP BY staff_id HAVING count(*) FILTER (WHERE reach < a) = 0""")


def drop_spans(con) -> None:
    """Remove :data:`SPANS` (the validation is over)."""
    con.execute(f"DROP TABLE IF EXISTS {SPANS}")


def unproved_expr(staff: str, day: str, alias: str) -> str:
    """SQL aggregate: rows naming a person on a day not proved in post by their span.

    ``staff`` and ``day`` are the typed values of the row; ``alias`` the join carrying
    ``lo`` and ``hi`` of the person's span (NULL when the person has none).

    Examples
    --------
    >>> unproved_expr("s", "d", "j").split(" AND NOT ")[1]
    'coalesce(CAST(d AS DATE) >= j.lo AND CAST(d AS DATE) < j.hi, FALSE))'
    """
    inside = f"CAST({day} AS DATE) >= {alias}.lo AND CAST({day} AS DATE) < {alias}.hi"
    return f"count_if({staff} IS NOT NULL AND {day} IS NOT NULL AND NOT coalesce({inside}, FALSE))"
