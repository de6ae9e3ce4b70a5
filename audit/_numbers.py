"""Numbers formatted by what they mean: the single formatter of the report and the findings.

Every number the HTML report, the comparison page and the model card show goes
through :func:`fmt`, with a *kind* that says what the number is:

``"rate"``
    a share of rows (selection rate, TPR, a group's share): ``25.2%``, one
    decimal; a non-zero rate that would round to 0 reads ``<0.1%``.
``"pp"``
    a difference of two rates, in percentage points: ``17.7 pp``.
``"pct"``
    a number that is already a percentage (``permutation_pct``): ``0.9%``.
``"ratio"``
    a ratio of two rates (four-fifths rule): ``0.30``, two decimals.
``"score"``
    a bounded score (AUC, Brier, Gini): ``0.912``, three decimals.
``"count"``
    a count: ``5,421``; weighted (non-integral) counts keep one decimal.
``"p"``
    a p-value: ``0.0021``, or ``<0.0001``.
``"number"`` (default)
    anything else: integral values with separators (``66``, ``5,421``), others
    with at least three significant digits (``0.123``, ``12.3``, ``1,235``),
    scientific below 1e-4.

Numerical noise is shown as 0: a value whose magnitude is below ``1e-12`` times
the ``scale`` it is read against (a table column's largest magnitude; 1 when
not given) prints as ``0``, never as ``-1.04e-17``.

A value shown beside the threshold it was judged against must never look equal
to it (``5.0% (threshold 5.0%)``): pass the threshold(s) as ``against`` and
:func:`fmt` adds decimals until the two texts differ.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any, Literal

import numpy as np

__all__ = [
    "Kind",
    "KINDS",
    "NOISE",
    "fmt",
    "column_kind",
    "difference_kind",
    "parse_shown",
]

Kind = Literal["number", "rate", "pp", "pct", "ratio", "score", "count", "p"]
KINDS: tuple[str, ...] = ("number", "rate", "pp", "pct", "ratio", "score", "count", "p")
NOISE = 1e-12
"""Relative magnitude below which a value is numerical noise and shown as 0."""

_MISSING = "—"
_EXTRA_DIGITS = 6  # how many decimals ``against`` may add

_RATES = frozenset(
    {
        "share",
        "base_rate",
        "selection_rate",
        "tpr",
        "fpr",
        "fnr",
        "tnr",
        "precision",
        "npv",
        "accuracy",
        "balanced_accuracy",
        "near_zero",
        "dead_fraction",
        "top_share",
        "top_k_share",
        "error_rate",
        "flip_rate",
        "reliance",
        "missing",
        "coverage",
    }
)
_SCORES = frozenset(
    {
        "auc",
        "brier",
        "ece",
        "f1",
        "gini",
        "hhi",
        "r2",
        "cramers_v",
        "association",
        "mi_normalized",
        "proxy_score",
    }
)
_COUNTS = frozenset(
    {
        "count",
        "n",
        "size",
        "support",
        "rows",
        "denominator",
        "denominators",
        "n_explained",
        "n_rows",
        "n_zero",
        "n_dead",
        "n_units",
        "n_trees",
        "n_nodes",
        "n_leaves",
        "n_features",
        "fan_in",
        "fan_out",
        "n_boot",
        "n_comparisons",
        "n_significant",
        "min_count",
        "effective_n_rows",
    }
)
_SUMMARY_OF = {  # fairlearn's names for the facts of rate metrics
    "demographic_parity": "selection_rate",
    "equal_opportunity": "tpr",
    "equalized_odds": "tpr",
}
_PVALUES = frozenset({"p", "p_value", "p_adjusted", "p_adj", "pvalue"})
_PER_CLASS = re.compile(r"^(?P<base>[A-Za-z_]+)\[.*\]$")


def _base(name: str) -> str:
    match = _PER_CLASS.match(name)
    return match.group("base") if match else name


def column_kind(name: Any) -> Kind:
    """The kind of number a column, metric or evidence key of this name holds.

    Parameters
    ----------
    name : object
        A column name (``"selection_rate"``, ``"tpr[1]"``, ``"share"``, ``"count"``,
        ``"permutation_pct"``, ``"p_adjusted"``); anything else is ``"number"``.

    Returns
    -------
    str
        One of :data:`KINDS`.
    """
    if not isinstance(name, str):
        return "number"
    if "." in name and not name.startswith("."):  # a fact path: "selection_rate.ratio"
        metric, _, stat = name.rpartition(".")
        metric = _SUMMARY_OF.get(metric, metric)
        if stat == "ratio":
            return "ratio"
        if stat == "difference":
            return difference_kind(metric)
        if stat in ("min", "max"):
            return column_kind(metric)
    base = _base(name.strip().lower().replace(" ", "_"))
    for prefix in ("ci_low_", "ci_high_", "mean_", "max_", "min_"):
        if base.startswith(prefix) and base[len(prefix) :] in _RATES:
            return "rate"
    if base in _RATES or base.endswith(("_rate", "_share", "_fraction")):
        return "rate"
    if base.endswith("_pct"):
        return "pct"
    if base in _PVALUES:
        return "p"
    if base in _COUNTS or base.startswith("n_") or base.endswith("_count"):
        return "count"
    if base in _SCORES:
        return "score"
    if base == "ratio" or base.endswith("_ratio"):
        return "ratio"
    return "number"


def difference_kind(metric: Any) -> Kind:
    """The kind of a difference between groups of ``metric``: ``"pp"`` for rates."""
    kind = column_kind(metric)
    return "pp" if kind == "rate" else kind if kind == "score" else "number"


def _float(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _noise(v: float, scale: float | None) -> bool:
    reference = 1.0 if scale is None or not math.isfinite(scale) or scale <= 0 else scale
    return v != 0.0 and abs(v) < NOISE * reference


def _digits_number(v: float) -> int:
    a = abs(v)
    if a >= 1000:
        return 0
    return max(0, 2 - math.floor(math.log10(a)))


def _render(v: float, kind: str, digits: int | None) -> str:
    """``v`` as text in ``kind`` with ``digits`` decimals (None: the kind's default)."""
    if kind == "rate":
        d = 1 if digits is None else digits
        text = f"{100 * v:.{d}f}%"
        if digits is None and v != 0 and float(f"{100 * v:.{d}f}") == 0:
            return "<0.1%" if v > 0 else ">-0.1%"
        if digits is None and 0 < v < 1 and float(f"{100 * v:.{d}f}") == 100:
            return ">99.9%"
        return text
    if kind == "pp":
        d = 1 if digits is None else digits
        return f"{100 * v:.{d}f} pp"
    if kind == "pct":
        d = 1 if digits is None else digits
        return f"{v:.{d}f}%"
    if kind == "ratio":
        d = 2 if digits is None else digits
        return f"{v:.{d}f}"
    if kind == "score":
        d = 3 if digits is None else digits
        return f"{v:.{d}f}"
    if kind == "p":
        if digits is None:
            return "<0.0001" if v < 1e-4 else f"{v:.2g}"
        return f"{v:.{digits}f}"
    if kind == "count":
        if digits is None:
            return f"{v:,.0f}" if v == round(v) else f"{v:,.1f}"
        return f"{v:,.{digits}f}"
    # number
    if digits is None:
        if v == round(v) and abs(v) < 1e15:
            return f"{v:,.0f}"
        if abs(v) >= 1e15 or abs(v) < 1e-4:
            return f"{v:.2e}"
        return f"{v:,.{_digits_number(v)}f}"
    return f"{v:,.{digits}f}"


def _default_digits(v: float, kind: str) -> int:
    return {"rate": 1, "pp": 1, "pct": 1, "ratio": 2, "score": 3, "p": 4, "count": 0}.get(
        kind, _digits_number(v) if v != 0 else 3
    )


def fmt(
    value: Any,
    kind: str | None = None,
    *,
    scale: float | None = None,
    against: float | Iterable[float] | None = None,
) -> str:
    """Format a value for the report by what it means.

    Parameters
    ----------
    value : object
        A number, ``None``/NaN (shown as a dash), a bool (yes/no), a tuple (a
        group label: its parts joined by ``" & "``) or anything else (``str``).
    kind : str, optional
        One of :data:`KINDS`; default ``"number"``.
    scale : float, optional
        The magnitude the value is read against (a table column's largest
        absolute value); values below ``NOISE * scale`` are shown as 0.
    against : float or iterable of float, optional
        Threshold(s) this value is shown beside or was judged against: decimals
        are added (up to six more) until the value's text differs from each
        threshold's text, so a flag never looks unjustified.

    Returns
    -------
    str
    """
    if value is None:
        return _MISSING
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return " & ".join(map(str, value))
    if isinstance(value, str):
        return value
    if not isinstance(value, (int, float, np.integer, np.floating)):
        return str(value)
    v = _float(value)
    if v is None:
        return _MISSING
    k = kind or "number"
    if k not in KINDS:
        raise ValueError(f"Unknown number kind {kind!r}; expected one of {KINDS}.")
    if _noise(v, scale):
        v = 0.0
    if isinstance(value, (int, np.integer)) and k in ("number", "count"):
        return f"{int(value):,}"
    text = _render(v, k, None)
    if against is None:
        return text
    raw = [against] if isinstance(against, (int, float)) else list(against)
    thresholds = [t for t in (_float(x) for x in raw) if t is not None]
    thresholds = [0.0 if _noise(t, scale) else t for t in thresholds]
    thresholds = [t for t in thresholds if t != v]
    digits = _default_digits(v, k)
    for extra in range(_EXTRA_DIGITS + 1):
        d = digits + extra
        clash = [t for t in thresholds if _render(v, k, d) == _render(t, k, d)]
        if not clash:
            return text if extra == 0 else _render(v, k, d)
    return _render(v, k, digits + _EXTRA_DIGITS)


def parse_shown(text: str) -> float:
    """Read a number back from the text :func:`fmt` made (for tests and checks).

    ``"25.2%"`` → 0.252, ``"17.7 pp"`` → 0.177, ``"5,421"`` → 5421.0; bounds such
    as ``"<0.1%"`` read as the bound.
    """
    t = text.strip().lstrip("<>").replace(",", "")
    if t.endswith(" pp"):
        return float(t[:-3]) / 100
    if t.endswith("%"):
        return float(t[:-1]) / 100
    return float(t)
