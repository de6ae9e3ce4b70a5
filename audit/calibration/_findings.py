"""Findings of the calibration analysis: a group whose scores misstate its observed rate."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from audit.findings import Finding

if TYPE_CHECKING:  # pragma: no cover
    from audit.calibration._result import CalibrationResult
    from audit.policy import Policy

__all__ = ["CALIBRATION_GAP", "calibration_findings"]

CALIBRATION_GAP = "calibration_gap"
"""Code of the finding: a comparable group's calibration-in-the-large exceeds the policy."""

_TITLE = "Scores {verb} the observed rate of {group} by {gap:.3f}"
_MESSAGE = (
    "For {group}, the mean score is {mean:.3f} but the observed rate is {observed:.3f}: the "
    "scores {verb} this group's rate by {gap:.3f}{ci}, more than the policy's calibration_gap of "
    "{threshold:g}. A score then means a different risk for this group than for others, so one "
    "threshold treats them differently.{others}"
)
_CI = " ({level:.0%} interval of the signed gap [{low:+.3f}, {high:+.3f}])"


def calibration_findings(result: CalibrationResult, policy: Policy | None = None) -> list[Finding]:
    """One ``calibration_gap`` finding when a comparable group's gap exceeds the policy.

    The gap of a group is ``|calibration_in_the_large|`` (mean score minus
    observed rate). Only comparable groups count (at least ``min_count`` rows,
    and at least two such groups: the rule of :meth:`CalibrationResult.facts`).
    The finding names the group with the largest gap and lists every group over
    ``policy.calibration_gap``; it is ``critical`` when that group's bootstrap
    interval lies entirely beyond the threshold, else a ``warning``.
    """
    from audit.policy import DEFAULT_POLICY

    policy = policy or DEFAULT_POLICY
    threshold = policy.calibration_gap
    gap = result.gap()
    if gap["max_group"] is None or not gap["max"] > threshold:
        return []
    labels = list(result.group_labels)
    citl = result.by_group["calibration_in_the_large"].to_numpy(dtype=float)
    comparable = result.comparable.to_numpy()
    over = {
        labels[i]: float(citl[i]) for i in np.flatnonzero(comparable & (np.abs(citl) > threshold))
    }
    i = labels.index(gap["max_group"])
    value = float(citl[i])
    low = float(result.ci_low["calibration_in_the_large"].iat[i])
    high = float(result.ci_high["calibration_in_the_large"].iat[i])
    has_ci = bool(np.isfinite(low) and np.isfinite(high))
    beyond = has_ci and (low > threshold if value > 0 else high < -threshold)
    verb = "overstate" if value > 0 else "understate"
    others = [f"{k} ({v:+.3f})" for k, v in over.items() if k != gap["max_group"]]
    message = _MESSAGE.format(
        group=gap["max_group"],
        mean=float(result.by_group["mean_score"].iat[i]),
        observed=float(result.by_group["observed_rate"].iat[i]),
        verb=verb,
        gap=abs(value),
        ci=_CI.format(level=result.ci, low=low, high=high) if has_ci else "",
        threshold=threshold,
        others=(" Other groups over the threshold: " + ", ".join(others) + ".") if others else "",
    )
    evidence = {
        "group": gap["max_group"],
        "calibration_in_the_large": value,
        "ci": [low, high] if has_ci else None,
        "mean_score": float(result.by_group["mean_score"].iat[i]),
        "observed_rate": float(result.by_group["observed_rate"].iat[i]),
        "ece": float(result.by_group["ece"].iat[i]),
        "threshold": threshold,
        "groups_over": over,
        "comparable_groups": gap["comparable"],
        "insufficient": gap["insufficient"],
        "critical_rule": "the interval lies entirely beyond the threshold",
    }
    return [
        Finding(
            code=CALIBRATION_GAP,
            severity="critical" if beyond else "warning",
            title=_TITLE.format(verb=verb, group=gap["max_group"], gap=abs(value)),
            message=message,
            subject=gap["max_group"],
            evidence=evidence,
            analyzer="calibration",
        )
    ]
