"""CalibrationResult: reliability curves, calibration-in-the-large and the fairness engine's
ECE, Brier score, PPV and NPV, per group, with intervals."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from audit._jsonable import to_jsonable
from audit.facts import Fact
from audit.rules import CALIBRATION_FACTS

if TYPE_CHECKING:  # pragma: no cover
    from audit.findings import Finding
    from audit.policy import Policy

__all__ = ["CalibrationResult", "GROUP_COLUMNS", "CURVE_COLUMNS", "FACT_NAMES"]

GROUP_COLUMNS: tuple[str, ...] = (
    "count",
    "share",
    "mean_score",
    "observed_rate",
    "calibration_in_the_large",
    "ece",
    "brier",
    "precision",
    "npv",
    "fpr",
    "fnr",
)
"""Columns of :attr:`CalibrationResult.by_group`."""
CURVE_COLUMNS: tuple[str, ...] = (
    "bin",
    "bin_low",
    "bin_high",
    "count",
    "mean_score",
    "observed_rate",
    "ci_low",
    "ci_high",
)
"""Columns of :attr:`CalibrationResult.curves` (indexed by the groups)."""
FACT_NAMES: tuple[str, ...] = CALIBRATION_FACTS
"""The facts the calibration analysis publishes (core's :data:`audit.rules.CALIBRATION_FACTS`)."""

_TOO_FEW_GROUPS = "{n} group(s) with enough evidence; a comparison needs 2"


def _interval(samples: np.ndarray | None, ci: float) -> tuple[float, float] | None:
    if samples is None:
        return None
    finite = samples[np.isfinite(samples)]
    if finite.size == 0:
        return None
    alpha = (1 - ci) / 2
    low, high = np.quantile(finite, [alpha, 1 - alpha])
    return float(low), float(high)


@dataclass(frozen=True, eq=False)
class CalibrationResult:
    """Calibration of a binary scorer, per group.

    Attributes
    ----------
    by_group : pandas.DataFrame
        One row per group (indexed like :attr:`audit.fairness.GroupMetrics.by_group`):
        ``count``, ``share``; ``mean_score`` (weighted mean of the score);
        ``observed_rate`` (the share of positives: the fairness engine's
        ``base_rate``); ``calibration_in_the_large`` (``mean_score -
        observed_rate``: positive when the scores overstate the group's rate);
        and the fairness engine's ``ece`` (10 equal-width bins), ``brier``,
        ``precision`` (PPV), ``npv``, ``fpr`` and ``fnr`` of the same rows, read
        from its :class:`~audit.fairness.GroupMetrics`, never recomputed
        (predictive values against error rates: the two sides of the
        ProPublica–Northpointe dispute).
    ci_low, ci_high : pandas.DataFrame
        Same shape: percentile bootstrap intervals (NaN without bootstrap, and
        for ``count`` and ``share``). Those of ``calibration_in_the_large`` and
        ``mean_score`` come from this analysis' bootstrap of the score cells
        (stratified by group); the others are the fairness engine's.
    verdicts : pandas.DataFrame
        Same shape: ``"ok"`` or ``"insufficient evidence"``, the fairness
        engine's verdicts (``mean_score``, ``observed_rate`` and
        ``calibration_in_the_large`` take the verdict of the rows, ``brier``'s).
    overall : pandas.Series
        The same quantities over all rows.
    curves : pandas.DataFrame
        The reliability curves, one row per (group, bin), indexed by the group
        (like :attr:`by_group`, each group ``n_bins`` times): ``bin`` (0 ...
        n_bins - 1), ``bin_low`` / ``bin_high`` (bin
        ``b`` holds the scores in ``[b / n_bins, (b + 1) / n_bins)``, the last
        one also 1.0), ``count`` (rows), ``mean_score`` and ``observed_rate``
        (weighted), and the Wilson interval of the observed rate at level
        ``ci`` (with the effective sample size ``(Σw)² / Σw²`` of the bin when
        weighted). Empty bins are NaN.
    sensitive_names : tuple of str
        Names of the sensitive features.
    group_labels : tuple of str
        Readable label of every group, in the order of :attr:`by_group`.
    n_bins, n_boot, ci, min_count : int, int, float, int
        The settings.
    random_state : int or None
        The seed of this analysis' bootstrap, when an int was given.
    """

    by_group: pd.DataFrame
    ci_low: pd.DataFrame
    ci_high: pd.DataFrame
    verdicts: pd.DataFrame
    overall: pd.Series
    curves: pd.DataFrame
    sensitive_names: tuple[str, ...]
    group_labels: tuple[str, ...]
    n_bins: int
    n_boot: int
    ci: float
    min_count: int
    random_state: int | None = None
    _citl_replicates: np.ndarray | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ groups
    @property
    def comparable(self) -> pd.Series:
        """Boolean per group: enough rows (``min_count``) for its calibration to be judged."""
        values = self.by_group["calibration_in_the_large"].to_numpy(dtype=float)
        ok = (self.verdicts["calibration_in_the_large"] == "ok").to_numpy() & np.isfinite(values)
        return pd.Series(ok, index=self.by_group.index, name="comparable")

    def _left_out(self) -> tuple[str, ...]:
        ok = self.comparable.to_numpy()
        counts = self.by_group["count"].to_numpy(dtype=float)
        return tuple(
            lab for lab, o, n in zip(self.group_labels, ok, counts, strict=True) if not o and n > 0
        )

    def gap(self) -> dict[str, Any]:
        """The calibration gaps between the comparable groups.

        Returns
        -------
        dict
            ``max``: the largest ``|calibration_in_the_large|`` of a comparable
            group and ``max_group`` that group; ``difference``: highest minus
            lowest ``calibration_in_the_large`` and ``difference_groups`` (lowest,
            highest); their bootstrap intervals ``max_ci`` / ``difference_ci``
            (None without bootstrap); ``comparable`` (labels) and
            ``insufficient`` (groups left out). Values are NaN with fewer than
            two comparable groups.
        """
        ok = self.comparable.to_numpy()
        citl = self.by_group["calibration_in_the_large"].to_numpy(dtype=float)
        labels = np.asarray(self.group_labels, dtype=object)
        out: dict[str, Any] = {
            "max": math.nan,
            "max_group": None,
            "max_ci": None,
            "difference": math.nan,
            "difference_groups": None,
            "difference_ci": None,
            "comparable": [str(x) for x in labels[ok]],
            "insufficient": list(self._left_out()),
        }
        if ok.sum() < 2:
            return out
        idx = np.flatnonzero(ok)
        worst = idx[int(np.argmax(np.abs(citl[idx])))]
        low, high = idx[int(np.argmin(citl[idx]))], idx[int(np.argmax(citl[idx]))]
        out.update(
            max=float(abs(citl[worst])),
            max_group=str(labels[worst]),
            difference=float(citl[high] - citl[low]),
            difference_groups=(str(labels[low]), str(labels[high])),
        )
        reps = self._citl_replicates
        if reps is not None:
            sub = reps[:, idx]
            with np.errstate(invalid="ignore"):
                out["max_ci"] = _interval(np.nanmax(np.abs(sub), axis=1), self.ci)
                out["difference_ci"] = _interval(
                    np.nanmax(sub, axis=1) - np.nanmin(sub, axis=1), self.ci
                )
        return out

    # ------------------------------------------------------------------ facts, findings
    def facts(self) -> dict[str, Fact]:
        """``calibration_gap.max`` and ``calibration_gap.difference`` (see :meth:`gap`).

        None, naming the number of comparable groups, with fewer than two; the
        groups left out for lack of evidence are named in ``Fact.insufficient``.
        """
        g = self.gap()
        left_out = tuple(g["insufficient"])
        if g["max_group"] is None:
            groups = _TOO_FEW_GROUPS.format(n=len(g["comparable"]))
            return {path: Fact(path, None, groups, None, left_out) for path in FACT_NAMES}
        low, high = g["difference_groups"]
        return {
            "calibration_gap.max": Fact(
                "calibration_gap.max", g["max"], g["max_group"], g["max_ci"], left_out
            ),
            "calibration_gap.difference": Fact(
                "calibration_gap.difference",
                g["difference"],
                f"{low} vs {high}",
                g["difference_ci"],
                left_out,
            ),
        }

    def findings(self, policy: Policy | None = None) -> list[Finding]:
        """Findings under ``policy`` (see :func:`audit.calibration.calibration_findings`)."""
        from audit.calibration._findings import calibration_findings

        return calibration_findings(self, policy)

    # ------------------------------------------------------------------ exports
    def to_frame(self) -> pd.DataFrame:
        """The reliability curves: a copy of :attr:`curves` (one row per group and bin)."""
        return self.curves.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict of everything (NaN as None).

        Returns
        -------
        dict
            ``sensitive_features``, ``settings``, ``groups`` (per group: ``label``,
            ``key``, ``metrics``, ``ci_low``, ``ci_high``, ``verdicts``,
            ``comparable``, ``curve``: the group's bins), ``overall`` and ``gap``.
        """
        names = self.sensitive_names
        comparable = self.comparable.to_numpy()
        groups = []
        curve_cols = list(CURVE_COLUMNS)
        for i, key in enumerate(self.by_group.index):
            parts = key if isinstance(key, tuple) else (key,)
            rows = self.curves.iloc[i * self.n_bins : (i + 1) * self.n_bins][curve_cols]
            groups.append(
                {
                    "label": self.group_labels[i],
                    "key": dict(zip(names, parts, strict=True)),
                    "metrics": self.by_group.iloc[i].to_dict(),
                    "ci_low": self.ci_low.iloc[i].to_dict(),
                    "ci_high": self.ci_high.iloc[i].to_dict(),
                    "verdicts": self.verdicts.iloc[i].to_dict(),
                    "comparable": bool(comparable[i]),
                    "curve": rows.to_dict(orient="records"),
                }
            )
        return to_jsonable(
            {
                "sensitive_features": list(names),
                "settings": {
                    "n_bins": self.n_bins,
                    "n_boot": self.n_boot,
                    "ci": self.ci,
                    "min_count": self.min_count,
                    "random_state": self.random_state,
                },
                "groups": groups,
                "overall": self.overall.to_dict(),
                "gap": self.gap(),
            }
        )
