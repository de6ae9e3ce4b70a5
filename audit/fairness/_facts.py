"""Facts of a GroupMetrics: per-metric difference, ratio, min and max, with groups and CIs.

Owned by the fairness engine: the gates, the JSON record and the report read
these facts, and the pair each one names is :func:`worst_pair`'s, the same pair
the findings name.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from audit.facts import Fact, fact
from audit.fairness._bootstrap import percentile_interval
from audit.fairness._metrics import LOWER_IS_BETTER
from audit.fairness._pairs import worst_pair

if TYPE_CHECKING:  # pragma: no cover
    from audit.fairness._group_metrics import GroupMetrics

__all__ = ["group_metrics_facts"]

_SUMMARIES: dict[str, tuple[str, ...]] = {
    "demographic_parity": ("selection_rate",),
    "equalized_odds": ("tpr", "fpr"),
    "equal_opportunity": ("tpr",),
}
_TOO_FEW_GROUPS = "{n} group(s) with enough evidence; a comparison needs 2"
_RATIO_UNDEFINED = "{pair} (every value is 0, so their ratio is undefined)"


def _interval(frame: Any, metric: str) -> tuple[float, float] | None:
    if frame is None:
        return None
    low, high = frame.loc[metric, "ci_low"], frame.loc[metric, "ci_high"]
    if math.isfinite(low) and math.isfinite(high):
        return float(low), float(high)
    return None


def group_metrics_facts(gm: GroupMetrics) -> dict[str, Fact]:
    """Facts ``<metric>.difference|ratio|min|max`` and the named fairlearn summaries.

    Differences and ratios are taken between the groups whose evidence suffices
    for that metric; groups left out are named in ``Fact.insufficient`` so a gate
    never passes silently on them. With fewer than two sufficient groups the
    value is None.
    """
    facts: dict[str, Fact] = {}
    labels = np.asarray(gm.group_labels(), dtype=object)
    counts = gm.by_group["count"].to_numpy(dtype=float)
    diff_ci = ratio_ci = None
    if gm.n_boot:
        diff_ci = gm.difference_ci()
        ratio_ci = gm.ratio_ci()
    method, ref = gm._resolve(None, None)  # the comparison the findings make
    for metric in gm.metrics:
        values = gm.by_group[metric].to_numpy(dtype=float)
        ok = gm.sufficient[metric].to_numpy(dtype=bool) & np.isfinite(values)
        left_out = tuple(str(x) for x in labels[(~ok) & (counts > 0)])
        too_few = _TOO_FEW_GROUPS.format(n=int(ok.sum()))
        lower = gm._base_metric(metric) in LOWER_IS_BETTER
        extremes = worst_pair(values, ok, "difference", "between_groups", None, lower)
        for stat, ci_frame in (("difference", diff_ci), ("ratio", ratio_ci)):
            path = f"{metric}.{stat}"
            pair = worst_pair(values, ok, stat, method, ref, lower)
            if pair is None:
                groups, value = too_few, None
                if stat == "ratio" and extremes is not None:  # every value is 0
                    groups = _RATIO_UNDEFINED.format(
                        pair=f"{labels[extremes[0]]} vs {labels[extremes[1]]}"
                    )
            else:
                groups, value = f"{labels[pair[0]]} vs {labels[pair[1]]}", pair[2]
            ci = _interval(ci_frame, metric) if value is not None else None
            facts[path] = Fact(path, value, groups, ci, left_out)
        for stat, position in (("min", 0), ("max", 1)):
            path = f"{metric}.{stat}"
            if extremes is None:
                facts[path] = Fact(path, None, "", None, left_out)
            else:
                g = extremes[position]
                facts[path] = fact(path, values[g], groups=str(labels[g]), insufficient=left_out)
    if gm.task == "binary" and all(m in gm.by_group.columns for m in ("tpr", "fpr")):
        facts.update(_summary_facts(gm, facts))
    return facts


def _summary_facts(gm: GroupMetrics, facts: dict[str, Fact]) -> dict[str, Fact]:
    """The named fairlearn summaries as the facts of their metrics.

    ``demographic_parity`` is ``selection_rate``, ``equal_opportunity`` is
    ``tpr``, ``equalized_odds`` the worse of ``tpr`` and ``fpr`` (its interval:
    the worse of the two per bootstrap replicate). Same comparable groups, same
    left-out groups; when a component cannot be compared, neither can the summary.
    """
    out: dict[str, Fact] = {}
    replicates = None
    if gm.n_boot:
        values, overall = gm._replicate_matrix(True)
        method, ref = gm._resolve(None, None)
        replicates = {
            "difference": gm._difference_array(values, overall, method, ref),
            "ratio": gm._ratio_array(values, overall, method, ref),
        }
    position = {m: i for i, m in enumerate(gm.metrics)}
    for name, parts in _SUMMARIES.items():
        for stat in ("difference", "ratio"):
            path = f"{name}.{stat}"
            components = [facts[f"{m}.{stat}"] for m in parts]
            left_out = tuple(dict.fromkeys(g for c in components for g in c.insufficient))
            if any(c.value is None for c in components):
                groups = "; ".join(
                    f"{m}: {c.groups}" for m, c in zip(parts, components, strict=True)
                )
                out[path] = Fact(path, None, groups, None, left_out)
                continue
            pick = max if stat == "difference" else min
            worst = pick(components, key=lambda c: c.value)
            ci = worst.ci
            if len(parts) > 1:
                metric = parts[components.index(worst)]
                groups = f"{worst.groups} ({metric})"
                if replicates is not None:
                    cols = [position[m] for m in parts]
                    samples = replicates[stat][:, cols]
                    worst_rep = samples.max(axis=1) if stat == "difference" else samples.min(axis=1)
                    low, high = percentile_interval(worst_rep, gm.ci)
                    ci = (float(low), float(high)) if np.isfinite([low, high]).all() else None
            else:
                groups = worst.groups
            out[path] = Fact(path, worst.value, groups, ci, worst.insufficient)
    return out
