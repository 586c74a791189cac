"""The data contract, loading and checking a bank's tables, and the demo bank."""

from __future__ import annotations

from bankperf_analysis.dataset.demo import (
    DEMO_HOLIDAYS,
    SCALES,
    DemoScale,
    demo_truth_path,
    make_demo_bank,
)
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
