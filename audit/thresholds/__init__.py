"""Threshold trade-offs: per-group thresholds that would equalize a rate, as a what-if.

A binary scorer is usually turned into decisions with one threshold for
everyone. Per-group thresholds (randomized between two where needed) can
equalize the selection rate (demographic parity), the true positive rate
(equal opportunity) or both TPR and FPR (equalized odds; Hardt, Price and
Srebro, 2016), at some cost in accuracy. This package computes, for each of
these constraints, the thresholds that keep the most accuracy, the rates they
give every group and the accuracy they cost against the single threshold: the
numbers of :class:`fairlearn.postprocessing.ThresholdOptimizer`, with sample
weights and without fitting or changing anything. It is never applied to the
model; it shows what each kind of parity would cost.

>>> from audit.thresholds import threshold_tradeoffs
>>> res = threshold_tradeoffs(y_true, y_score, sensitive_features=df["sex"])  # doctest: +SKIP
>>> res.summary; res.thresholds("equalized_odds")  # doctest: +SKIP
"""

from __future__ import annotations

from audit.thresholds._engine import (  # noqa: F401
    NOT_BINARY,
    ROWS_NOT_IN_GROUPS,
    row_codes,
    threshold_tradeoffs,
    tradeoffs_from_rows,
)
from audit.thresholds._result import (  # noqa: F401
    BASELINE,
    GROUP_TABLE_COLUMNS,
    SUMMARY_COLUMNS,
    ThresholdResult,
    rule_text,
)
from audit.thresholds._settings import (  # noqa: F401
    BAD_CONSTRAINTS,
    CONSTRAINTS,
    THRESHOLD_OPTIONS,
    check_constraints,
    check_threshold_options,
)

_api_core = ["threshold_tradeoffs", "tradeoffs_from_rows", "ThresholdResult", "row_codes"]
_api_settings = ["check_threshold_options", "check_constraints", "CONSTRAINTS", "THRESHOLD_OPTIONS"]
_api_constants = [
    "BASELINE",
    "SUMMARY_COLUMNS",
    "GROUP_TABLE_COLUMNS",
    "BAD_CONSTRAINTS",
    "NOT_BINARY",
    "ROWS_NOT_IN_GROUPS",
    "rule_text",
]

__all__ = _api_core + _api_settings + _api_constants
