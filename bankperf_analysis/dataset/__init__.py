"""The data contract, loading and checking a bank's tables, and the demo bank."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bankperf_analysis.dataset.load import (
    Dataset,
    DatasetSummary,
    load_dataset,
    validate_dataset,
)
from bankperf_analysis.dataset.schema import (
    CONTRACT,
    ROLES,
    Column,
    RowCheck,
    Table,
    contract_markdown,
    table_names,
)
from bankperf_analysis.dataset.sources import TableSource, find_sources

if TYPE_CHECKING:
    from bankperf_analysis.dataset.demo import (
        DEMO_HOLIDAYS,
        SCALES,
        DemoScale,
        demo_truth_path,
        make_demo_bank,
    )

# The demo generator (its world, posts, queue and pay modules) is imported on first use: every
# command that reads a bank imports this package, and only `demo-data` and the tests make one.
_DEMO_NAMES = frozenset({"DEMO_HOLIDAYS", "SCALES", "DemoScale", "demo_truth_path", "make_demo_bank"})


def __getattr__(name: str) -> Any:
    if name in _DEMO_NAMES:
        from bankperf_analysis.dataset import demo

        return getattr(demo, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Column",
    "Table",
    "RowCheck",
    "CONTRACT",
    "ROLES",
    "contract_markdown",
    "table_names",
    "Dataset",
    "DatasetSummary",
    "TableSource",
    "load_dataset",
    "validate_dataset",
    "find_sources",
    "make_demo_bank",
    "DemoScale",
    "SCALES",
    "demo_truth_path",
    "DEMO_HOLIDAYS",
]
