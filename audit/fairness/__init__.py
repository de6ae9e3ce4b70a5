"""Group fairness metrics computed from per-group counts.

Every standard group metric is a function of a few sufficient statistics per
group: the four (weighted) confusion counts for classification, score
histograms and sums for AUC / Brier / calibration, sums of errors for
regression. So the engine works in two separate steps:

1. :func:`group_counts` encodes the (intersectional) groups to integer codes
   and reduces the rows, in one pass, to a small table with one row per group
   (``np.bincount(code * 4 + 2 * y_true + y_pred, weights=...)``). This is the
   only step that reads the rows; it is a ``GROUP BY`` that a database or a
   cluster can run where the data lives.
2. :func:`group_metrics` (through :func:`metrics_from_counts`) turns that table
   into every metric, difference, ratio and "insufficient evidence" verdict,
   and draws bootstrap replicates as multinomials over the table, so 1,000
   replicates cost O(groups x 1,000), independent of the number of rows.

The results equal fairlearn's ``MetricFrame`` with scikit-learn's metric
functions (see ``zero_division`` for the one documented difference: an
undefined rate is NaN here, 0 there). Metrics that are not functions of
counts go through :func:`custom_group_metrics` (fairlearn's ``MetricFrame``,
the general and slower path), with the same result type.

>>> from audit.fairness import group_metrics
>>> gm = group_metrics(y_true, y_pred, sensitive_features=df[["sex", "race"]])  # doctest: +SKIP
>>> gm.by_group; gm.difference(); gm.ratio(); gm.findings()  # doctest: +SKIP
"""

from __future__ import annotations

from audit.fairness._counts import (  # noqa: F401
    CELLS,
    ECE_BINS,
    SCORE_BINS,
    GroupCounts,
    group_counts,
)
from audit.fairness._custom import custom_group_metrics  # noqa: F401
from audit.fairness._engine import group_metrics, metrics_from_counts  # noqa: F401
from audit.fairness._findings import FINDING_CODES, fairness_findings  # noqa: F401
from audit.fairness._group_metrics import (  # noqa: F401
    VERDICT_INSUFFICIENT,
    VERDICT_OK,
    GroupMetrics,
)
from audit.fairness._groups import MISSING_LABEL  # noqa: F401
from audit.fairness._metrics import (  # noqa: F401
    BINARY_METRICS,
    PER_CLASS_METRICS,
    REGRESSION_METRICS,
    SCORE_METRICS,
)
from audit.fairness._table import (  # noqa: F401
    group_counts_from_table,
    group_metrics_from_table,
)

_api_core = ["group_metrics", "GroupMetrics", "fairness_findings"]
_api_counts = ["group_counts", "GroupCounts", "metrics_from_counts"]
_api_custom = ["custom_group_metrics"]
_api_tables = ["group_metrics_from_table", "group_counts_from_table"]
_api_constants = [
    "BINARY_METRICS",
    "PER_CLASS_METRICS",
    "SCORE_METRICS",
    "REGRESSION_METRICS",
    "CELLS",
    "SCORE_BINS",
    "ECE_BINS",
    "MISSING_LABEL",
    "VERDICT_OK",
    "VERDICT_INSUFFICIENT",
    "FINDING_CODES",
]

__all__ = _api_core + _api_counts + _api_custom + _api_tables + _api_constants
