"""ThresholdResult: per-group thresholds that equalize a rate, and what each costs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from audit._jsonable import to_jsonable

__all__ = ["BASELINE", "GROUP_TABLE_COLUMNS", "SUMMARY_COLUMNS", "ThresholdResult", "rule_text"]

BASELINE = "single threshold"
"""Name of the reference strategy: the model's own predictions, one threshold for everyone."""
SUMMARY_COLUMNS: tuple[str, ...] = (
    "accuracy",
    "accuracy_change",
    "selection_rate_difference",
    "tpr_difference",
    "fpr_difference",
    "selection_rate_target",
    "tpr_target",
    "fpr_target",
    "n_groups",
)
"""Columns of :attr:`ThresholdResult.summary`."""
GROUP_TABLE_COLUMNS: tuple[str, ...] = (
    "strategy",
    "group",
    "included",
    "threshold",
    "threshold_2",
    "p_threshold_2",
    "p_coin",
    "coin_rate",
    "rule",
    "selection_rate",
    "tpr",
    "fpr",
    "accuracy",
    "accuracy_change",
)
"""Columns of :attr:`ThresholdResult.groups` (indexed by the groups)."""


def _cut(t: float) -> str:
    if t == math.inf:
        return "nobody"
    if t == -math.inf:
        return "everybody"
    return f"score > {t:.4g}"


def rule_text(threshold: float, threshold_2: float, p_2: float, p_coin: float, coin: float) -> str:
    """A group's randomized rule in words, e.g. ``"score > 0.41 (70%) or score > 0.52 (30%)"``."""
    if not math.isfinite(p_2) or p_2 == 0:
        text = _cut(threshold)
    else:
        text = f"{_cut(threshold)} ({1 - p_2:.0%}) or {_cut(threshold_2)} ({p_2:.0%})"
    if math.isfinite(p_coin) and p_coin > 0:
        text += f"; for {p_coin:.0%} of rows instead a coin selecting {coin:.0%}"
    return text


@dataclass(frozen=True, eq=False)
class ThresholdResult:
    """What per-group thresholds would do: a what-if, never applied to the model.

    For each constraint, every included group gets its own threshold on the
    score (or a random choice between two thresholds, and for equalized odds
    possibly a coin) so that the constrained rate is equal across the included
    groups, chosen to maximise accuracy (the method of Hardt, Price and Srebro,
    2016, as :class:`fairlearn.postprocessing.ThresholdOptimizer`). Rates are
    expectations over that randomization.

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per strategy: :data:`BASELINE` (the model's own predictions)
        then each constraint. ``accuracy`` over all rows (groups left out keep
        the model's predictions), ``accuracy_change`` against the baseline,
        the largest between-group ``*_difference`` of selection rate, TPR and
        FPR over the groups with enough evidence for that rate (the fairness
        engine's verdicts), the common rates the constraint imposes
        (``*_target``, NaN where not constrained) and ``n_groups`` included.
        A constraint with fewer than two groups with enough evidence has NaN.
    groups : pandas.DataFrame
        One row per (strategy, group), indexed by the group (the labels of
        :attr:`audit.fairness.GroupMetrics.by_group`): ``strategy``, ``group``
        (readable label), ``included``, ``threshold`` (select when the score is
        above it; ``inf`` selects nobody, ``-inf`` everybody), ``threshold_2``
        and ``p_threshold_2`` (the second threshold and how often it is used),
        ``p_coin`` and ``coin_rate`` (equalized odds: how often the score is
        ignored and a coin selects with that probability), ``rule`` (the same
        in words), the resulting ``selection_rate``, ``tpr``, ``fpr``,
        ``accuracy`` and its ``accuracy_change`` against the baseline.
    curves : pandas.DataFrame
        Trade-off curves: ``strategy``, ``rate`` (the common rate, on a grid
        of [0, 1]) and the overall ``accuracy`` reachable with it.
    insufficient : mapping of str to tuple of str
        Per constraint, the groups left out for lack of evidence.
    constraints : tuple of str
        The constraints computed.
    sensitive_names : tuple of str
        Names of the sensitive features.
    grid_size : int
        Points of the grid the common rate is searched on (besides every
        group's own operating points).
    min_count : int
        Evidence needed for a group to be included.
    """

    summary: pd.DataFrame
    groups: pd.DataFrame
    curves: pd.DataFrame
    insufficient: dict[str, tuple[str, ...]]
    constraints: tuple[str, ...]
    sensitive_names: tuple[str, ...]
    grid_size: int
    min_count: int

    def to_frame(self) -> pd.DataFrame:
        """A copy of :attr:`summary` (one row per strategy)."""
        return self.summary.copy()

    def thresholds(self, constraint: str) -> pd.DataFrame:
        """The rows of :attr:`groups` for one strategy (a constraint or :data:`BASELINE`)."""
        if constraint not in self.summary.index:
            raise KeyError(
                f"Unknown strategy {constraint!r}; available: {', '.join(self.summary.index)}."
            )
        return self.groups[self.groups["strategy"] == constraint]

    def _group_records(self) -> list[dict[str, Any]]:
        names = self.sensitive_names
        finite = self.groups.replace([np.inf, -np.inf], np.nan)
        records = []
        for key, row in zip(finite.index, finite.to_dict(orient="records"), strict=True):
            parts = key if isinstance(key, tuple) else (key,)
            records.append({"key": dict(zip(names, parts, strict=True)), **row})
        return records

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict (NaN and infinite thresholds as None; ``rule`` says which).

        Returns
        -------
        dict
            ``sensitive_features``, ``settings``, ``summary`` (per strategy),
            ``groups`` (records, each with its group's ``key``), ``insufficient``
            and ``curves`` (per strategy, ``rate`` and ``accuracy`` lists).
        """
        curves = {
            name: {
                "rate": part["rate"].to_numpy(dtype=float),
                "accuracy": part["accuracy"].to_numpy(dtype=float),
            }
            for name, part in self.curves.groupby("strategy", sort=False)
        }
        return to_jsonable(
            {
                "sensitive_features": list(self.sensitive_names),
                "settings": {
                    "constraints": list(self.constraints),
                    "grid_size": self.grid_size,
                    "min_count": self.min_count,
                },
                "summary": {
                    str(k): {c: row[c] for c in self.summary.columns}
                    for k, row in self.summary.iterrows()
                },
                "groups": self._group_records(),
                "insufficient": {k: list(v) for k, v in self.insufficient.items()},
                "curves": curves,
            }
        )
