"""The KPI catalogue is the one declaration of every KPI (issue 13, item 1).

``bankperf_analysis/kpis.py`` declares each KPI once. This file checks that

- no other module or notebook declares a KPI again (an AST scan, rules below);
- the SQL of the metrics engine computes exactly the catalogue's KPIs, no more, no fewer;
- every KPI has English and Chinese names, a unit of the one vocabulary with both displays,
  and a declared accountability, period basis and (for contact KPIs) channel scope;
- the views the package keeps for its callers (``KPI_CATALOGUE``, ``KNOWN_KPIS``, the i18n
  labels, the contract's ``feeds``) are the declaration itself, not copies.

What counts as a second declaration
-----------------------------------
A KPI is *declared* where a literal ties a KPI id to one of its attributes. The scan walks the
AST of every module of the package and every code cell of every notebook and flags:

1. a dict display with a KPI id as a key (or a call with a KPI id as a keyword) whose value
   is an *attribute literal* or a display or call holding one directly;
2. a record: a call, tuple or list whose first element is a KPI id (or a call with a KPI id
   as a keyword value), or a set display holding one, with an attribute literal beside it;
3. a collection display of two or more KPI ids and nothing else (a set of KPIs sharing an
   unnamed attribute, e.g. "these are not binomial", or ``kpi in ("a", "b")``), unless it is
   bound to one of :data:`SELECTIONS` — report layouts that choose which KPIs a section
   shows, not what a KPI is.

An *attribute literal* is a number or bool constant, a string holding Chinese characters, or
a string of the catalogue's own vocabulary: a direction, kind, test, unit id or display,
accountability, period basis, channel, contract table, or a KPI's English name.

A string that names both a KPI and a contract table (``new_customers``, ``risk_incidents``) is
the table in the contract's ``Table(...)`` calls. Records lead with their id, so a list of
column names that merely contains a KPI's name (``"service_level"`` of a staffing plan) is not
one.

SQL that must emit KPI ids by name (``_unpivot("a", [("service_level", "in_sl", "offered",
"offered")])``, the raw-observation filters of the significance tests) is not a declaration:
its other strings are SQL expressions, never an attribute literal, so rules 1 and 2 do not
fire, and its KPI ids never stand two or more alone in one collection. Docstrings are text,
not literals of the AST's containers, so examples are not scanned. The scheme YAML keys its
rules by KPI id but is a bank's parameters validated against the catalogue, not a
declaration; tests build data and are not scanned.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from bankperf_analysis import i18n
from bankperf_analysis.dataset.schema import CONTRACT
from bankperf_analysis.kpis import CHANNELS, KPIS, UNITS
from bankperf_analysis.metrics import KPI_CATALOGUE
from bankperf_analysis.scheme import KNOWN_KPIS

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "bankperf_analysis"
CATALOGUE = PACKAGE / "kpis.py"
#: Names of report layouts: which KPIs a section shows, in which order.
SELECTIONS = frozenset({"TILE_KPIS", "TREND_KPIS"})

_CJK = re.compile(r"[\u3400-\u9fff]")


def _vocabulary() -> frozenset[str]:
    words: set[str] = {"higher", "lower", "rate", "mean", "count", "sum", "ordinal"}
    words |= {"individual", "team", "branch", "month", "quarter", "year"}
    words |= set(CHANNELS) | set(CONTRACT)
    for u in UNITS.values():
        words |= {u.id, u.en, u.symbol_en} - {""}
    words |= {k.en for k in KPIS.values()}
    return frozenset(words)


VOCAB = _vocabulary()
IDS = frozenset(KPIS)


def _is_id(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in IDS


def _is_attribute(node: ast.AST) -> bool:
    if not isinstance(node, ast.Constant) or node.value is None:
        return False
    v = node.value
    if isinstance(v, bool | int | float):
        return True
    return isinstance(v, str) and v not in IDS and (bool(_CJK.search(v)) or v in VOCAB)


def _holds_attribute(node: ast.AST) -> bool:
    """``node`` is an attribute literal, or a display or call with one as a direct element."""
    if _is_attribute(node):
        return True
    if isinstance(node, ast.Dict):
        return any(_is_attribute(v) for v in node.values)
    elts = _elements(node)
    return elts is not None and any(_is_attribute(e) for e in elts)


def _elements(node: ast.AST) -> list[ast.AST] | None:
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return list(node.elts)
    if isinstance(node, ast.Call):
        return [*node.args, *(kw.value for kw in node.keywords)]
    return None


def _record_id(node: ast.AST, elts: list[ast.AST]) -> str | None:
    """The KPI id a record leads with (rule 2), or None."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Table":
        return None  # the contract's tables, some named like a KPI
    if isinstance(node, ast.Set):
        leads = [e for e in elts if _is_id(e)]
    elif isinstance(node, ast.Call):
        leads = [e for e in node.args[:1] if _is_id(e)] + [k.value for k in node.keywords if _is_id(k.value)]
    else:
        leads = [e for e in elts[:1] if _is_id(e)]
    return leads[0].value if leads else None  # type: ignore[attr-defined]


def _selection_nodes(tree: ast.AST) -> set[int]:
    """ids of the collections bound to a name of :data:`SELECTIONS`."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id in SELECTIONS for t in targets):
                out.add(id(node.value))
    return out


def declarations(source: str, where: str = "<source>") -> list[str]:
    """Every place in ``source`` that declares a KPI (rules 1-3 of the module docstring)."""
    tree = ast.parse(source)
    allowed = _selection_nodes(tree)
    found = []
    for node in ast.walk(tree):
        line = f"{where}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if key is not None and _is_id(key) and _holds_attribute(value):
                    found.append(f"{line}: {key.value!r} mapped to attributes")  # type: ignore[attr-defined]
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg in IDS and _holds_attribute(kw.value):
                    found.append(f"{line}: {kw.arg!r} mapped to attributes")
        elts = _elements(node)
        if elts is None:
            continue
        ids = [e for e in elts if _is_id(e)]
        lead = _record_id(node, elts)
        if lead is not None and any(_is_attribute(e) for e in elts):
            found.append(f"{line}: {lead!r} beside attribute literals")
        elif len(ids) >= 2 and len(ids) == len(elts) and not isinstance(node, ast.Call):
            if id(node) not in allowed:
                names = ", ".join(repr(e.value) for e in ids)  # type: ignore[attr-defined]
                found.append(f"{line}: a collection of KPIs ({names}) outside the catalogue")
    return found


def _notebook_source(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    lines = [ln for cell in cells for ln in cell.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    return "\n".join(lines)


def _sources() -> list[tuple[str, str]]:
    out = [
        (str(p.relative_to(ROOT)), p.read_text(encoding="utf-8"))
        for p in sorted(PACKAGE.rglob("*.py"))
        if p != CATALOGUE
    ]
    out += [(str(p.relative_to(ROOT)), _notebook_source(p)) for p in sorted(ROOT.glob("notebooks/*.ipynb"))]
    return out


def test_no_kpi_is_declared_outside_the_catalogue():
    sources = _sources()
    assert len(sources) > 100 and any(w.endswith(".ipynb") for w, _ in sources)
    found = [d for where, text in sources for d in declarations(text, where)]
    assert found == [], "KPIs declared outside bankperf_analysis/kpis.py:\n" + "\n".join(found)


def test_the_catalogue_itself_is_found_by_the_scan():
    # The scan recognises a declaration: run on the catalogue, it finds every KPI.
    found = declarations(CATALOGUE.read_text(encoding="utf-8"))
    named = {re.search(r"'(\w+)'", f).group(1) for f in found}  # type: ignore[union-attr]
    assert named == set(KPIS)


@pytest.mark.parametrize(
    "snippet",
    [
        '_KPIS = {"churn_rate": ("Customer churn rate", "客户流失率")}',  # labels (old i18n)
        'KNOWN = {k.name: k for k in (_k("service_level", "higher", 0, 1, "fraction"),)}',  # old scheme
        '_k("churn_rate", "customer_churn", "rate", "lower", "share", False, "rate", "f")',  # old metrics
        'LEVELS = {"complaint_resolution_score": (1, 2, 3, 4, 5)}',  # an attribute under another name
        '_NOT_BINOMIAL = frozenset({"cash_error_rate", "on_duty_rate"})',  # an unnamed shared attribute
        'digits = 3 if kpi in ("cash_error_rate", "ledger_error_rate") else 1',
        'UNITS = {"service_level": "share", "response_time_seconds": "seconds"}',
        'TABLE = dict(churn_rate="customer_churn")',
        'SCOPE = {"service_level": ["phone", "online"]}',
        'Kpi(name="churn_rate", en="Customer churn rate")',
        'COLS = ("churn_rate", "customer_churn", "lower")',
    ],
)
def test_scan_flags_each_shape_of_declaration(snippet):
    assert declarations(snippet), snippet


@pytest.mark.parametrize(
    "snippet",
    [
        '_unpivot("a", [("service_level", "in_sl", "offered", "offered"), ("abandonment_rate", "a", "o", "o")])',  # noqa: E501
        '_RAW = {"dress_score": _Raw("r.score", "r.aspect = \'dress\'")}',
        'head = {"satisfaction_rate": float(sat.value.iloc[0]) if len(sat) else None}',
        'COLUMNS = ["branch_id", "contacts", "service_level", "hour"]',
        'league_table(kpis, "satisfaction_rate", "2026Q4", level="branch")',
        'Table("new_customers", "New customers won (新客户拓展).", ())',
        'TILE_KPIS = ("satisfaction_rate", "service_level")',
        'label = kpi_label("satisfaction_rate", lang)',
        'if want("churn_rate") and ds.has("customer_churn"): pass',
    ],
)
def test_scan_lets_sql_selections_and_uses_pass(snippet):
    assert declarations(snippet) == []


def test_sql_computes_exactly_the_catalogue(tmp_path):
    """The KPIs the engine's SQL emits are the catalogue's: none more, none fewer.

    Read from the queries themselves (the final frame joins the catalogue, so it would hide
    an extra KPI), then through :func:`compute_kpis`.
    """
    from bankperf_analysis.dataset.demo import make_demo_bank
    from bankperf_analysis.dataset.load import load_dataset
    from bankperf_analysis.metrics import MetricOptions, compute_kpis
    from bankperf_analysis.metrics._base_sql import base_queries, staff_months_sql
    from bankperf_analysis.metrics._special_sql import special_queries
    from bankperf_analysis.metrics.catalogue import LEVELS, PERIOD_TYPES
    from bankperf_analysis.periods import Period

    make_demo_bank(tmp_path, scale="tiny", seed=3)
    p, o = Period.parse("2026"), MetricOptions()
    lo, hi = f"TIMESTAMP '{p.start}'", f"TIMESTAMP '{p.end}'"
    with load_dataset(tmp_path) as ds:
        ds.con.execute(staff_months_sql(lo, hi))
        queries = base_queries(ds, o, lo, hi)
        queries += special_queries(ds, o, lo, hi, LEVELS, PERIOD_TYPES, None)
        emitted = [
            r[0] for q in queries for r in ds.con.execute(f"SELECT DISTINCT kpi FROM ({q})").fetchall()
        ]
        frame = compute_kpis(ds, period="2026")
    assert sorted(emitted) == sorted(KPIS)  # each once: no KPI computed by two queries
    assert set(frame["kpi"].astype(str)) == set(KPIS)
    bank = frame[(frame.level == "bank") & (frame.period == "2026")]
    assert list(bank["kpi"].astype(str)) == list(KPIS)  # in catalogue order


def test_every_kpi_is_fully_declared():
    for k in KPIS.values():
        assert k.en.strip() and _CJK.search(k.zh), k.name
        assert k.unit in UNITS, k.name
        u = UNITS[k.unit]
        assert u.en.strip() and u.zh.strip(), k.unit
        assert k.table in CONTRACT, k.name
        assert k.accountability in ("individual", "team", "branch"), k.name
        assert k.target_period in ("month", "quarter", "year"), k.name
        assert k.min_n == (0 if k.is_count else 1), k.name
        assert k.low < k.high, k.name
        if k.table == "contacts":
            assert k.channels and set(k.channels) <= set(CHANNELS), k.name
        else:
            assert k.channels == (), k.name
        assert i18n.kpi_label(k.name, "en") == k.en and i18n.kpi_label(k.name, "zh") == k.zh


def test_views_are_the_declaration():
    assert KPI_CATALOGUE is KPIS and KNOWN_KPIS is KPIS
    assert i18n.KPI_KEYS == tuple(KPIS)
    for table in CONTRACT.values():
        assert table.feeds == tuple(k for k, d in KPIS.items() if d.table == table.name)
    assert CONTRACT["contacts"].column("channel").allowed == tuple(CHANNELS)


def test_seeded_fields():
    # domain.md corrections: the queue outcomes are the team's, churn's target is annual,
    # cross-sales a monthly target (000: 每月), the counter queue is the branch's.
    assert KPIS["service_level"].accountability == "team"
    assert KPIS["response_time_seconds"].accountability == "team"
    assert KPIS["churn_rate"].target_period == "year"
    assert KPIS["cross_sales_per_month"].target_period == "month"
    assert KPIS["queue_wait_seconds"].channels == ("counter",)
    assert KPIS["queue_wait_seconds"].accountability == "branch"
