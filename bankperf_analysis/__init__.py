"""bankperf-analysis: trustworthy quarterly performance reports for bank customer service."""

from __future__ import annotations

__version__ = "0.1.0"

from bankperf_analysis.exceptions import (
    BankPerfError,
    BankPerfWarning,
    DataValidationError,
    InsufficientSampleError,
    ParamsError,
    SmallSampleWarning,
)

__all__ = [
    "__version__",
    "BankPerfError",
    "BankPerfWarning",
    "DataValidationError",
    "InsufficientSampleError",
    "ParamsError",
    "SmallSampleWarning",
]
