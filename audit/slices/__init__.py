"""Worst-slice search: where in the data is the model worst?

Group fairness compares the groups of the sensitive attributes someone thought
of. A model can also fail on a slice nobody named: the over-60s of one region,
the part-time workers of one occupation. This package searches every
conjunction of up to ``max_depth`` conditions ``column = value`` /
``column in [a, b]`` over all the columns of the data (SliceLine, Sagadeeva &
Boehm 2021; Giskard's scan and Deepchecks' weak segments do the same), and
tests each slice against the rest of the data:

1. each column is cut once into a few levels (:mod:`audit.slices._levels`):
   numeric columns into quantile bins, other columns into their most
   frequent values and "other", missing values into a level of their own;
2. each combination of columns is one ``np.bincount`` over the rows, the
   fairness engine's fast path with the slices as groups
   (:mod:`audit.slices._counts`), so the search scales like that engine;
3. the lattice of conjunctions is pruned as in SliceLine: a slice whose parent
   is below the minimum support has too few rows, and a slice whose parents'
   counts prove it cannot be worse than the rest by the threshold is not
   searched (:mod:`audit.slices._search`);
4. every slice left with enough rows (``min_support``, and ``min_count``
   effective rows in the metric's denominator, for the slice and the rest) is
   tested against the rest (two-proportion z-test, or Welch's for MAE), with
   a Wilson interval, and all p-values are adjusted together with
   Benjamini-Hochberg (:mod:`audit.slices._stats`); the result says how many
   slices were tested.

A slice is *flagged* (a ``weak_slice`` finding) when it is significantly worse
than the rest (adjusted p below ``alpha``) by more than the threshold
(``Policy.slice_difference`` in an audit). The facts ``worst_slice.difference``,
``worst_slice.ratio`` and ``slices.tested`` are what gates check.

>>> from audit.slices import find_slices
>>> result = find_slices(X_test, y_test, model.predict(X_test))  # doctest: +SKIP
>>> result.table.head(); result.n_tested; result.facts()  # doctest: +SKIP
"""

from __future__ import annotations

from audit.slices._counts import HIGHER_IS_WORSE, METRICS, RATE_METRICS  # noqa: F401
from audit.slices._find import (  # noqa: F401
    NoSliceColumnsError,
    cut_columns,
    find_slices,
    resolve_metric,
    resolve_min_support,
)
from audit.slices._levels import Levels, column_levels  # noqa: F401
from audit.slices._options import (  # noqa: F401
    DEFAULT_BINS,
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_LEVELS,
    MAX_DEPTH_LIMIT,
    MIN_SUPPORT_SHARE,
    OPTIONS,
    check_slice_options,
)
from audit.slices._result import (  # noqa: F401
    FINDING_CODE,
    MAX_FINDINGS,
    RECORD_ROWS,
    SLICE_FACTS,
    TABLE_COLUMNS,
    SliceResult,
)
from audit.slices._stats import bh_adjust  # noqa: F401

_api_search = ["find_slices", "SliceResult", "check_slice_options"]
_api_levels = [
    "NoSliceColumnsError",
    "column_levels",
    "cut_columns",
    "Levels",
    "resolve_metric",
    "resolve_min_support",
]
_api_stats = ["bh_adjust"]
_api_constants = [
    "METRICS",
    "RATE_METRICS",
    "HIGHER_IS_WORSE",
    "OPTIONS",
    "TABLE_COLUMNS",
    "SLICE_FACTS",
    "FINDING_CODE",
    "MAX_FINDINGS",
    "RECORD_ROWS",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_BINS",
    "DEFAULT_MAX_LEVELS",
    "MAX_DEPTH_LIMIT",
    "MIN_SUPPORT_SHARE",
]

__all__ = _api_search + _api_levels + _api_stats + _api_constants
