"""The bank's appraisal scheme (params/scheme.yaml): typed, validated, hashed."""

from __future__ import annotations

from bankperf_analysis.scheme._roster import MealBreak, RosterScheme, ShiftTemplate, default_roster
from bankperf_analysis.scheme.kpis import KNOWN_KPIS, KNOWN_ROLES, Direction, KpiInfo
from bankperf_analysis.scheme.model import (
    WEIGHT_TOLERANCE,
    BranchCheck,
    BranchScheme,
    Definitions,
    ExcellentBranch,
    GradeBand,
    KpiRule,
    Money,
    PayCut,
    Promotion,
    RankWithin,
    Review360,
    Reward,
    RoleScheme,
    Scheme,
    ScoringOptions,
    ScoringRule,
    Staffing,
    TrainingTopic,
)
from bankperf_analysis.scheme.parse import default_scheme_path, load_scheme

__all__ = [
    "Direction",
    "ScoringRule",
    "RankWithin",
    "KNOWN_ROLES",
    "KNOWN_KPIS",
    "KpiInfo",
    "Definitions",
    "ScoringOptions",
    "GradeBand",
    "Money",
    "Promotion",
    "KpiRule",
    "Review360",
    "RoleScheme",
    "BranchScheme",
    "Reward",
    "PayCut",
    "ExcellentBranch",
    "BranchCheck",
    "TrainingTopic",
    "Staffing",
    "MealBreak",
    "ShiftTemplate",
    "RosterScheme",
    "default_roster",
    "Scheme",
    "WEIGHT_TOLERANCE",
    "default_scheme_path",
    "load_scheme",
]
