"""Findings from attributions: additivity, concentration, and per-group gaps.

Codes
-----
``shap_additivity_failed`` (warning)
    on at least one row, base value + sum of attributions misses the model
    output by more than that row's tolerance: the attributions do not explain
    the model faithfully. The worst rows are named (positions in the data).
``imbalanced_attributions`` (warning)
    one feature holds more than ``policy.weight_concentration`` of the total
    mean |SHAP|.
``attribution_gap`` (warning)
    a material feature's mean |SHAP| differs between two groups of a sensitive
    attribute by more than ``policy.attribution_gap`` times: it drives
    decisions for one group far more than for another.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.attributions._result import AttributionResult
from audit.findings import Finding
from audit.policy import Policy

__all__ = [
    "ADDITIVITY_CODE",
    "GAP_CODE",
    "IMBALANCED_CODE",
    "additivity_finding",
    "attribution_findings",
    "gap_findings",
    "imbalance_finding",
]

ANALYZER = "attributions"
ADDITIVITY_CODE = "shap_additivity_failed"
IMBALANCED_CODE = "imbalanced_attributions"
GAP_CODE = "attribution_gap"

_ADDITIVITY_TITLE = "SHAP values do not add up to the model output"
_ADDITIVITY_MESSAGE = (
    "With the {explainer} explainer ({kind} additivity), base value + sum of attributions "
    "misses the model's {space} beyond the tolerance on {n_failed} of {n_explained} row(s), "
    "worst {worst}, so the attributions do not faithfully explain this model."
)
_WORST_ROW = "row {row}: miss {miss:.3g}, allowed {allowed:.3g}"
_IMBALANCED_TITLE = "One feature dominates the attributions"
_IMBALANCED_MESSAGE = (
    "{feature!r} holds {share:.0%} of the total mean |SHAP| (threshold {threshold:.0%}): "
    "the model's decisions rest mostly on this one feature."
)
_GAP_TITLE = "A feature drives decisions far more for one group"
_GAP_MESSAGE = (
    "{feature!r} has mean |SHAP| {high:.3g} for {attribute}={high_group!r} but {low:.3g} for "
    "{attribute}={low_group!r} ({ratio_text} apart, threshold {threshold:g}x): it drives the "
    "model's decisions for one group far more than for the other."
)


def additivity_finding(result: AttributionResult) -> Finding | None:
    """``shap_additivity_failed`` when the additivity error exceeds the tolerance."""
    if result.additivity_ok:
        return None
    check = result.additivity
    worst = check.worst_rows(failed_only=True)
    return Finding(
        code=ADDITIVITY_CODE,
        severity="warning",
        title=_ADDITIVITY_TITLE,
        message=_ADDITIVITY_MESSAGE.format(
            explainer=result.explainer,
            kind=check.kind,
            space=result.output_space,
            n_failed=check.n_failed,
            n_explained=result.n_explained,
            worst="; ".join(_WORST_ROW.format(**row) for row in worst[:3]),
        ),
        subject=result.explainer,
        evidence={
            "max_abs_error": result.additivity_max_error,
            "tolerance": result.additivity_tolerance,
            "max_relative_error": check.max_relative_error,
            "kind": check.kind,
            "n_failed_rows": check.n_failed,
            "worst_rows": [row["row"] for row in worst],
            "explainer": result.explainer,
            "output_space": result.output_space,
            "n_explained": result.n_explained,
        },
        analyzer=ANALYZER,
    )


def imbalance_finding(result: AttributionResult, policy: Policy) -> Finding | None:
    """``imbalanced_attributions`` when the top feature's share exceeds the policy threshold."""
    table = result.importance
    if len(table) < 2 or table["mean_abs"].sum() <= 0:
        return None
    top = table.index[0]
    share = float(table["share"].iloc[0])
    if share <= policy.weight_concentration:
        return None
    return Finding(
        code=IMBALANCED_CODE,
        severity="warning",
        title=_IMBALANCED_TITLE,
        message=_IMBALANCED_MESSAGE.format(
            feature=top, share=share, threshold=policy.weight_concentration
        ),
        subject=str(top),
        evidence={
            "feature": str(top),
            "share": share,
            "threshold": policy.weight_concentration,
            "mean_abs": float(table["mean_abs"].iloc[0]),
            "total_mean_abs": float(table["mean_abs"].sum()),
            "explainer": result.explainer,
        },
        analyzer=ANALYZER,
    )


def _material(per_group: pd.DataFrame, overall: pd.Series, top_k: int) -> list[str]:
    """Features in the top-k overall or within any one group."""
    keep = set(overall.nlargest(top_k).index)
    for group in per_group.columns:
        keep |= set(per_group[group].nlargest(top_k).index)
    return [f for f in overall.index if f in keep]


def gap_findings(result: AttributionResult, policy: Policy) -> list[Finding]:
    """``attribution_gap`` per (attribute, material feature) whose group ratio exceeds the policy.

    Only groups with at least ``policy.min_count`` explained rows are compared;
    a feature is material when it is among the ``policy.proxy_top_k`` largest by
    mean |SHAP| overall or within one group. A sensitive attribute is not
    compared across its own groups (its direct use is the weights analysis's).
    """
    if result.groups is None or not len(result.by_group):
        return []
    summed = result.by_group.groupby(["attribute", "group", "feature"], sort=False).agg(
        mean_abs=("mean_abs", "sum"), n=("n_explained", "first")
    )
    overall = result.importance["mean_abs"]
    findings = []
    for attribute in dict.fromkeys(result.by_group["attribute"]):
        part = summed.loc[attribute]
        counts = part["n"].groupby(level="group", sort=False).first()
        eligible = [g for g, n in counts.items() if n >= policy.min_count]
        if len(eligible) < 2:
            continue
        wide = part["mean_abs"].unstack("group")[eligible].reindex(overall.index)
        for feature in _material(wide, overall, policy.proxy_top_k):
            if feature == attribute:
                continue
            row = wide.loc[feature]
            high_group, low_group = row.idxmax(), row.idxmin()
            high, low = float(row[high_group]), float(row[low_group])
            ratio = high / low if low > 0 else (np.inf if high > 0 else 1.0)
            if ratio <= policy.attribution_gap:
                continue
            findings.append(
                Finding(
                    code=GAP_CODE,
                    severity="warning",
                    title=_GAP_TITLE,
                    message=_GAP_MESSAGE.format(
                        feature=feature,
                        attribute=attribute,
                        high=high,
                        low=low,
                        high_group=high_group,
                        low_group=low_group,
                        ratio_text=f"{ratio:.1f}x" if np.isfinite(ratio) else "infinitely",
                        threshold=policy.attribution_gap,
                    ),
                    subject=f"{feature} by {attribute}",
                    evidence={
                        "feature": feature,
                        "attribute": attribute,
                        "mean_abs_by_group": {g: float(row[g]) for g in eligible},
                        "n_explained_by_group": {g: int(counts[g]) for g in eligible},
                        "high_group": high_group,
                        "low_group": low_group,
                        "ratio": float(ratio),
                        "threshold": policy.attribution_gap,
                        "overall_rank": int(result.importance.loc[feature, "rank"]),
                        "top_k": policy.proxy_top_k,
                        "output_space": result.output_space,
                    },
                    analyzer=ANALYZER,
                )
            )
    return findings


def attribution_findings(result: AttributionResult, policy: Policy | None = None) -> list[Finding]:
    """Every attribution finding for ``result`` under ``policy`` (default thresholds if None)."""
    policy = policy or Policy()
    found = [additivity_finding(result), imbalance_finding(result, policy)]
    return [f for f in found if f is not None] + gap_findings(result, policy)
