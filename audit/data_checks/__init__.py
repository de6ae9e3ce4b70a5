"""Data checks: what the data says about its groups, before any model.

A model learns the data it is given. Before its decisions are judged, the data
is checked group by group (each sensitive attribute on its own):

* **representation** — each group's count and share of the rows, and, against
  a reference population the user gives (``{group: share}``), the ratio of the
  observed to the expected share with Pearson's chi-square goodness-of-fit
  test (``scipy.stats.chisquare``); a group below ``Policy.min_group_share`` of
  the rows, or below ``Policy.representation_ratio`` of its reference share, is
  under-represented;
* **label base rates** — the share of positive labels per group, and the ratio
  of the lowest to the highest between groups with ``Policy.min_count`` rows
  (a ``label_imbalance`` warning below ``Policy.ratio_warning``);
* **missing values** per group and feature;
* **features that differ between groups** — numeric: the largest standardized
  mean difference between two groups (difference of means over the square
  root of the mean of their variances, Cohen's d); categorical: Cramér's V
  with the attribute and the largest total variation distance between two
  groups' distributions.

Every statistic is computed for all features at once per attribute (a group-by
over the numeric columns; one contingency table per categorical column), and
rows are counted unweighted: these are checks of the data as collected.

>>> from audit.data_checks import check_data
>>> checks = check_data(df, "income", sensitive_features=["sex", "race"])  # doctest: +SKIP
>>> checks.representation; checks.base_rates; checks.differences  # doctest: +SKIP
"""

from __future__ import annotations

from audit.data_checks._checks import (  # noqa: F401
    Labels,
    build_checks,
    check_data,
    check_data_options,
    context_data_checks,
    data_settings,
)
from audit.data_checks._result import (  # noqa: F401
    BASE_RATE_COLUMNS,
    DIFFERENCE_COLUMNS,
    FIT_COLUMNS,
    IMBALANCE_CODE,
    MISSING_COLUMNS,
    REFERENCE_CODE,
    REPRESENTATION_COLUMNS,
    UNDER_CODE,
    DataChecks,
    data_facts,
    data_findings,
)

_checking = [
    "check_data",
    "context_data_checks",
    "build_checks",
    "data_settings",
    "check_data_options",
    "DataChecks",
]
_judging = ["data_facts", "data_findings", "UNDER_CODE", "REFERENCE_CODE", "IMBALANCE_CODE"]
_constants = [
    "Labels",
    "REPRESENTATION_COLUMNS",
    "FIT_COLUMNS",
    "BASE_RATE_COLUMNS",
    "MISSING_COLUMNS",
    "DIFFERENCE_COLUMNS",
]

__all__ = _checking + _judging + _constants
