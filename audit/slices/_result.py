"""The result of a slice search, its facts and its findings."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from audit._jsonable import frame_to_dict, to_jsonable
from audit.facts import Fact, fact
from audit.findings import Finding
from audit.rules import SLICE_FACTS

__all__ = [
    "FINDING_CODE",
    "MAX_FINDINGS",
    "RECORD_ROWS",
    "SLICE_FACTS",
    "TABLE_COLUMNS",
    "SliceResult",
]

FINDING_CODE = "weak_slice"
"""Code of the finding for a slice significantly worse than the rest by more than the threshold."""
MAX_FINDINGS = 5
"""At most this many slices get a finding (the worst); the table lists every slice tested."""
RECORD_ROWS = 100
"""Rows of the table kept in :meth:`SliceResult.to_dict` (the JSON record): the worst first."""
TABLE_COLUMNS: tuple[str, ...] = (
    "slice",
    "depth",
    "size",
    "metric_n",
    "value",
    "rest",
    "difference",
    "ratio",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "significant",
    "flagged",
)
ANALYZER = "slices"
_METRIC_NAMES = {
    "error_rate": "error rate",
    "fnr": "false negative rate",
    "fpr": "false positive rate",
    "selection_rate": "selection rate",
    "mae": "mean absolute error",
}
_NONE_WORSE = "no slice significantly worse than the rest"
_NONE_TESTED = "no slice with enough rows to test"
_TITLE = "The model is worse on a slice of the data: {slice}"
_MESSAGE = (
    "The {metric} is {value} on the {size:,} rows where {slice}, against {rest} on the other "
    "{rest_size:,} rows (difference {difference:+.3g}, ratio {ratio:.3g}; {ci:.0%} interval "
    "[{low}, {high}]). Benjamini-Hochberg adjusted p = {p:.2g} over the {tested:,} slices "
    "tested (false discovery rate {alpha:.2g}).{more}"
)
_MORE = " {count} slices in all are worse by more than the threshold; the table lists them."


def _num(value: float) -> str:
    return f"{value:.3g}"


@dataclass(frozen=True, eq=False)
class SliceResult:
    """The slices of the data where the model is worst, each tested against the rest.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per slice tested, indexed by ``rank`` (1 = worst), columns
        :data:`TABLE_COLUMNS`: ``slice`` (its conditions, readable:
        ``"age in [60, 90] and region = north"``), ``depth`` (number of
        conditions), ``size`` (rows), ``metric_n`` (rows in the metric's
        denominator — positives for FNR, negatives for FPR — effective
        when weighted), ``value`` and ``rest`` (the metric on the slice and
        on every other row), ``difference`` (``value - rest``), ``ratio``
        (``value / rest``), ``ci_low`` / ``ci_high`` (interval of ``value``),
        ``p_value`` (slice vs rest), ``p_adjusted`` (Benjamini-Hochberg over
        all slices tested), ``significant`` (``p_adjusted < alpha`` and the
        slice is worse than the rest) and ``flagged`` (significant and worse
        by more than ``threshold``: a finding). Significant slices come first,
        the most adverse difference first; then the others, the same way.
    metric : str
        ``error_rate``, ``fnr``, ``fpr``, ``selection_rate`` or ``mae``.
    higher_is_worse : bool
        False for the selection rate (a lower selection rate is adverse).
    overall : float
        The metric on all rows.
    n_rows : int
        Rows searched.
    weighted : bool
        Whether sample weights were given.
    columns : tuple of str
        The columns the slices are made of.
    skipped_columns : dict of str to str
        Columns left out, and why (a single value, values that are not labels).
    max_depth, min_support, min_count, bins, max_levels : int
        The search's settings: at most ``max_depth`` conditions; a slice needs
        ``min_support`` rows (effective rows too when weighted) and
        ``min_count`` effective rows in the metric's denominator, and so does
        the rest; numeric columns cut into ``bins`` quantile bins, other
        columns into their ``max_levels`` most frequent values and "other".
    ci : float
        Level of the intervals.
    alpha : float
        False discovery rate of the Benjamini-Hochberg procedure.
    threshold : float
        A significant slice is flagged when worse than the rest by more than
        this: ``difference > threshold`` for the error rate, FNR and FPR,
        ``-difference > threshold`` for the selection rate, ``ratio > 1 +
        threshold`` for MAE (a relative difference, since MAE has the target's
        units).
    prune : bool
        Whether slices that provably cannot be flagged were pruned.
    n_candidates : int
        Non-empty slices whose every condition was searched (the lattice).
    n_pruned : int
        Conjunctions of levels (of columns whose parents were searched) pruned by
        the bound on their difference, before their rows were counted; some of
        them may hold no row.
    """

    table: pd.DataFrame
    metric: str
    higher_is_worse: bool
    overall: float
    n_rows: int
    weighted: bool
    columns: tuple[str, ...]
    skipped_columns: dict[str, str]
    max_depth: int
    min_support: int
    min_count: int
    bins: int
    max_levels: int
    ci: float
    alpha: float
    threshold: float
    prune: bool
    n_candidates: int
    n_pruned: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    # ------------------------------------------------------------ summaries
    @property
    def n_tested(self) -> int:
        """Number of slices tested: the size of the Benjamini-Hochberg family."""
        return len(self.table)

    @property
    def n_significant(self) -> int:
        """Slices significantly worse than the rest."""
        return int(self.table["significant"].sum())

    @property
    def n_flagged(self) -> int:
        """Slices significantly worse than the rest by more than the threshold."""
        return int(self.table["flagged"].sum())

    @property
    def worst(self) -> pd.Series | None:
        """The worst slice significantly worse than the rest (rank 1), or None."""
        if self.table.empty or not bool(self.table["significant"].iat[0]):
            return None
        return self.table.iloc[0]

    def to_frame(self) -> pd.DataFrame:
        """A copy of :attr:`table`."""
        return self.table.copy()

    def settings(self) -> dict[str, Any]:
        """The search's settings."""
        return {
            "metric": self.metric,
            "max_depth": self.max_depth,
            "min_support": self.min_support,
            "min_count": self.min_count,
            "bins": self.bins,
            "max_levels": self.max_levels,
            "ci": self.ci,
            "alpha": self.alpha,
            "threshold": self.threshold,
            "prune": self.prune,
        }

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON data: settings, counts and the worst :data:`RECORD_ROWS` slices."""
        return to_jsonable(
            {
                "settings": self.settings(),
                "overall": self.overall,
                "higher_is_worse": self.higher_is_worse,
                "n_rows": self.n_rows,
                "weighted": self.weighted,
                "columns": list(self.columns),
                "skipped_columns": dict(sorted(self.skipped_columns.items())),
                "n_candidates": self.n_candidates,
                "n_pruned": self.n_pruned,
                "n_tested": self.n_tested,
                "n_significant": self.n_significant,
                "n_flagged": self.n_flagged,
                "table": frame_to_dict(self.table.head(RECORD_ROWS)),
                "notes": list(self.notes),
            }
        )

    # ------------------------------------------------------------ facts and findings
    def facts(self) -> dict[str, Fact]:
        """``worst_slice.difference``, ``worst_slice.ratio`` and ``slices.tested``.

        The worst slice is the one of rank 1 when it is significantly worse
        than the rest; with none, the difference is 0 and the ratio 1 (no slice
        is shown to differ), and with no slice tested at all both are None
        with "insufficient evidence".
        """
        tested = fact("slices.tested", float(self.n_tested))
        if self.table.empty:
            insufficient = (_NONE_TESTED,)
            return {
                "worst_slice.difference": Fact(
                    "worst_slice.difference", None, insufficient=insufficient
                ),
                "worst_slice.ratio": Fact("worst_slice.ratio", None, insufficient=insufficient),
                "slices.tested": tested,
            }
        worst = self.worst
        if worst is None:
            return {
                "worst_slice.difference": fact("worst_slice.difference", 0.0, groups=_NONE_WORSE),
                "worst_slice.ratio": fact("worst_slice.ratio", 1.0, groups=_NONE_WORSE),
                "slices.tested": tested,
            }
        label = f"{worst['slice']} vs rest"
        return {
            "worst_slice.difference": fact(
                "worst_slice.difference", worst["difference"], groups=label
            ),
            "worst_slice.ratio": fact("worst_slice.ratio", worst["ratio"], groups=label),
            "slices.tested": tested,
        }

    def findings(self) -> list[Finding]:
        """One ``weak_slice`` warning for each of the (at most :data:`MAX_FINDINGS`) worst
        flagged slices."""
        flagged = self.table[self.table["flagged"].to_numpy(dtype=bool)]
        out = []
        for i, (rank, row) in enumerate(flagged.head(MAX_FINDINGS).iterrows()):
            more = _MORE.format(count=len(flagged)) if i == 0 and len(flagged) > 1 else ""
            message = _MESSAGE.format(
                metric=_METRIC_NAMES[self.metric],
                value=_num(row["value"]),
                size=int(row["size"]),
                slice=row["slice"],
                rest=_num(row["rest"]),
                rest_size=self.n_rows - int(row["size"]),
                difference=float(row["difference"]),
                ratio=float(row["ratio"]) if math.isfinite(row["ratio"]) else math.inf,
                ci=self.ci,
                low=_num(row["ci_low"]),
                high=_num(row["ci_high"]),
                p=float(row["p_adjusted"]),
                tested=self.n_tested,
                alpha=self.alpha,
                more=more,
            )
            out.append(
                Finding(
                    code=FINDING_CODE,
                    severity="warning",
                    title=_TITLE.format(slice=row["slice"]),
                    message=message,
                    subject=str(row["slice"]),
                    evidence={
                        "rank": int(rank),
                        "metric": self.metric,
                        "slice": row["slice"],
                        "size": int(row["size"]),
                        "value": float(row["value"]),
                        "rest": float(row["rest"]),
                        "difference": float(row["difference"]),
                        "ratio": float(row["ratio"]),
                        "ci": [float(row["ci_low"]), float(row["ci_high"])],
                        "p_value": float(row["p_value"]),
                        "p_adjusted": float(row["p_adjusted"]),
                        "threshold": self.threshold,
                        "alpha": self.alpha,
                        "tested": self.n_tested,
                    },
                    analyzer=ANALYZER,
                )
            )
        return out
