"""Drop-column importance: refit without a column and measure the accuracy lost.

A clone of the model is refitted on a train split of the audit data, once with
every column (the baseline) and once per examined column without it, and each
is scored on the held-out split. A plain estimator really loses the column; in
a Pipeline, whose preprocessing selects columns by name, the column is instead
replaced by a constant (its most frequent training value), which carries the
same (zero) information. Refitting costs one fit per column, so the number of
columns is bounded, and it is opt-in in the audit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from audit._frames import to_1d_array, to_pandas_frame
from audit._inputs import check_positive_int
from audit._jsonable import to_jsonable as _plain
from audit.adapters import make_adapter
from audit.errors import DataValidationError, UnknownColumnError, UnsupportedModelError
from audit.importance._scoring import make_scorer_for, model_input

__all__ = ["DropColumnImportance", "drop_column_importance"]

_NO_REFIT = (
    "Drop-column importance refits the model, which needs a scikit-learn estimator "
    "(sklearn.base.clone); got a {kind} model."
)
_BAD_TEST_SIZE = "test_size must be a number in (0, 1); got {value!r}."
_UNKNOWN = "Column {name!r} is not an input of the model; its inputs are {inputs}."


@dataclass(frozen=True, eq=False)
class DropColumnImportance:
    """Score lost when a model is refitted without each column.

    Attributes
    ----------
    table : pandas.DataFrame
        Index ``feature``; ``score_without``, ``importance`` (baseline minus
        score without) and ``pct_lost`` (100 * importance / baseline).
    baseline_score : float
        Held-out score of the refitted model with every column.
    scoring : str
        The scorer's name.
    method : {"dropped", "constant"}
        Whether columns were removed or replaced by a constant (Pipelines).
    test_size : float
        Share of rows held out.
    n_train, n_test : int
        Rows in each split.
    random_state : int
        Seed of the split (and of the refits, where the estimator has one).
    """

    table: pd.DataFrame
    baseline_score: float
    scoring: str
    method: str
    test_size: float
    n_train: int
    n_test: int
    random_state: int

    def to_frame(self) -> pd.DataFrame:
        """The per-feature table."""
        return self.table

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary."""
        return _plain(
            {
                "baseline_score": self.baseline_score,
                "scoring": self.scoring,
                "method": self.method,
                "test_size": self.test_size,
                "n_train": self.n_train,
                "n_test": self.n_test,
                "random_state": self.random_state,
                "table": self.table.reset_index().to_dict(orient="records"),
            }
        )


def _split(
    frame: pd.DataFrame, y: np.ndarray, test_size: float, random_state: int, classify: bool
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
    from sklearn.model_selection import train_test_split

    stratify = None
    if classify:
        _, counts = np.unique(y, return_counts=True)
        stratify = y if counts.min() >= 2 else None
    return train_test_split(
        frame, y, test_size=test_size, random_state=random_state, stratify=stratify
    )


def drop_column_importance(
    model: Any,
    X: Any,
    y: Any,
    *,
    columns: Sequence[str] | None = None,
    max_features: int = 10,
    test_size: float = 0.3,
    scoring: str | Callable[..., float] | None = None,
    random_state: int = 0,
) -> DropColumnImportance:
    """Refit a clone of ``model`` without each column and report the accuracy lost.

    Parameters
    ----------
    model : estimator or Pipeline
        A scikit-learn model (it is cloned, never modified).
    X : table
        The audit data; split into train and held-out parts.
    y : array-like
        Labels.
    columns : sequence of str, optional
        Columns to examine, in order (default: the model's inputs); only the
        first ``max_features`` are refitted.
    max_features : int, default=10
        Most columns examined (one refit each).
    test_size : float, default=0.3
        Share of rows held out for scoring.
    scoring : str or callable, optional
        Default ``"accuracy"`` (classifiers) or ``"r2"`` (regressors).
    random_state : int, default=0
        Seed of the split; also given to estimators whose ``random_state`` is None.

    Returns
    -------
    DropColumnImportance

    Raises
    ------
    UnsupportedModelError
        For torch modules (they cannot be cloned and refitted here).
    """
    from sklearn.base import clone

    adapter = make_adapter(model)
    if adapter.kind != "sklearn":
        raise UnsupportedModelError(_NO_REFIT.format(kind=adapter.kind))
    max_features = check_positive_int("max_features", max_features)
    if not (isinstance(test_size, float) and 0 < test_size < 1):
        raise DataValidationError(_BAD_TEST_SIZE.format(value=test_size))
    frame = model_input(adapter, to_pandas_frame(X, column_names=adapter.input_features))
    inputs = [str(c) for c in frame.columns]
    chosen = list(inputs if columns is None else columns)[:max_features]
    for name in chosen:
        if name not in inputs:
            raise UnknownColumnError(_UNKNOWN.format(name=name, inputs=inputs))
    target = to_1d_array(y, what="y")
    train, test, y_train, y_test = _split(
        frame, target, test_size, random_state, adapter.task != "regression"
    )
    _, scorer, label = make_scorer_for(adapter, scoring)
    from sklearn.metrics import check_scoring

    def fitted(train_x: pd.DataFrame) -> Any:
        estimator = clone(adapter.model)
        seeds = {
            k: random_state
            for k, v in estimator.get_params().items()
            if k.endswith("random_state") and v is None
        }
        return estimator.set_params(**seeds).fit(train_x, y_train)

    def score(estimator: Any, test_x: pd.DataFrame) -> float:
        return float(check_scoring(estimator, scoring=scorer)(estimator, test_x, y_test))

    baseline = score(fitted(train), test)
    method = "constant" if getattr(adapter, "is_pipeline", False) else "dropped"
    rows = []
    for name in chosen:
        if method == "dropped":
            score_without = score(fitted(train.drop(columns=[name])), test.drop(columns=[name]))
        else:
            fill = train[name].mode(dropna=True).iloc[0]
            score_without = score(fitted(train.assign(**{name: fill})), test.assign(**{name: fill}))
        rows.append((name, score_without))
    table = pd.DataFrame(rows, columns=["feature", "score_without"]).set_index("feature")
    table["importance"] = baseline - table["score_without"]
    table["pct_lost"] = 100 * table["importance"] / baseline if baseline else np.nan
    return DropColumnImportance(
        table=table,
        baseline_score=baseline,
        scoring=label,
        method=method,
        test_size=test_size,
        n_train=len(train),
        n_test=len(test),
        random_state=random_state,
    )
