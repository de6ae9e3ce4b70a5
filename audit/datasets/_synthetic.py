"""A synthetic biased classification problem whose ground truth is known."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from audit.errors import DataValidationError

__all__ = ["BiasedData", "make_biased_classification"]

_BAD_ARG = "make_biased_classification: {name} must be {allowed}; got {value!r}."


@dataclass(frozen=True)
class BiasedData:
    """Synthetic data with planted bias, a planted proxy and an unrelated feature.

    Attributes
    ----------
    X : pandas.DataFrame
        Columns ``group`` (the sensitive attribute, ``"A"`` or ``"B"``),
        ``proxy`` (numeric, correlated with group), ``x0 .. x{k-1}`` (the true
        signal, independent of group) and ``noise`` (independent of everything).
    y : pandas.Series
        Binary label 0/1 named ``"y"``.
    sensitive : str
        Name of the sensitive column (``"group"``).
    proxy : str
        Name of the planted proxy column (``"proxy"``).
    unrelated : str
        Name of the column unrelated to group and label (``"noise"``).
    coefficients : dict
        The true log-odds coefficient of every x column, plus ``bias``.
    """

    X: pd.DataFrame
    y: pd.Series
    sensitive: str = "group"
    proxy: str = "proxy"
    unrelated: str = "noise"
    coefficients: dict[str, float] = field(default_factory=dict)

    def __iter__(self):  # allows ``X, y = make_biased_classification(...)``
        return iter((self.X, self.y))


def make_biased_classification(
    n: int = 2000,
    *,
    bias: float = 1.0,
    proxy_strength: float = 0.8,
    n_features: int = 4,
    weights: Sequence[float] | None = None,
    group_share: float = 0.5,
    intercept: float = 0.0,
    random_state: int | None = None,
) -> BiasedData:
    """Generate a binary classification problem with known bias and a known proxy.

    The generative model, so tests know the ground truth:

    * ``s ~ Bernoulli(group_share)``; ``group = "A"`` where ``s = 1``, else ``"B"``.
    * ``x_j ~ N(0, 1)`` independent of ``s`` for ``j < n_features``; ``noise ~ N(0, 1)``.
    * ``proxy = proxy_strength * (2s - 1) + sqrt(1 - proxy_strength**2) * e``,
      ``e ~ N(0, 1)``; with ``group_share = 0.5`` the Pearson correlation of
      ``proxy`` with ``2s - 1`` is ``proxy_strength``. ``proxy`` has no direct
      effect on the label.
    * ``logit = intercept + sum_j w_j x_j + bias * (2s - 1)``;
      ``y ~ Bernoulli(sigmoid(logit))``. So ``bias > 0`` raises group A's base
      rate (label bias), and a model that sees ``group`` or ``proxy`` learns it.

    Parameters
    ----------
    n : int, default=2000
        Number of rows (>= 2).
    bias : float, default=1.0
        Log-odds advantage of group A over the average (0 = no label bias).
    proxy_strength : float, default=0.8
        Correlation of ``proxy`` with the group, in [0, 1).
    n_features : int, default=4
        Number of true signal columns ``x0 ..``.
    weights : sequence of float, optional
        True coefficients of ``x0 ..`` (default all 1.0). Use e.g.
        ``[8, 0.2, 0.2, 0.2]`` for one dominant feature.
    group_share : float, default=0.5
        Share of group A, in (0, 1).
    intercept : float, default=0.0
        Log-odds intercept.
    random_state : int, optional
        Seed.

    Returns
    -------
    BiasedData
        Unpacks as ``X, y``.
    """
    if int(n) != n or n < 2:
        raise DataValidationError(_BAD_ARG.format(name="n", allowed="an int >= 2", value=n))
    if not 0 <= proxy_strength < 1:
        raise DataValidationError(
            _BAD_ARG.format(name="proxy_strength", allowed="in [0, 1)", value=proxy_strength)
        )
    if not 0 < group_share < 1:
        raise DataValidationError(
            _BAD_ARG.format(name="group_share", allowed="in (0, 1)", value=group_share)
        )
    if int(n_features) != n_features or n_features < 1:
        raise DataValidationError(
            _BAD_ARG.format(name="n_features", allowed="an int >= 1", value=n_features)
        )
    w = np.ones(n_features) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (n_features,):
        raise DataValidationError(
            _BAD_ARG.format(name="weights", allowed=f"{n_features} numbers", value=weights)
        )
    rng = np.random.default_rng(random_state)
    s = rng.random(n) < group_share
    signed = np.where(s, 1.0, -1.0)
    x = rng.standard_normal((n, n_features))
    proxy = proxy_strength * signed + np.sqrt(1.0 - proxy_strength**2) * rng.standard_normal(n)
    noise = rng.standard_normal(n)
    logit = intercept + x @ w + bias * signed
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame({"group": np.where(s, "A", "B"), "proxy": proxy})
    for j in range(n_features):
        frame[f"x{j}"] = x[:, j]
    frame["noise"] = noise
    coefficients = {f"x{j}": float(w[j]) for j in range(n_features)}
    coefficients["bias"] = float(bias)
    return BiasedData(X=frame, y=pd.Series(y, name="y"), coefficients=coefficients)
