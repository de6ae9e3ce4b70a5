"""The flip test's result: tables, facts and findings, with Wilson intervals."""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from audit._jsonable import to_jsonable
from audit.facts import Fact, fact
from audit.findings import Finding

__all__ = [
    "ATTRIBUTE_COLUMNS",
    "DIRECTION_COLUMNS",
    "FLIP_CODE",
    "FLIP_PROXY_CODE",
    "GROUP_COLUMNS",
    "VARIANTS",
    "FlipResult",
    "flip_facts",
    "flip_findings",
    "wilson_interval",
]

ANALYZER = "flip"
FLIP_CODE = "counterfactual_flip"
FLIP_PROXY_CODE = "counterfactual_flip_proxy"
VARIANTS: tuple[str, ...] = ("direct", "proxy")
"""``direct``: only the attribute changes; ``proxy``: the attribute and its proxies change."""
FACT_PATHS = {"direct": "flip_rate.max", "proxy": "flip_rate_proxy.max"}
DIRECTION_COLUMNS = (
    "attribute",
    "variant",
    "from_group",
    "to_group",
    "n",
    "flipped",
    "flip_rate",
    "ci_low",
    "ci_high",
    "to_positive",
    "to_negative",
    "score_change",
    "effective_n",
    "sufficient",
)
GROUP_COLUMNS = (
    "attribute",
    "variant",
    "group",
    "n",
    "flipped",
    "flip_rate",
    "ci_low",
    "ci_high",
    "score_change",
    "effective_n",
    "sufficient",
)
ATTRIBUTE_COLUMNS = (
    "attribute",
    "n_groups",
    "model_input",
    "proxies",
    "direct",
    "proxy",
    "note",
)

NOT_APPLICABLE = "not applicable"
_WHAT = {
    "direct": "only {attribute!r} is",
    "proxy": "{attribute!r} and its proxies ({proxies}) are",
    "proxy_only": "the proxies of {attribute!r} ({proxies}) are",
}
_TAIL = {
    "direct": "The model's decision for these people depends on {attribute!r} itself.",
    "proxy": "The model's decision for these people depends on {attribute!r}, directly or "
    "through features that encode it.",
    "proxy_only": "{attribute!r} is not a model input, yet the model's decision for these "
    "people depends on it through features that encode it.",
}
_TITLE = {
    "direct": "Changing only a sensitive attribute changes the model's decisions",
    "proxy": "Changing a sensitive attribute and its proxies changes the model's decisions",
}
_MESSAGE = (
    "{rate:.1%} [{low:.1%}, {high:.1%}] of the {n:,} rows where {attribute} is {from_group!r} "
    "get another decision when {what} moved to {to_group!r} ({ci:.0%} Wilson interval; policy "
    "flip_rate {threshold:.1%}).{score} {tail}"
)
_SCORE = " The positive-class score changes by {change:+.3f} on average."


def wilson_interval(
    rate: np.ndarray | float, n: np.ndarray | float, ci: float
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion ``rate`` observed on ``n`` (effective) rows.

    Parameters
    ----------
    rate : array-like of float
        Observed proportions, in [0, 1].
    n : array-like of float
        Number of rows (the effective sample size with weights); NaN where ``n <= 0``.
    ci : float
        Confidence level, in (0, 1).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Lower and upper bounds (as ``scipy.stats.binomtest(k, n).proportion_ci(ci,
        method="wilson")`` for whole counts).
    """
    p = np.asarray(rate, dtype=float)
    size = np.asarray(n, dtype=float)
    z = NormalDist().inv_cdf(0.5 + ci / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        size = np.where(size > 0, size, np.nan)
        denominator = 1 + z**2 / size
        center = (p + z**2 / (2 * size)) / denominator
        half = z * np.sqrt(p * (1 - p) / size + z**2 / (4 * size**2)) / denominator
    return np.clip(center - half, 0.0, 1.0), np.clip(center + half, 0.0, 1.0)


@dataclass(frozen=True, eq=False)
class FlipResult:
    """The counterfactual flip test of one model.

    Attributes
    ----------
    directions : pandas.DataFrame
        One row per (attribute, variant, from group, to group), columns
        :data:`DIRECTION_COLUMNS`: ``n`` rows of the group, ``flipped`` rows
        whose decision changes when moved to ``to_group``, ``flip_rate`` (their
        share, weighted by the sample weights where given) with its Wilson
        interval ``ci_low``–``ci_high``, ``to_positive`` / ``to_negative``
        (shares flipping into / out of the positive class; binary models),
        ``score_change`` (mean change of the positive-class probability; NaN
        without probabilities or for multiclass models), ``effective_n`` and
        ``sufficient`` (``effective_n >= min_count``: only such rows are judged).
    by_group : pandas.DataFrame
        One row per (attribute, variant, group), columns :data:`GROUP_COLUMNS`:
        the share of the group's rows whose decision changes when moved to *any*
        other group, and the mean score change over every other group.
    attributes : pandas.DataFrame
        One row per sensitive attribute, columns :data:`ATTRIBUTE_COLUMNS`: the
        model input holding it (``None`` when the model does not take it), the
        proxies moved with it, whether each variant applies
        (``"applicable"`` / ``"not applicable"``) and a note saying why not.
    proxy_fill : {"transport", "sample", "mode"}
        How proxies were moved to the target group (:mod:`audit.counterfactual._fill`).
    proxy_source : str
        Where the proxies came from (detected by the proxy analysis, given, or
        why they could not be detected).
    ci : float
        Confidence level of the intervals.
    min_count : int
        Rows (effective) a group needs for its flip rate to be judged.
    threshold : float
        ``policy.flip_rate``.
    n_rows : int
        Rows of the data.
    weighted : bool
        Whether rates are weighted by sample weights.
    rows_predicted : int
        Counterfactual rows the model was asked to predict, over every call.
    model_calls : int
        Calls to the model's predict / predict_proba.
    labels_from_proba : bool
        Whether decisions were read from the probabilities (the model's ``predict``
        being their argmax on the audit data), which saves one call per batch.
    random_state : int
        Seed of the random draws (categorical coupling, ``"sample"``).
    """

    directions: pd.DataFrame
    by_group: pd.DataFrame
    attributes: pd.DataFrame
    proxy_fill: str
    proxy_source: str
    ci: float
    min_count: int
    threshold: float
    n_rows: int
    weighted: bool
    rows_predicted: int
    model_calls: int
    labels_from_proba: bool
    random_state: int

    def applicable(self, variant: str = "direct") -> bool:
        """Whether the variant applies to at least one attribute (the model sees it)."""
        return bool((self.attributes[variant] != NOT_APPLICABLE).any())

    def worst(self, variant: str = "direct") -> pd.Series | None:
        """The direction with the largest flip rate among those with enough evidence."""
        rows = self.directions[
            (self.directions["variant"] == variant) & self.directions["sufficient"]
        ]
        rows = rows[rows["flip_rate"].notna()]
        if rows.empty:
            return None
        return rows.loc[rows["flip_rate"].idxmax()]

    def not_applicable_text(self, variant: str = "direct") -> str:
        """Why the variant does not apply, attribute by attribute."""
        rows = self.attributes[self.attributes[variant] == NOT_APPLICABLE]
        return "; ".join(f"{r.attribute}: {r.note}" for r in rows.itertuples(index=False))

    def facts(self) -> dict[str, Fact]:
        """``flip_rate.max`` and ``flip_rate_proxy.max`` (:func:`flip_facts`)."""
        return flip_facts(self)

    def findings(self) -> list[Finding]:
        """Warnings where a flip rate exceeds ``threshold`` (:func:`flip_findings`)."""
        return flip_findings(self)

    def to_frame(self) -> pd.DataFrame:
        """The per-direction table."""
        return self.directions

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable record."""
        return to_jsonable(
            {
                "proxy_fill": self.proxy_fill,
                "proxy_source": self.proxy_source,
                "ci": self.ci,
                "min_count": self.min_count,
                "threshold": self.threshold,
                "n_rows": self.n_rows,
                "weighted": self.weighted,
                "rows_predicted": self.rows_predicted,
                "model_calls": self.model_calls,
                "labels_from_proba": self.labels_from_proba,
                "random_state": self.random_state,
                "attributes": self.attributes.to_dict(orient="records"),
                "directions": self.directions.to_dict(orient="records"),
                "by_group": self.by_group.to_dict(orient="records"),
            }
        )


def _direction_label(row: Any) -> str:
    return f"{row['attribute']}: {row['from_group']} → {row['to_group']}"


def flip_facts(result: FlipResult) -> dict[str, Fact]:
    """The largest flip rate of each variant, over the directions with enough evidence.

    ``flip_rate.max`` (only the attribute changes) and ``flip_rate_proxy.max``
    (the attribute and its proxies change): the value, the direction as
    ``groups`` (``"sex: female → male"``), its Wilson interval, and the
    directions left out for too few rows as ``insufficient``. Where the model
    sees no attribute the variant changes, the value is None and ``groups``
    says "not applicable" and why: a flip rate of 0 by construction is no
    evidence of fairness, so a gate on it is "missing", never "pass".
    """
    out = {}
    for variant, path in FACT_PATHS.items():
        if not result.applicable(variant):
            text = f"{NOT_APPLICABLE}: {result.not_applicable_text(variant)}"
            out[path] = Fact(path, None, groups=text)
            continue
        rows = result.directions[result.directions["variant"] == variant]
        insufficient = tuple(_direction_label(r) for _, r in rows[~rows["sufficient"]].iterrows())
        worst = result.worst(variant)
        if worst is None:
            out[path] = Fact(path, None, insufficient=insufficient)
            continue
        ci = (float(worst["ci_low"]), float(worst["ci_high"]))
        out[path] = fact(
            path,
            worst["flip_rate"],
            groups=_direction_label(worst),
            ci=ci if all(math.isfinite(c) for c in ci) else None,
            insufficient=insufficient,
        )
    return out


def _same_as_direct(result: FlipResult, attribute: str) -> bool:
    row = result.attributes[result.attributes["attribute"] == attribute].iloc[0]
    return not row["proxies"]


def flip_findings(result: FlipResult) -> list[Finding]:
    """One warning per (attribute, variant) whose worst judged flip rate exceeds the policy.

    The proxy variant of an attribute without proxies is the direct variant
    itself (the same numbers) and is not reported twice.
    """
    findings = []
    rows = result.directions[result.directions["sufficient"]]
    for (attribute, variant), part in rows.groupby(["attribute", "variant"], sort=False):
        part = part[part["flip_rate"].notna()]
        if part.empty:
            continue
        if variant == "proxy" and _same_as_direct(result, str(attribute)):
            continue
        worst = part.loc[part["flip_rate"].idxmax()]
        if not worst["flip_rate"] > result.threshold:
            continue
        info = result.attributes.set_index("attribute").loc[attribute]
        proxies = info["proxies"]
        score = worst["score_change"]
        case = "proxy_only" if variant == "proxy" and info["model_input"] is None else variant
        what = _WHAT[str(case)].format(attribute=attribute, proxies=proxies)
        message = _MESSAGE.format(
            rate=worst["flip_rate"],
            low=worst["ci_low"],
            high=worst["ci_high"],
            n=int(worst["n"]),
            attribute=attribute,
            from_group=str(worst["from_group"]),
            to_group=str(worst["to_group"]),
            what=what,
            ci=result.ci,
            threshold=result.threshold,
            score=_SCORE.format(change=score) if np.isfinite(score) else "",
            tail=_TAIL[str(case)].format(attribute=attribute),
        )
        findings.append(
            Finding(
                code=FLIP_CODE if variant == "direct" else FLIP_PROXY_CODE,
                severity="warning",
                title=_TITLE[str(variant)],
                message=message,
                subject=_direction_label(worst),
                evidence={
                    "attribute": str(attribute),
                    "variant": str(variant),
                    "from_group": str(worst["from_group"]),
                    "to_group": str(worst["to_group"]),
                    "n": int(worst["n"]),
                    "flipped": int(worst["flipped"]),
                    "flip_rate": float(worst["flip_rate"]),
                    "ci_low": float(worst["ci_low"]),
                    "ci_high": float(worst["ci_high"]),
                    "ci": result.ci,
                    "to_positive": float(worst["to_positive"]),
                    "to_negative": float(worst["to_negative"]),
                    "score_change": float(score),
                    "threshold": result.threshold,
                    "proxies": proxies,
                    "proxy_fill": result.proxy_fill,
                },
                analyzer=ANALYZER,
            )
        )
    return findings
