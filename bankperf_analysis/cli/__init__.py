"""The ``bankperf`` command: one module per sub-command."""

from __future__ import annotations

from bankperf_analysis.cli.main import (
    build_parser,
    main,
)

__all__ = [
    "main",
    "build_parser",
]
