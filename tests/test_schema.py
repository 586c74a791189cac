"""The data contract: README drift, internal consistency."""

from __future__ import annotations

from conftest import REPO

from bankperf_analysis.dataset._readme import contract_section
from bankperf_analysis.dataset.schema import CONTRACT, ROLES, contract_markdown


def test_readme_contract_table_is_generated_from_schema():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert contract_section(text) == contract_markdown(), (
        "README.md's data contract drifted from schema.py: run "
        "`python -m bankperf_analysis.dataset._readme`")


def test_foreign_keys_point_at_primary_keys():
    for t in CONTRACT.values():
        for c in t.columns:
            if c.references:
                table, col = c.references.split(".")
                assert CONTRACT[table].primary_key == (col,), (t.name, c.name)


def test_keys_and_period_columns_exist():
    for t in CONTRACT.values():
        names = set(t.column_names)
        assert set(t.primary_key) <= names
        assert set(t.period_columns) <= names
        for ck in t.checks:
            assert set(ck.columns) <= names


def test_roles_cover_domain():
    assert {"teller", "customer_manager", "customer_service_rep", "lobby_manager"} <= set(ROLES)


def test_required_tables():
    assert [t.name for t in CONTRACT.values() if t.required] == ["branches", "staff"]


def test_public_api_resolves():
    import bankperf_analysis as b

    for name in b.__all__:
        assert getattr(b, name) is not None, name
