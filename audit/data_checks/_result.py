"""The data checks' result: tables, facts and findings."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from audit._jsonable import to_jsonable
from audit.facts import Fact, fact
from audit.findings import Finding

__all__ = [
    "BASE_RATE_COLUMNS",
    "DIFFERENCE_COLUMNS",
    "FIT_COLUMNS",
    "IMBALANCE_CODE",
    "MISSING_COLUMNS",
    "REFERENCE_CODE",
    "REPRESENTATION_COLUMNS",
    "UNDER_CODE",
    "DataChecks",
    "data_facts",
    "data_findings",
]

ANALYZER = "data"
UNDER_CODE = "under_representation"
REFERENCE_CODE = UNDER_CODE  # the same verdict, judged against a reference (evidence "basis")
IMBALANCE_CODE = "label_imbalance"
REPRESENTATION_COLUMNS = (
    "attribute",
    "group",
    "count",
    "share",
    "reference_share",
    "reference_ratio",
)
FIT_COLUMNS = ("attribute", "n", "groups", "chi2", "dof", "p_value")
BASE_RATE_COLUMNS = ("attribute", "group", "count", "positives", "base_rate", "sufficient")
MISSING_COLUMNS = ("attribute", "group", "feature", "count", "missing", "missing_share")
DIFFERENCE_COLUMNS = ("attribute", "feature", "kind", "smd", "cramers_v", "tvd", "groups")

_UNDER_TITLE = "A group is under-represented in the data"
_UNDER_MESSAGE = (
    "{group!r} makes up {share:.1%} of the rows by {attribute} ({count:,} of {n:,}), below the "
    "policy's min_group_share of {threshold:.0%}: the model saw few examples of it, and its "
    "metrics are uncertain."
)
_REFERENCE_TITLE = "A group is under-represented against the reference population"
_REFERENCE_MESSAGE = (
    "{group!r} makes up {share:.1%} of the rows by {attribute} but {reference:.1%} of the "
    "reference population: {ratio:.2f} of its expected share (policy representation_ratio "
    "{threshold:.2f}; chi-square goodness of fit over the {k} groups: p = {p:.3g})."
)
_IMBALANCE_TITLE = "The labels' base rate differs between groups"
_IMBALANCE_MESSAGE = (
    "The share of positive labels ({positive!r}) by {attribute} is {low:.3f} for {low_group!r} "
    "and {high:.3f} for {high_group!r} (ratio {ratio:.2f} < {threshold:.2f}). A model trained "
    "on these labels learns the gap; check how the labels were produced."
)


@dataclass(frozen=True, eq=False)
class DataChecks:
    """What the data says about its groups, before any model.

    Attributes
    ----------
    representation : pandas.DataFrame
        One row per (attribute, group), columns :data:`REPRESENTATION_COLUMNS`:
        rows, share of the rows, and where a reference distribution was given
        the group's reference share and ``reference_ratio`` (share / reference
        share). A group of the reference absent from the data has count 0.
    goodness_of_fit : pandas.DataFrame
        One row per attribute with a reference, columns :data:`FIT_COLUMNS`:
        Pearson's chi-square goodness-of-fit statistic of the group counts
        against the reference shares, its degrees of freedom and p-value.
    base_rates : pandas.DataFrame
        One row per (attribute, group), columns :data:`BASE_RATE_COLUMNS`:
        binary labels: rows, positive labels and their share; regression: the
        mean target as ``base_rate`` (``positives`` NaN). Empty without labels
        or for multiclass labels. ``sufficient``: the group has at least
        ``min_count`` rows (only those are compared).
    missing : pandas.DataFrame
        One row per (attribute, group, feature) for the features with at least
        one missing value, columns :data:`MISSING_COLUMNS`.
    differences : pandas.DataFrame
        One row per (attribute, feature), columns :data:`DIFFERENCE_COLUMNS`:
        numeric features: ``smd``, the largest standardized mean difference
        between two comparable groups (mean difference / sqrt of the mean of
        their variances), the pair as ``groups`` ("higher vs lower"); categorical
        features: Cramér's V between feature and group and ``tvd``, the largest
        total variation distance between two groups' distributions (missing a
        category of its own), the pair as ``groups``. Sorted by attribute, kind,
        then difference, largest first.
    label_kind : {"binary", "regression", "multiclass"} or None
        The labels' kind (None without labels).
    pos_label : object
        The positive label of binary labels.
    n_rows : int
        Rows of the data.
    attributes : tuple of str
        The sensitive attributes.
    min_count, min_group_share, representation_ratio, ratio_warning : number
        The policy settings the findings were judged with.
    """

    representation: pd.DataFrame
    goodness_of_fit: pd.DataFrame
    base_rates: pd.DataFrame
    missing: pd.DataFrame
    differences: pd.DataFrame
    label_kind: str | None
    pos_label: Any
    n_rows: int
    attributes: tuple[str, ...]
    min_count: int
    min_group_share: float
    representation_ratio: float
    ratio_warning: float

    @property
    def has_reference(self) -> bool:
        """Whether a reference distribution was given for some attribute."""
        return bool(self.representation["reference_share"].notna().any())

    def base_rate_ratios(self) -> pd.DataFrame:
        """Per attribute: lowest / highest base rate among groups with ``min_count`` rows.

        Columns ``low_group``, ``low``, ``high_group``, ``high``, ``ratio``,
        ``insufficient`` (the groups left out); ``ratio`` NaN with fewer than
        two comparable groups or a highest rate of 0. Binary labels only.
        """
        rows = []
        if self.label_kind == "binary":
            for attribute, part in self.base_rates.groupby("attribute", sort=False):
                judged = part[part["sufficient"]]
                left_out = tuple(str(g) for g in part.loc[~part["sufficient"], "group"])
                if len(judged) < 2:
                    rows.append({"attribute": attribute, "ratio": np.nan, "insufficient": left_out})
                    continue
                low = judged.loc[judged["base_rate"].idxmin()]
                high = judged.loc[judged["base_rate"].idxmax()]
                ratio = low["base_rate"] / high["base_rate"] if high["base_rate"] > 0 else np.nan
                rows.append(
                    {
                        "attribute": attribute,
                        "low_group": low["group"],
                        "low": float(low["base_rate"]),
                        "high_group": high["group"],
                        "high": float(high["base_rate"]),
                        "ratio": float(ratio),
                        "insufficient": left_out,
                    }
                )
        columns = ["attribute", "low_group", "low", "high_group", "high", "ratio", "insufficient"]
        return pd.DataFrame(rows, columns=columns)

    def facts(self) -> dict[str, Fact]:
        """``data.min_group_share``, ``data.representation_ratio``, ``data.base_rate_ratio``."""
        return data_facts(self)

    def findings(self) -> list[Finding]:
        """Under-representation and label-imbalance warnings (:func:`data_findings`)."""
        return data_findings(self)

    def to_frame(self) -> pd.DataFrame:
        """The representation table."""
        return self.representation

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable record."""
        return to_jsonable(
            {
                "n_rows": self.n_rows,
                "attributes": list(self.attributes),
                "label_kind": self.label_kind,
                "pos_label": self.pos_label,
                "min_count": self.min_count,
                "min_group_share": self.min_group_share,
                "representation_ratio": self.representation_ratio,
                "ratio_warning": self.ratio_warning,
                "representation": self.representation.to_dict(orient="records"),
                "goodness_of_fit": self.goodness_of_fit.to_dict(orient="records"),
                "base_rates": self.base_rates.to_dict(orient="records"),
                "base_rate_ratios": self.base_rate_ratios().to_dict(orient="records"),
                "missing": self.missing.to_dict(orient="records"),
                "differences": self.differences.to_dict(orient="records"),
            }
        )


def _label(attribute: Any, group: Any) -> str:
    return f"{attribute}: {group}"


def data_facts(checks: DataChecks) -> dict[str, Fact]:
    """The data checks' facts.

    ``data.min_group_share``: the smallest share of the rows any group holds
    (``groups``: ``"race: Other"``); ``data.representation_ratio`` (only with a
    reference): the smallest share / reference share; ``data.base_rate_ratio``
    (binary labels only): the smallest ratio of lowest to highest base rate
    between groups with ``min_count`` rows, over the attributes, naming the
    groups left out as ``insufficient``.
    """
    out: dict[str, Fact] = {}
    rep = checks.representation
    if not rep.empty:
        low = rep.loc[rep["share"].idxmin()]
        out["data.min_group_share"] = fact(
            "data.min_group_share", low["share"], groups=_label(low["attribute"], low["group"])
        )
    if checks.has_reference:
        ratios = rep[rep["reference_ratio"].notna()]
        low = ratios.loc[ratios["reference_ratio"].idxmin()]
        out["data.representation_ratio"] = fact(
            "data.representation_ratio",
            low["reference_ratio"],
            groups=_label(low["attribute"], low["group"]),
        )
    if checks.label_kind == "binary":
        ratios = checks.base_rate_ratios()
        insufficient = tuple(
            _label(r.attribute, g) for r in ratios.itertuples(index=False) for g in r.insufficient
        )
        judged = ratios[ratios["ratio"].notna()]
        if judged.empty:
            out["data.base_rate_ratio"] = Fact(
                "data.base_rate_ratio", None, insufficient=insufficient
            )
        else:
            low = judged.loc[judged["ratio"].idxmin()]
            out["data.base_rate_ratio"] = fact(
                "data.base_rate_ratio",
                low["ratio"],
                groups=f"{low['attribute']}: {low['low_group']} vs {low['high_group']}",
                insufficient=insufficient,
            )
    return out


def data_findings(checks: DataChecks) -> list[Finding]:
    """Warnings for under-represented groups and for labels whose base rate differs by group.

    * ``under_representation`` (evidence ``basis: "share"``): a group's share of
      the rows is below ``min_group_share``;
    * ``under_representation`` (``basis: "reference"``): share / reference
      share below ``representation_ratio`` (with the attribute's chi-square p-value);
    * ``label_imbalance``: binary labels whose lowest / highest base rate
      between groups with ``min_count`` rows is below ``ratio_warning``.
    """
    findings = []
    rep = checks.representation
    fit = checks.goodness_of_fit.set_index("attribute")
    for row in rep.itertuples(index=False):
        evidence = {
            "attribute": row.attribute,
            "group": row.group,
            "count": int(row.count),
            "share": float(row.share),
            "n": checks.n_rows,
        }
        if row.share < checks.min_group_share:
            findings.append(
                Finding(
                    code=UNDER_CODE,
                    severity="warning",
                    title=_UNDER_TITLE,
                    message=_UNDER_MESSAGE.format(
                        group=str(row.group),
                        share=row.share,
                        attribute=row.attribute,
                        count=int(row.count),
                        n=checks.n_rows,
                        threshold=checks.min_group_share,
                    ),
                    subject=_label(row.attribute, row.group),
                    evidence={**evidence, "basis": "share", "threshold": checks.min_group_share},
                    analyzer=ANALYZER,
                )
            )
        ratio = row.reference_ratio
        if ratio is not None and math.isfinite(ratio) and ratio < checks.representation_ratio:
            test = fit.loc[row.attribute]
            findings.append(
                Finding(
                    code=REFERENCE_CODE,
                    severity="warning",
                    title=_REFERENCE_TITLE,
                    message=_REFERENCE_MESSAGE.format(
                        group=str(row.group),
                        share=row.share,
                        attribute=row.attribute,
                        reference=row.reference_share,
                        ratio=ratio,
                        threshold=checks.representation_ratio,
                        k=int(test["groups"]),
                        p=test["p_value"],
                    ),
                    subject=_label(row.attribute, row.group),
                    evidence={
                        **evidence,
                        "basis": "reference",
                        "reference_share": float(row.reference_share),
                        "reference_ratio": float(ratio),
                        "threshold": checks.representation_ratio,
                        "chi2": float(test["chi2"]),
                        "dof": int(test["dof"]),
                        "p_value": float(test["p_value"]),
                    },
                    analyzer=ANALYZER,
                )
            )
    for row in checks.base_rate_ratios().itertuples(index=False):
        if not (math.isfinite(row.ratio) and row.ratio < checks.ratio_warning):
            continue
        findings.append(
            Finding(
                code=IMBALANCE_CODE,
                severity="warning",
                title=_IMBALANCE_TITLE,
                message=_IMBALANCE_MESSAGE.format(
                    positive=checks.pos_label,
                    attribute=row.attribute,
                    low=row.low,
                    low_group=str(row.low_group),
                    high=row.high,
                    high_group=str(row.high_group),
                    ratio=row.ratio,
                    threshold=checks.ratio_warning,
                ),
                subject=f"{row.attribute}: {row.low_group} vs {row.high_group}",
                evidence={
                    "attribute": row.attribute,
                    "low_group": row.low_group,
                    "low": row.low,
                    "high_group": row.high_group,
                    "high": row.high,
                    "ratio": row.ratio,
                    "threshold": checks.ratio_warning,
                    "pos_label": checks.pos_label,
                    "insufficient": list(row.insufficient),
                },
                analyzer=ANALYZER,
            )
        )
    return findings
