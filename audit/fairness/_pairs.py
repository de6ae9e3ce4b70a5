"""The worst pair of groups for one metric: one definition for findings, facts and report."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["reference_position", "worst_pair"]


def reference_position(
    values: np.ndarray, usable: np.ndarray, ref: Any, lower_is_better: bool | str
) -> int | None:
    """Position of the reference group among the ``usable`` positions, or None.

    ``ref`` is a group position or ``"best"`` (the highest value, or the lowest
    when ``lower_is_better``; a metric name may be given instead of the flag).
    A reference group without enough evidence is no reference: None.
    """
    if isinstance(lower_is_better, str):
        from audit.fairness._metrics import LOWER_IS_BETTER

        lower_is_better = lower_is_better in LOWER_IS_BETTER
    idx = np.asarray(usable)
    if idx.size == 0:
        return None
    if ref == "best":
        pick = np.argmin(values[idx]) if lower_is_better else np.argmax(values[idx])
        return int(idx[pick])
    r = int(ref)
    return r if r in idx else None


def worst_pair(
    values: np.ndarray,
    usable: np.ndarray,
    kind: str,
    method: str,
    ref: Any,
    lower_is_better: bool,
) -> tuple[int, int, float] | None:
    """(low-valued group, high-valued group, statistic) of the worst pair, or None.

    The one definition of "the worst pair of groups", read by the findings, the
    facts gates check, and the report. Only positions where ``usable`` holds and
    the value is finite take part; with fewer than two of them there is no pair.

    Parameters
    ----------
    values : numpy.ndarray
        One metric's value per group.
    usable : numpy.ndarray of bool
        Groups with enough evidence for this metric.
    kind : {"difference", "ratio"}
    method : {"between_groups", "to_overall", "to_reference"}
        ``between_groups`` and ``to_overall`` pair the lowest with the highest
        value (on ties, the first lowest and the last highest, so the two
        differ); ``to_reference`` pairs the reference with the group furthest
        from it.
    ref : int, "best" or None
        Reference group position (``to_reference``).
    lower_is_better : bool
        For ``ref="best"``: the best group has the lowest value (error rates).
    """
    idx = np.flatnonzero(usable & np.isfinite(values))
    if idx.size < 2:
        return None
    if method == "between_groups" or method == "to_overall":
        lo = int(idx[np.argmin(values[idx])])
        hi = int(idx[len(idx) - 1 - np.argmax(values[idx][::-1])])  # last max: lo != hi
    else:
        found = reference_position(values, idx, ref, lower_is_better)
        if found is None:
            return None
        r = found
        others = idx[idx != r]
        if kind == "ratio":
            with np.errstate(divide="ignore", invalid="ignore"):
                rr = values[others] / values[r]
                rr = np.where(rr > 1, 1 / rr, rr)
            if np.all(np.isnan(rr)):
                return None
            g = int(others[np.nanargmin(rr)])
        else:
            g = int(others[np.argmax(np.abs(values[others] - values[r]))])
        lo, hi = (g, r) if values[g] <= values[r] else (r, g)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = values[lo] / values[hi] if kind == "ratio" else values[hi] - values[lo]
    if not np.isfinite(stat):
        return None
    return lo, hi, float(stat)
