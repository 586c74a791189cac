"""The README and docs/ are self-contained: every relative link resolves inside the repository."""

from __future__ import annotations

import re

import pytest
from conftest import REPO

_LINK = re.compile(r"\]\(([^)\s]+)\)")
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_relative_links_resolve_inside_the_repository(page):
    for target in _LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue  # an external URL or an anchor on the same page
        path = (page.parent / target.split("#", 1)[0]).resolve()
        assert path.is_relative_to(REPO), f"{page.name} links outside the repository: {target}"
        assert path.exists(), f"{page.name} links to a missing file: {target}"


def test_domain_reference_names_a_source_for_its_kpis():
    text = (REPO / "docs" / "domain.md").read_text(encoding="utf-8")
    from bankperf_analysis.metrics import KPI_CATALOGUE

    for kpi in KPI_CATALOGUE:
        assert f"`{kpi}`" in text, f"docs/domain.md does not describe {kpi}"
