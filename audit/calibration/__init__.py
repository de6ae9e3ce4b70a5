"""Calibration by group: does a score mean the same risk for every group?

A classifier's score is *calibrated* when, among the rows that get a score of
about ``s``, a share ``s`` is positive. Calibration can hold overall and fail
for a group: the scores then overstate (or understate) that group's risk, and
one threshold treats the groups differently. This is the quantity at the heart
of the ProPublica–Northpointe dispute over COMPAS: Northpointe showed the score
was calibrated and had equal predictive values (PPV, NPV) across groups,
ProPublica that its error rates (FPR, FNR) were not equal; when base rates
differ, both cannot hold at once (Kleinberg et al., 2016; Chouldechova, 2017).

For each group the analysis gives a reliability curve (binned mean score
against observed rate, Wilson intervals), calibration-in-the-large (mean score
minus observed rate, bootstrap intervals) and, read from the fairness engine
(one owner per number), the ECE, Brier score, PPV and NPV with their intervals.
Everything comes from the fairness engine's count table (score cells of 100
bins), so it costs one pass over the rows.

>>> from audit.calibration import calibration_by_group
>>> res = calibration_by_group(y_true, y_score, sensitive_features=df["sex"])  # doctest: +SKIP
>>> res.by_group; res.curves; res.facts(); res.findings()  # doctest: +SKIP
"""

from __future__ import annotations

from audit.calibration._engine import (  # noqa: F401
    BAD_SCORE_SHAPE,
    BAD_THRESHOLD,
    NO_SCORES,
    calibration_by_group,
    calibration_from_metrics,
    check_threshold,
    positive_scores,
    scored_rows,
    wilson_interval,
)
from audit.calibration._findings import CALIBRATION_GAP, calibration_findings  # noqa: F401
from audit.calibration._result import (  # noqa: F401
    CURVE_COLUMNS,
    FACT_NAMES,
    GROUP_COLUMNS,
    CalibrationResult,
)
from audit.calibration._settings import (  # noqa: F401
    BAD_N_BINS,
    BIN_CHOICES,
    CALIBRATION_OPTIONS,
    check_calibration_options,
    check_n_bins,
)

_api_core = ["calibration_by_group", "calibration_from_metrics", "CalibrationResult"]
_api_findings = ["calibration_findings", "CALIBRATION_GAP", "FACT_NAMES"]
_api_settings = ["check_calibration_options", "check_n_bins", "BIN_CHOICES", "CALIBRATION_OPTIONS"]
_api_helpers = ["positive_scores", "scored_rows", "wilson_interval", "check_threshold"]
_api_constants = [
    "GROUP_COLUMNS",
    "CURVE_COLUMNS",
    "BAD_N_BINS",
    "BAD_SCORE_SHAPE",
    "BAD_THRESHOLD",
    "NO_SCORES",
]

__all__ = _api_core + _api_findings + _api_settings + _api_helpers + _api_constants
