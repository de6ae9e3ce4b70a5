"""Findings of the fairness analysis under a :class:`~audit.policy.Policy`.

Rules (thresholds from the policy; defaults in brackets):

* ``disparity_ratio``: for each metric of ``policy.ratio_metrics`` [selection
  rate, TPR, TNR, precision], the smallest ratio between two groups (lower
  value over higher value; or each group against the reference group when
  ``GroupMetrics.reference`` is set) below ``ratio_warning`` [0.8, the
  four-fifths rule] is a warning, below ``ratio_critical`` [0.6] critical.
* ``disparity_difference``: for each metric of ``policy.difference_metrics``
  [selection rate, TPR, FPR], the largest difference between two groups above
  ``difference_warning`` [0.1] is a warning, above ``difference_critical``
  [0.2] critical.
* Only groups whose verdict for that metric is "ok" (the comparable groups)
  take part. A disparity is "critical" only when, where bootstrap replicates
  were drawn, the parity test of the worst pair rejects parity after the
  correction for multiple comparisons (``policy.multiple_comparisons``, Holm
  by default, over every pair of comparable groups of that metric; see
  :mod:`audit.fairness._parity_tests`); otherwise it is downgraded to a
  warning (``evidence["downgraded"] = True``). The interval shown is the
  interval of the statistic itself (max - min, or min / max, recomputed
  between the comparable groups in each replicate): the fact's interval.
* ``insufficient_evidence``: one finding listing every (group, metric) of the
  judged metrics whose denominator is below ``min_count``, and the
  disparities that would cross a threshold if those groups were counted
  (``unresolved``). Severity "warning", or "info" when
  ``policy.insufficient == "pass"``.

For multiclass tasks a policy metric ``m`` applies to every column ``m[class]``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from audit.fairness._group_metrics import GroupMetrics
from audit.fairness._metrics import LOWER_IS_BETTER
from audit.fairness._pairs import worst_pair
from audit.findings import Finding, sort_findings
from audit.policy import Policy

__all__ = ["fairness_findings", "FINDING_CODES"]

FINDING_CODES: tuple[str, ...] = (
    "disparity_ratio",
    "disparity_difference",
    "insufficient_evidence",
)
"""Codes of the findings this module emits."""

_ANALYZER = "fairness"
_RATIO_TITLE = "{metric} ratio {value:.2f} between {low} and {high} is below {threshold:g}"
_RATIO_MESSAGE = (
    "Group {low} has {metric} {v_low:.3f}, {pct:.0%} of group {high}'s {v_high:.3f}. Ratios "
    "below {warning:g} are a warning (four-fifths rule) and below {critical:g} critical.{ci}"
)
_DIFF_TITLE = "{metric} differs by {value:.2f} between {low} and {high} (above {threshold:g})"
_DIFF_MESSAGE = (
    "Group {high} has {metric} {v_high:.3f} and group {low} {v_low:.3f}, a difference of "
    "{value:.3f}. Differences above {warning:g} are a warning and above {critical:g} "
    "critical.{ci}"
)
_CI_TEXT = (
    " The {level:.0%} bootstrap interval of this {kind} (recomputed between the comparable "
    "groups in each replicate) is [{low:.3f}, {high:.3f}]. Parity test of this pair: "
    "p = {p:.3g}, {p_adj:.3g} after {correction} over {k} pairwise comparison(s){tail}."
)
_DOWNGRADED = "; parity is not rejected, so the finding is a warning, not critical"
_CORRECTION_NAMES = {
    "holm": "Holm's correction",
    "bonferroni": "Bonferroni's correction",
    "none": "no correction",
}
_INSUFFICIENT_TITLE = "Not enough evidence to judge {n_items} group metric(s)"
_INSUFFICIENT_MESSAGE = (
    "{n_groups} group(s) have fewer than {min_count} rows in the denominator of {metrics} "
    "(or an undefined value); those values are reported as insufficient evidence, neither "
    "pass nor fail.{unresolved}"
)
_UNRESOLVED_TEXT = " Counting them, {n} disparity check(s) would cross a threshold: {which}."


def _columns(gm: GroupMetrics, base: str) -> list[str]:
    if base in gm.by_group.columns:
        return [base]
    return [c for c in gm.by_group.columns if c.startswith(f"{base}[")]


def _severity(kind: str, stat: float, policy: Policy) -> tuple[str | None, float]:
    if kind == "ratio":
        if stat < policy.ratio_critical:
            return "critical", policy.ratio_critical
        if stat < policy.ratio_warning:
            return "warning", policy.ratio_warning
        return None, policy.ratio_warning
    if stat > policy.difference_critical:
        return "critical", policy.difference_critical
    if stat > policy.difference_warning:
        return "warning", policy.difference_warning
    return None, policy.difference_warning


def _disparity(
    gm: GroupMetrics,
    column: str,
    kind: str,
    policy: Policy,
    method: str,
    ref: Any,
    labels: list[str],
    facts: dict[str, Any],
) -> Finding | None:
    values = gm.by_group[column].to_numpy(dtype=np.float64)
    usable = gm.sufficient[column].to_numpy()
    lower = GroupMetrics._base_metric(column) in LOWER_IS_BETTER
    found = worst_pair(values, usable, kind, method, ref, lower)
    if found is None:
        return None
    lo, hi, stat = found
    severity, threshold = _severity(kind, stat, policy)
    if severity is None:
        return None
    fact = facts[f"{column}.{kind}"]
    ci = None if fact.ci is None else [float(fact.ci[0]), float(fact.ci[1])]
    excludes: bool | None = None
    downgraded = False
    test: dict[str, Any] = {}
    ci_text = ""
    if gm._replicates is not None:
        tests = gm.parity_tests(column, correction=policy.multiple_comparisons)
        row = tests[(tests["group_a"] == labels[lo]) & (tests["group_b"] == labels[hi])]
        if row.empty:  # tied values: the pair is listed the other way round
            row = tests[(tests["group_a"] == labels[hi]) & (tests["group_b"] == labels[lo])]
        p_value = float(row["p_value"].iloc[0]) if not row.empty else float("nan")
        p_adjusted = float(row["p_adjusted"].iloc[0]) if not row.empty else float("nan")
        excludes = bool(p_adjusted < 1 - gm.ci)
        test = {
            "p_value": p_value,
            "p_adjusted": p_adjusted,
            "n_comparisons": len(tests),
            "n_significant": int(tests["significant"].sum()),
            "correction": policy.multiple_comparisons,
            "alpha": 1 - gm.ci,
        }
        if severity == "critical" and not excludes:
            severity, threshold = (
                "warning",
                (policy.ratio_warning if kind == "ratio" else policy.difference_warning),
            )
            downgraded = True
        ci_text = _CI_TEXT.format(
            level=gm.ci,
            kind=kind,
            low=ci[0] if ci else float("nan"),
            high=ci[1] if ci else float("nan"),
            p=p_value,
            p_adj=p_adjusted,
            k=len(tests),
            correction=_CORRECTION_NAMES[policy.multiple_comparisons],
            tail=_DOWNGRADED if downgraded else "",
        )
    dens = gm.denominators[column].to_numpy()
    evidence: dict[str, Any] = {
        "metric": column,
        "method": method,
        "reference": None if ref is None else (ref if ref == "best" else labels[int(ref)]),
        "groups": [labels[lo], labels[hi]],
        "values": [float(values[lo]), float(values[hi])],
        "denominators": [float(dens[lo]), float(dens[hi])],
        kind: stat,
        "threshold": threshold,
        "warning_threshold": policy.ratio_warning if kind == "ratio" else policy.difference_warning,
        "critical_threshold": (
            policy.ratio_critical if kind == "ratio" else policy.difference_critical
        ),
        "ci": ci,
        "ci_level": gm.ci if ci is not None else None,
        "n_boot": gm.n_boot,
        "excludes_parity": excludes,
        "downgraded": downgraded,
        **test,
    }
    fmt = {
        "metric": column,
        "value": stat,
        "low": labels[lo],
        "high": labels[hi],
        "threshold": threshold,
        "v_low": values[lo],
        "v_high": values[hi],
        "ci": ci_text,
    }
    if kind == "ratio":
        title = _RATIO_TITLE.format(**fmt)
        message = _RATIO_MESSAGE.format(
            pct=stat, warning=policy.ratio_warning, critical=policy.ratio_critical, **fmt
        )
        code = "disparity_ratio"
    else:
        title = _DIFF_TITLE.format(**fmt)
        message = _DIFF_MESSAGE.format(
            warning=policy.difference_warning, critical=policy.difference_critical, **fmt
        )
        code = "disparity_difference"
    return Finding(
        code=code,
        severity=severity,  # type: ignore[arg-type]
        title=title,
        message=message,
        subject=column,
        evidence=evidence,
        analyzer=_ANALYZER,
    )


def _insufficient(
    gm: GroupMetrics,
    policy: Policy,
    judged: list[tuple[str, str]],
    method: str,
    ref: Any,
    labels: list[str],
) -> Finding | None:
    columns = list(dict.fromkeys(col for _, col in judged)) or list(gm.metrics)
    items: list[dict[str, Any]] = []
    for col in columns:
        bad = np.flatnonzero(~gm.sufficient[col].to_numpy())
        dens = gm.denominators[col].to_numpy()
        vals = gm.by_group[col].to_numpy(dtype=np.float64)
        for i in bad:
            items.append(
                {
                    "group": labels[i],
                    "metric": col,
                    "denominator": float(dens[i]),
                    "value": float(vals[i]),
                }
            )
    if not items:
        return None
    unresolved = []
    for kind, col in judged:
        values = gm.by_group[col].to_numpy(dtype=np.float64)
        usable = gm.sufficient[col].to_numpy()
        if usable.all():
            continue
        lower = GroupMetrics._base_metric(col) in LOWER_IS_BETTER
        everyone = worst_pair(values, np.ones_like(usable), kind, method, ref, lower)
        if everyone is None:
            continue
        lo, hi, stat = everyone
        severity, threshold = _severity(kind, stat, policy)
        if severity is None or (usable[lo] and usable[hi]):
            continue
        unresolved.append(
            {
                "metric": col,
                "kind": kind,
                kind: stat,
                "groups": [labels[lo], labels[hi]],
                "threshold": threshold,
            }
        )
    groups = list(dict.fromkeys(item["group"] for item in items))
    metrics = list(dict.fromkeys(item["metric"] for item in items))
    unresolved_text = ""
    if unresolved:
        which = ", ".join(f"{u['metric']} {u['kind']}" for u in unresolved)
        unresolved_text = _UNRESOLVED_TEXT.format(n=len(unresolved), which=which)
    return Finding(
        code="insufficient_evidence",
        severity="info" if policy.insufficient == "pass" else "warning",
        title=_INSUFFICIENT_TITLE.format(n_items=len(items)),
        message=_INSUFFICIENT_MESSAGE.format(
            n_groups=len(groups),
            min_count=gm.min_count,
            metrics=", ".join(metrics),
            unresolved=unresolved_text,
        ),
        subject=", ".join(metrics),
        evidence={
            "min_count": gm.min_count,
            "groups": groups,
            "metrics": metrics,
            "items": items,
            "unresolved": unresolved,
        },
        analyzer=_ANALYZER,
    )


def fairness_findings(gm: GroupMetrics, policy: Policy | None = None) -> list[Finding]:
    """Findings of a :class:`GroupMetrics` under ``policy``.

    Parameters
    ----------
    gm : GroupMetrics
        The computed group metrics; its ``min_count`` decides the verdicts
        (pass ``min_count=policy.min_count`` to :func:`group_metrics` to use
        the policy's).
    policy : Policy, optional
        Thresholds; the default policy when None.

    Returns
    -------
    list of Finding
        Most severe first. Codes: ``"disparity_ratio"``,
        ``"disparity_difference"``, ``"insufficient_evidence"``.

        Evidence of ``disparity_ratio`` / ``disparity_difference``:
        ``metric``, ``method``, ``reference``, ``groups`` (the pair, lower
        value first), ``values``, ``denominators``, ``ratio`` or
        ``difference``, ``threshold`` (the one crossed), ``warning_threshold``,
        ``critical_threshold``, ``ci`` (``[low, high]`` of the statistic, the
        fact's interval, or None), ``ci_level``, ``n_boot``,
        ``excludes_parity`` (the corrected parity test of the pair rejects
        parity), ``downgraded``, and with replicates ``p_value``,
        ``p_adjusted``, ``n_comparisons``, ``n_significant``, ``correction``,
        ``alpha``.

        Evidence of ``insufficient_evidence``: ``min_count``, ``groups``,
        ``metrics``, ``items`` (``group``, ``metric``, ``denominator``,
        ``value``) and ``unresolved`` (disparities that would cross a
        threshold if the insufficient groups were counted).
    """
    policy = Policy() if policy is None else policy
    method, ref = gm._resolve(None, None)
    labels = gm.group_labels()
    facts = gm.facts()
    judged: list[tuple[str, str]] = []
    for kind, bases in (("ratio", policy.ratio_metrics), ("difference", policy.difference_metrics)):
        for base in bases:
            judged.extend((kind, col) for col in _columns(gm, base))
    findings: list[Finding] = []
    for kind, col in judged:
        finding = _disparity(gm, col, kind, policy, method, ref, labels, facts)
        if finding is not None:
            findings.append(finding)
    insufficient = _insufficient(gm, policy, judged, method, ref, labels)
    if insufficient is not None:
        findings.append(insufficient)
    return sort_findings(findings)
