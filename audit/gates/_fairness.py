"""Facts of a GroupMetrics: per-metric difference, ratio, min and max, with groups and CIs."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from audit.gates._facts import Fact

__all__ = ["group_metrics_facts"]

_SUMMARIES = ("demographic_parity", "equalized_odds", "equal_opportunity")
_TOO_FEW_GROUPS = "{n} group(s) with enough evidence; a comparison needs 2"
_RATIO_UNDEFINED = "{pair} (every value is 0, so their ratio is undefined)"


def _finite(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def group_metrics_facts(gm: Any) -> dict[str, Fact]:
    """Facts ``<metric>.difference|ratio|min|max`` and the named fairlearn summaries.

    Differences and ratios are taken between the groups whose evidence suffices
    for that metric; groups left out are named in ``Fact.insufficient`` so a gate
    never passes silently on them. With fewer than two sufficient groups the
    value is None.
    """
    facts: dict[str, Fact] = {}
    labels = np.asarray(gm.group_labels(), dtype=object)
    counts = gm.by_group["count"].to_numpy(dtype=float)
    diff = gm.difference(exclude_insufficient=True)
    ratio = gm.ratio(exclude_insufficient=True)
    diff_ci = ratio_ci = None
    if getattr(gm, "n_boot", 0):
        diff_ci = gm.difference_ci(exclude_insufficient=True)
        ratio_ci = gm.ratio_ci(exclude_insufficient=True)
    for metric in gm.metrics:
        values = gm.by_group[metric].to_numpy(dtype=float)
        ok = gm.sufficient[metric].to_numpy(dtype=bool) & np.isfinite(values)
        left_out = tuple(str(x) for x in labels[(~ok) & (counts > 0)])
        if ok.sum() >= 2:
            idx = np.flatnonzero(ok)
            lo = int(idx[np.argmin(values[ok])])
            hi = int(idx[len(idx) - 1 - np.argmax(values[ok][::-1])])  # last max: lo != hi
            pair = f"{labels[lo]} vs {labels[hi]}"
            d_val, r_val = _finite(diff[metric]), _finite(ratio[metric])
            mn, mx = _finite(values[lo]), _finite(values[hi])
        else:
            pair, d_val, r_val, mn, mx = "", None, None, None, None
        # with fewer than two groups the table says why there is no value
        compared = pair or _TOO_FEW_GROUPS.format(n=int(ok.sum()))
        for stat, value, ci_frame in (("difference", d_val, diff_ci), ("ratio", r_val, ratio_ci)):
            ci = None
            if ci_frame is not None and value is not None:
                low, high = ci_frame.loc[metric, "ci_low"], ci_frame.loc[metric, "ci_high"]
                if math.isfinite(low) and math.isfinite(high):
                    ci = (float(low), float(high))
            groups = compared
            if stat == "ratio" and value is None and pair and mx == 0:
                groups = _RATIO_UNDEFINED.format(pair=pair)
            facts[f"{metric}.{stat}"] = Fact(f"{metric}.{stat}", value, groups, ci, left_out)
        facts[f"{metric}.min"] = Fact(f"{metric}.min", mn, pair.split(" vs ")[0], None, left_out)
        facts[f"{metric}.max"] = Fact(f"{metric}.max", mx, pair.split(" vs ")[-1], None, left_out)
    summary = gm.summary() if hasattr(gm, "summary") else {}
    for name in _SUMMARIES:
        for stat in ("difference", "ratio"):
            key = f"{name}_{stat}"
            if key in summary:
                facts[f"{name}.{stat}"] = Fact(f"{name}.{stat}", _finite(summary[key]))
    return facts
