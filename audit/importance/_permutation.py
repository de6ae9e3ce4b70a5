"""Permutation importance on the model's input columns (sklearn's, seeded)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from audit._frames import to_1d_array, to_pandas_frame
from audit._inputs import align_rows, check_lengths, check_positive_int, resolve_random_state
from audit._jsonable import to_jsonable as _plain
from audit.adapters import make_adapter
from audit.importance._scoring import AdapterEstimator, make_scorer_for, model_input

__all__ = ["PermutationImportance", "permutation_importance"]


@dataclass(frozen=True, eq=False)
class PermutationImportance:
    """How much the score drops when one input column is shuffled.

    Attributes
    ----------
    table : pandas.DataFrame
        Index ``feature``; ``mean`` and ``std`` of the score drop over repeats,
        and ``pct_of_score`` = 100 * mean / baseline score (the column's share
        of the model's accuracy, Table 4), in the data's column order.
    importances : numpy.ndarray
        ``(n_features, n_repeats)`` raw score drops.
    baseline_score : float
        Score on the unshuffled rows.
    scoring : str
        The scorer's name.
    n_repeats : int
        Shuffles per column.
    n_rows : int
        Rows scored (after ``max_rows`` subsampling).
    random_state : int
        Seed.
    """

    table: pd.DataFrame
    importances: np.ndarray
    baseline_score: float
    scoring: str
    n_repeats: int
    n_rows: int
    random_state: int

    def to_frame(self) -> pd.DataFrame:
        """The per-feature table."""
        return self.table

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary."""
        return _plain(
            {
                "scoring": self.scoring,
                "baseline_score": self.baseline_score,
                "n_repeats": self.n_repeats,
                "n_rows": self.n_rows,
                "random_state": self.random_state,
                "table": self.table.reset_index().to_dict(orient="records"),
            }
        )


def permutation_importance(
    model: Any,
    X: Any,
    y: Any,
    *,
    scoring: str | Callable[..., float] | None = None,
    n_repeats: int = 5,
    random_state: int | None = 0,
    sample_weight: Any = None,
    max_rows: int | None = 10_000,
) -> PermutationImportance:
    """Permutation importance of each input column, via ``sklearn.inspection``.

    Parameters
    ----------
    model : estimator, Pipeline, torch.nn.Module or ModelAdapter
        The fitted model; columns are shuffled before any preprocessing.
    X : table
        The data.
    y : array-like
        Labels (or the model's own predictions, to measure reliance without labels).
    scoring : str or callable, optional
        A sklearn scorer name or ``scorer(estimator, X, y)``; default
        ``"accuracy"`` for classifiers and ``"r2"`` for regressors.
    n_repeats : int, default=5
        Shuffles per column.
    random_state : int or None, default=0
        Seed (also of the row subsample); None draws a fresh one, as everywhere.
    sample_weight : array-like, optional
        Row weights for the score.
    max_rows : int or None, default=10000
        Score at most this many rows, drawn at random with the seed (None: all).

    Returns
    -------
    PermutationImportance
    """
    from sklearn.inspection import permutation_importance as sk_permutation_importance

    n_repeats = check_positive_int("n_repeats", n_repeats)
    random_state = resolve_random_state(random_state)
    aligned = align_rows({"X": X, "y": y, "sample_weight": sample_weight})
    X, y, sample_weight = aligned["X"], aligned["y"], aligned["sample_weight"]
    adapter = make_adapter(model)
    frame = model_input(adapter, to_pandas_frame(X, column_names=adapter.input_features))
    target = to_1d_array(y, what="y")
    weights = None if sample_weight is None else to_1d_array(sample_weight, what="sample_weight")
    check_lengths(
        {
            "X": len(frame),
            "y": len(target),
            "sample_weight": None if weights is None else len(weights),
        }
    )
    if max_rows is not None and len(frame) > check_positive_int("max_rows", max_rows):
        rng = np.random.default_rng(random_state)
        rows = np.sort(rng.choice(len(frame), size=max_rows, replace=False))
        frame, target = frame.iloc[rows], target[rows]
        weights = None if weights is None else weights[rows]
    estimator, scorer, name = make_scorer_for(adapter, scoring)
    if estimator is None:
        estimator = AdapterEstimator(adapter, [str(c) for c in frame.columns])
    raw = sk_permutation_importance(
        estimator,
        frame,
        target,
        scoring=scorer,
        n_repeats=n_repeats,
        random_state=random_state,
        sample_weight=weights,
    )
    baseline = _baseline(estimator, scorer, frame, target, weights)
    mean = np.asarray(raw.importances_mean, dtype=float)
    table = pd.DataFrame(
        {
            "mean": mean,
            "std": np.asarray(raw.importances_std, dtype=float),
            "pct_of_score": 100 * mean / baseline if baseline else np.full_like(mean, np.nan),
        },
        index=pd.Index([str(c) for c in frame.columns], name="feature"),
    )
    return PermutationImportance(
        table=table,
        importances=np.asarray(raw.importances, dtype=float),
        baseline_score=baseline,
        scoring=name,
        n_repeats=n_repeats,
        n_rows=len(frame),
        random_state=random_state,
    )


def _baseline(estimator: Any, scorer: Any, X: pd.DataFrame, y: np.ndarray, w: Any) -> float:
    from sklearn.metrics import check_scoring

    score = check_scoring(estimator, scoring=scorer) if isinstance(scorer, str) else scorer
    if w is None:
        return float(score(estimator, X, y))
    return float(score(estimator, X, y, sample_weight=w))
