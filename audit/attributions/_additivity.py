"""Additivity, row by row: does base value + sum of attributions reproduce the model output?

SHAP values are additive: for every explained row ``i`` and output ``k``,
``base[i, k] + sum_j values[i, j, k] == output[i, k]``. Exact explainers
(closed-form linear, TreeExplainer, DeepLIFT, the permutation explainer, whose
antithetic permutations are efficient by construction) miss only by floating
point rounding; sampled ones (expected gradients) miss by their sampling
error. Each row is judged against its own tolerance::

    miss[i, k]    = |base[i, k] + sum_j values[i, j, k] - output[i, k]|
    scale[i, k]   = max(|output[i, k] - base[i, k]|, spread[k])
    allowed[i, k] = rtol * scale[i, k] + atol * max(1, |output[i, k]|, |base[i, k]|)

``|output - base|`` is what the row's attributions have to explain; it does
not move when the output is shifted (a regression target in the thousands is
judged like one around 0, where a tolerance relative to ``|output|`` would be
lax). ``spread[k]``, the robust standard deviation of output ``k`` over the
explained rows (1.4826 times the median absolute deviation), is the floor
that keeps the tolerance of a row whose output is at the base value (or at 0)
from collapsing; being a median, one row with a huge output cannot inflate it,
as the former tolerance, relative to the largest output of any row, was. When
more than half the rows share one output (the spread is 0) the floor is the
median of the non-zero ``|output - base|``, else 1. The ``atol`` term allows
for float32 rounding of large numbers.

``rtol`` is :data:`ADDITIVITY_RTOL` of the explainer: 1e-6 (linear,
permutation), 1e-5 (integrated gradients, whose adaptive quadrature is complete
to about 1e-7), 1e-4 (tree), 1e-3 (deep and shap_deep, float32 forward passes),
and 0.75 for expected gradients (``gradient``, ``shap_gradient``), whose 200
samples per row miss by up to about half the spread (measured on small MLPs,
1,000 rows each): a row is flagged when its attributions miss by three quarters
or more of what they explain. An explainer not named there is taken as approximate, with that same
0.75. A tolerance given by the user (``additivity_tolerance``) replaces
``allowed`` by that absolute number on every row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "ADDITIVITY_ATOL",
    "ADDITIVITY_RTOL",
    "APPROXIMATE_RTOL",
    "EXACT_EXPLAINERS",
    "WORST_ROWS",
    "AdditivityCheck",
    "check_additivity",
]

ADDITIVITY_RTOL: dict[str, float] = {
    "linear": 1e-6,
    "tree": 1e-4,
    "deep": 1e-3,  # float32 forward passes
    "shap_deep": 1e-3,
    "integrated_gradients": 1e-5,  # adaptive quadrature, complete to about 1e-7
    "gradient": 0.75,  # expected gradients are sampled: additive only approximately
    "shap_gradient": 0.75,
    "permutation": 1e-6,
}
"""Relative additivity tolerance per explainer (see the module docstring)."""
APPROXIMATE_RTOL = 0.75
"""``rtol`` of an explainer missing from :data:`ADDITIVITY_RTOL`."""
ADDITIVITY_ATOL = 1e-6
"""Rounding allowance, times ``max(1, |output|, |base|)`` (a few float32 epsilons)."""
EXACT_EXPLAINERS: frozenset[str] = frozenset(
    {"linear", "tree", "deep", "shap_deep", "integrated_gradients", "permutation"}
)
"""Explainers additive by construction: a miss beyond rounding means something is wrong."""
WORST_ROWS = 5
"""Rows a failed check names, worst first."""
_MAD_TO_SD = 1.4826  # median absolute deviation to standard deviation, for normal data


@dataclass(frozen=True, eq=False)
class AdditivityCheck:
    """The additivity of an explanation, per explained row and output.

    Attributes
    ----------
    exact : bool
        Whether the explainer is additive by construction (linear, tree, deep,
        permutation); False for sampled explainers (gradient).
    miss : numpy.ndarray
        ``(n_explained, n_outputs)``: ``|base + sum(values) - output|``.
    allowed : numpy.ndarray
        ``(n_explained, n_outputs)``: the tolerance of each row and output.
    scale : numpy.ndarray
        ``(n_explained, n_outputs)``: ``max(|output - base|, spread)``, the
        denominator of the relative miss.
    row_positions : numpy.ndarray
        Position in the audited data of each explained row.
    output_names : tuple of str
        One name per output.
    rule : str
        How ``allowed`` was set, in words.
    """

    exact: bool
    miss: np.ndarray
    allowed: np.ndarray
    scale: np.ndarray
    row_positions: np.ndarray
    output_names: tuple[str, ...]
    rule: str

    @property
    def kind(self) -> str:
        """``"exact"`` or ``"approximate"``."""
        return "exact" if self.exact else "approximate"

    @property
    def passed(self) -> bool:
        """True when every row and output is within its tolerance (a NaN miss fails)."""
        return bool(np.all(self.miss <= self.allowed))

    @property
    def relative_miss(self) -> np.ndarray:
        """``miss / scale`` per row and output."""
        return self.miss / self.scale

    @property
    def max_error(self) -> float:
        """The largest absolute miss (NaN when a miss is NaN; 0 without rows)."""
        return _nanmax(self.miss)

    @property
    def max_relative_error(self) -> float:
        """The largest relative miss ``miss / scale``."""
        return _nanmax(self.relative_miss)

    @property
    def n_failed(self) -> int:
        """Rows with at least one output outside its tolerance."""
        if not self.miss.size:
            return 0
        return int((~(self.miss <= self.allowed)).any(axis=1).sum())

    def worst_rows(self, n: int = WORST_ROWS, *, failed_only: bool = False) -> list[dict[str, Any]]:
        """The rows that miss most relative to their tolerance, worst first.

        Parameters
        ----------
        n : int, default=5
            How many rows.
        failed_only : bool, default=False
            Only rows outside their tolerance.

        Returns
        -------
        list of dict
            ``row`` (position in the audited data), ``output``, ``miss``,
            ``allowed`` and ``relative_miss`` of each row's worst output.
        """
        if not self.miss.size:
            return []
        with np.errstate(divide="ignore", invalid="ignore"):
            over = np.where(np.isnan(self.miss), np.inf, self.miss / self.allowed)
        k_worst = over.argmax(axis=1)
        rows = np.arange(len(over))
        ratio = over[rows, k_worst]
        order = np.argsort(-ratio, kind="stable")
        if failed_only:
            order = [
                i for i in order if not self.miss[i, k_worst[i]] <= self.allowed[i, k_worst[i]]
            ]
        out = []
        for i in list(order)[:n]:
            k = int(k_worst[i])
            out.append(
                {
                    "row": int(self.row_positions[i]),
                    "output": self.output_names[k] if k < len(self.output_names) else str(k),
                    "miss": float(self.miss[i, k]),
                    "allowed": float(self.allowed[i, k]),
                    "relative_miss": float(self.relative_miss[i, k]),
                }
            )
        return out

    def worst(self) -> dict[str, Any] | None:
        """The row with the largest relative miss (``row``, ``miss``, ...), None without rows."""
        if not self.miss.size:
            return None
        rel = np.where(np.isnan(self.miss), np.inf, self.relative_miss)
        i, k = np.unravel_index(int(rel.argmax()), rel.shape)
        return {
            "row": int(self.row_positions[i]),
            "output": self.output_names[k] if k < len(self.output_names) else str(k),
            "miss": float(self.miss[i, k]),
            "allowed": float(self.allowed[i, k]),
            "relative_miss": float(self.relative_miss[i, k]),
        }

    def describe(self) -> str:
        """One sentence for reports: "Additivity is approximate (max miss 0.27 on row 17, ...)"."""
        worst = self.worst()
        if worst is None:
            return f"Additivity is {self.kind} (no rows explained)."
        where = f"max miss {worst['miss']:.3g} on row {worst['row']}"
        if len(self.output_names) > 1:
            where += f", output {worst['output']}"
        share = f"{100 * worst['relative_miss']:.3g}% of that row's scale"
        verdict = (
            "every row within its tolerance"
            if self.passed
            else f"{self.n_failed} row(s) beyond their tolerance"
        )
        return f"Additivity is {self.kind} ({where}, {share}); {verdict}."

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary; rows are positions in the audited data, never their values."""
        return {
            "kind": self.kind,
            "max_relative_error": self.max_relative_error,
            "rule": self.rule,
            "n_failed_rows": self.n_failed,
            "worst_rows": [
                {k: r[k] for k in ("row", "output", "miss", "allowed", "relative_miss")}
                for r in self.worst_rows(failed_only=True)
            ],
        }


def _nanmax(values: np.ndarray) -> float:
    if not values.size:
        return 0.0
    return float(np.nan if np.isnan(values).any() else values.max())


def _spread(output: np.ndarray, deviation: np.ndarray) -> np.ndarray:
    """Per output: robust SD of the output over rows, else the median non-zero deviation, else 1."""
    out = np.ones(output.shape[1])
    for k in range(output.shape[1]):
        column = output[:, k][np.isfinite(output[:, k])]
        if column.size:
            mad = _MAD_TO_SD * float(np.median(np.abs(column - np.median(column))))
            if mad > 0:
                out[k] = mad
                continue
        nonzero = deviation[:, k][np.isfinite(deviation[:, k]) & (deviation[:, k] > 0)]
        if nonzero.size:
            out[k] = float(np.median(nonzero))
    return out


def check_additivity(
    explainer: str,
    values: np.ndarray,
    base_values: np.ndarray,
    model_output: np.ndarray,
    *,
    row_positions: np.ndarray,
    output_names: tuple[str, ...] = (),
    tolerance: float | None = None,
) -> AdditivityCheck:
    """Check additivity row by row (see the module docstring for the tolerance).

    Parameters
    ----------
    explainer : str
        The explainer that produced ``values`` (sets ``rtol`` and exactness).
    values : numpy.ndarray
        ``(n_rows, n_features, n_outputs)`` attributions.
    base_values, model_output : numpy.ndarray
        ``(n_rows, n_outputs)``.
    row_positions : numpy.ndarray
        Position of each row in the audited data (to name the worst rows).
    output_names : tuple of str, optional
        One name per output.
    tolerance : float, optional
        An absolute tolerance for every row instead of the relative one.

    Returns
    -------
    AdditivityCheck
    """
    base = np.asarray(base_values, dtype=float)
    output = np.asarray(model_output, dtype=float)
    if output.ndim == 1:
        output = output[:, None]
    base = np.broadcast_to(base.reshape(len(output), -1), output.shape)
    miss = np.abs(base + np.asarray(values, dtype=float).sum(axis=1) - output)
    deviation = np.abs(output - base)
    spread = _spread(output, deviation) if len(output) else np.ones(output.shape[1])
    scale = np.maximum(deviation, spread[None, :])
    scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
    if tolerance is not None:
        allowed = np.full(miss.shape, float(tolerance))
        rule = f"|miss| <= {float(tolerance):g} on every row (given)"
    else:
        rtol = ADDITIVITY_RTOL.get(explainer, APPROXIMATE_RTOL)
        rounding = np.maximum(np.maximum(1.0, np.abs(output)), np.abs(base))
        allowed = rtol * scale + ADDITIVITY_ATOL * rounding
        spreads = ", ".join(f"{s:.3g}" for s in spread)
        rule = (
            f"|miss| <= {rtol:g} * max(|output - base|, spread {spreads}) "
            f"+ {ADDITIVITY_ATOL:g} * max(1, |output|, |base|) on each row"
        )
    return AdditivityCheck(
        exact=explainer in EXACT_EXPLAINERS,
        miss=miss,
        allowed=allowed,
        scale=scale,
        row_positions=np.asarray(row_positions),
        output_names=tuple(output_names),
        rule=rule,
    )
