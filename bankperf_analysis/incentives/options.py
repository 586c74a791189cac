"""The string options of the incentive estimators, as ``Literal`` aliases (style.md §2)."""

from __future__ import annotations

from typing import Literal

__all__ = [
    "AdoptionLevel",
    "Aggregation",
    "Alternative",
    "BasePeriod",
    "ControlGroup",
    "EventEstimator",
    "FixefDof",
    "Lang",
    "RTMMethod",
    "VcovType",
]

AdoptionLevel = Literal["branch", "unit"]
VcovType = Literal["cluster", "iid", "hetero"]
FixefDof = Literal["nested", "full"]
ControlGroup = Literal["notyet", "never"]
BasePeriod = Literal["universal", "varying"]
Aggregation = Literal["overall", "group", "cohort", "event", "calendar"]
EventEstimator = Literal["robust", "twfe", "both"]
RTMMethod = Literal["both", "ancova", "rd"]
Alternative = Literal["two-sided", "larger", "smaller"]
Lang = Literal["en", "zh"]
