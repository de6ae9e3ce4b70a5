"""Permutation importance on the model's input columns, with sklearn's seeds and a cap.

The score lost when one input column is shuffled, ``n_repeats`` times per
column, exactly as ``sklearn.inspection.permutation_importance`` computes it
with the same seed (the same permutations, so the same numbers), but with the
permuted copies of the data batched: several (column, repeat) copies are
stacked into one predict call (as many as fit in :data:`CELLS_PER_CALL` cells)
and the default scores (accuracy, R²) are computed from those predictions, so
a model with many columns costs one validation per call instead of one per
copy. A plain scikit-learn estimator on numeric columns is given the matrix
itself (no per-column DataFrame checks).

**The cap.** With more than ``max_features`` input columns only the
``max_features`` ranked highest by a cheap first pass get the full repeats;
the others are not permuted (NaN in the table) and the result names them
(:attr:`PermutationImportance.screened_out`, :attr:`PermutationImportance.note`).
The first pass is the |standardized coefficient| for linear models (given by
the caller, or computed here), else one shuffle of every column on at most
:data:`SCREEN_ROWS` rows. The columns that are measured get exactly the
numbers the uncapped run gives them (each column's permutations depend only on
the seed), so the cap never changes the values or the ranking of the columns
it keeps.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from audit._frames import to_1d_array, to_pandas_frame
from audit._inputs import align_rows, check_lengths, check_positive_int, resolve_random_state
from audit._jsonable import to_jsonable as _plain
from audit.adapters import ModelAdapter, make_adapter
from audit.importance._scoring import AdapterEstimator, make_scorer_for, model_input

__all__ = [
    "CELLS_PER_CALL",
    "DEFAULT_MAX_FEATURES",
    "SCREEN_ROWS",
    "PermutationImportance",
    "permutation_importance",
]

DEFAULT_MAX_FEATURES = 100
"""Input columns that get the full repeats at most (the rest: see the module docstring)."""
SCREEN_ROWS = 512
"""Rows of the one-shuffle first pass (models without coefficients)."""
CELLS_PER_CALL = 1 << 22
"""Cells (rows × columns) of the permuted copies stacked into one predict call, at most."""
_SCREEN_COEF = "|standardized coefficient|"
_SCREEN_PASS = "one shuffle of every column on {rows} rows"
_SCREEN_GIVEN = "the given screening scores"
_CAP_NOTE = (
    "permutation: {n} input columns, more than max_features={cap}: the full {repeats} "
    "repeats ran for the {cap} ranked highest by {screening}; the other {left} were not "
    "permuted (NaN in the table): {names}"
)
_NAMES_SHOWN = 10


@dataclass(frozen=True, eq=False)
class PermutationImportance:
    """How much the score drops when one input column is shuffled.

    Attributes
    ----------
    table : pandas.DataFrame
        Index ``feature``; ``mean`` and ``std`` of the score drop over repeats,
        and ``pct_of_score`` = 100 * mean / baseline score (the column's share
        of the model's accuracy, Table 4), in the data's column order; NaN for
        the columns the cap left out (:attr:`screened_out`).
    importances : numpy.ndarray
        ``(n_features, n_repeats)`` raw score drops (NaN rows for columns left out).
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
    max_features : int or None
        The cap on fully permuted columns (None: no cap).
    screened_out : tuple of str
        Columns the cap left out, in column order (empty when nothing was capped).
    screening : str
        What ranked the columns for the cap (empty when nothing was capped).
    """

    table: pd.DataFrame
    importances: np.ndarray
    baseline_score: float
    scoring: str
    n_repeats: int
    n_rows: int
    random_state: int
    max_features: int | None = None
    screened_out: tuple[str, ...] = field(default=())
    screening: str = ""

    @property
    def capped(self) -> bool:
        """Whether the cap left some columns out."""
        return bool(self.screened_out)

    @property
    def note(self) -> str:
        """What the cap did, in one sentence naming the columns left out ("" when uncapped)."""
        if not self.capped:
            return ""
        left = list(self.screened_out)
        names = ", ".join(left[:_NAMES_SHOWN])
        if len(left) > _NAMES_SHOWN:
            names += f", ... ({len(left) - _NAMES_SHOWN} more; all in screened_out)"
        return _CAP_NOTE.format(
            n=len(self.table),
            cap=self.max_features,
            repeats=self.n_repeats,
            screening=self.screening,
            left=len(left),
            names=names,
        )

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
                "max_features": self.max_features,
                "screening": self.screening,
                "screened_out": list(self.screened_out),
                "table": self.table.astype(object)
                .where(self.table.notna(), None)
                .reset_index()
                .to_dict(orient="records"),
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
    max_features: int | None = DEFAULT_MAX_FEATURES,
    screening: pd.Series | None = None,
) -> PermutationImportance:
    """Permutation importance of each input column (sklearn's numbers, batched, capped).

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
    max_features : int or None, default=100
        With more input columns than this, only the ``max_features`` ranked
        highest by ``screening`` get the full repeats (see the module
        docstring); None permutes every column.
    screening : pandas.Series, optional
        A cheap importance per input column that ranks them for the cap (e.g.
        the |standardized coefficient|); by default the |standardized
        coefficient| of a linear model, else one shuffle of every column on at
        most :data:`SCREEN_ROWS` rows.

    Returns
    -------
    PermutationImportance
    """
    n_repeats = check_positive_int("n_repeats", n_repeats)
    if max_features is not None:
        max_features = check_positive_int("max_features", max_features)
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
    columns = [str(c) for c in frame.columns]
    capped = max_features is not None and len(columns) > max_features
    how = ""
    if capped and screening is None:
        screening, how = _first_pass(adapter, frame, target, weights, scoring, random_state)
    elif capped:
        how = _SCREEN_GIVEN if not screening.name else str(screening.name)
    if max_rows is not None and len(frame) > check_positive_int("max_rows", max_rows):
        rng = np.random.default_rng(random_state)
        rows = np.sort(rng.choice(len(frame), size=max_rows, replace=False))
        frame, target = frame.iloc[rows], target[rows]
        weights = None if weights is None else weights[rows]
    if capped:
        assert screening is not None and max_features is not None
        ranking = screening.reindex(columns).astype(float).fillna(-np.inf).to_numpy()
        keep = np.sort(np.argsort(-ranking, kind="stable")[:max_features])
    else:
        keep = np.arange(len(columns))
    evaluator = _Evaluator(adapter, frame, target, weights, scoring)
    baseline = evaluator.baseline()
    scores = evaluator.permuted_scores(keep, n_repeats, random_state)
    raw = np.full((len(columns), n_repeats), np.nan)
    raw[keep] = baseline - scores
    mean = raw.mean(axis=1)
    table = pd.DataFrame(
        {
            "mean": mean,
            "std": raw.std(axis=1),
            "pct_of_score": 100 * mean / baseline if baseline else np.full_like(mean, np.nan),
        },
        index=pd.Index(columns, name="feature"),
    )
    left = np.setdiff1d(np.arange(len(columns)), keep)
    return PermutationImportance(
        table=table,
        importances=raw,
        baseline_score=baseline,
        scoring=evaluator.name,
        n_repeats=n_repeats,
        n_rows=len(frame),
        random_state=random_state,
        max_features=max_features,
        screened_out=tuple(columns[i] for i in left),
        screening=how if capped else "",
    )


def _first_pass(
    adapter: ModelAdapter,
    frame: pd.DataFrame,
    target: np.ndarray,
    weights: np.ndarray | None,
    scoring: Any,
    random_state: int,
) -> tuple[pd.Series, str]:
    """A cheap importance per column: |standardized coefficient|, else one shuffle on few rows."""
    if adapter.family == "linear":
        from audit.weights import coefficient_importance

        try:
            coef = coefficient_importance(adapter, frame, weights)
        except Exception:  # no usable coefficients: shuffle instead
            coef = None
        if coef is not None:
            return coef, _SCREEN_COEF
    rows = np.arange(len(frame))
    if len(frame) > SCREEN_ROWS:
        rng = np.random.default_rng(random_state)
        rows = np.sort(rng.choice(len(frame), size=SCREEN_ROWS, replace=False))
    evaluator = _Evaluator(
        adapter,
        frame.iloc[rows],
        target[rows],
        None if weights is None else weights[rows],
        scoring,
    )
    drop = evaluator.baseline() - evaluator.permuted_scores(
        np.arange(frame.shape[1]), 1, random_state
    )
    names = [str(c) for c in frame.columns]
    return pd.Series(drop[:, 0], index=names), _SCREEN_PASS.format(rows=len(rows))


# ----------------------------------------------------------------------- the engine


def _sklearn_permutations(seed: int, n_rows: int, n_repeats: int) -> list[np.ndarray]:
    """The row orders sklearn's ``permutation_importance`` gives one column, repeat by repeat.

    sklearn draws one seed from ``random_state``, gives every column a fresh
    ``RandomState(seed)``, and shuffles one index array in place before each
    repeat, permuting the (already permuted) column by it.
    """
    state = np.random.RandomState(seed)
    shuffling = np.arange(n_rows)
    order = np.arange(n_rows)
    out = []
    for _ in range(n_repeats):
        state.shuffle(shuffling)
        order = order[shuffling]
        out.append(order)
    return out


class _Evaluator:
    """Scores of a model on permuted copies of one frame, many copies per predict call.

    Default scores (accuracy, R²) are computed from stacked predictions; any
    other scorer is called once per copy. A plain scikit-learn estimator on a
    frame of one numeric dtype is given the matrix (no per-column DataFrame
    checks); otherwise the copies are DataFrames like the data.
    """

    def __init__(
        self,
        adapter: ModelAdapter,
        frame: pd.DataFrame,
        target: np.ndarray,
        weights: np.ndarray | None,
        scoring: Any,
    ) -> None:
        from sklearn.metrics import accuracy_score, r2_score

        estimator, scorer, name = make_scorer_for(adapter, scoring)
        if estimator is None:
            estimator = AdapterEstimator(adapter, [str(c) for c in frame.columns])
        self.estimator, self.scorer, self.name = estimator, scorer, name
        metric = (
            {"accuracy": accuracy_score, "r2": r2_score}.get(name)
            if isinstance(name, str) and isinstance(scoring, (str, type(None)))
            else None
        )
        self.metric = metric
        self.adapter = adapter
        self.frame = frame
        self.target = target
        self.weights = weights
        self.columns = list(frame.columns)
        dtypes = set(frame.dtypes)
        self.matrix_mode = len(dtypes) == 1 and all(
            pd.api.types.is_numeric_dtype(d) and isinstance(d, np.dtype) for d in dtypes
        )
        self.plain = adapter.kind == "sklearn" and not getattr(adapter, "is_pipeline", False)
        self.base = frame.to_numpy() if self.matrix_mode else None

    # -- predictions and scores -----------------------------------------------------
    def _as_input(self, data: Any) -> Any:
        """What the model is given: the matrix, or a DataFrame (zero-copy from a matrix)."""
        if isinstance(data, pd.DataFrame):
            return data
        if self.plain:
            return data
        return pd.DataFrame(data, columns=self.columns, copy=False)

    def _predict(self, data: Any) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="X does not have valid feature names")
            return np.asarray(self.estimator.predict(self._as_input(data)))

    def _score(self, data: Any) -> np.ndarray:
        """Score of each of the ``len(data) // len(frame)`` stacked copies."""
        n_rows = len(self.frame)
        copies = len(data) // n_rows
        if self.metric is not None:
            predicted = self._predict(data)
            return np.array(
                [
                    self.metric(
                        self.target,
                        predicted[k * n_rows : (k + 1) * n_rows],
                        sample_weight=self.weights,
                    )
                    for k in range(copies)
                ],
                dtype=float,
            )
        out = []
        for k in range(copies):
            part = (
                data[k * n_rows : (k + 1) * n_rows]
                if not isinstance(data, pd.DataFrame)
                else data.iloc[k * n_rows : (k + 1) * n_rows]
            )
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="X does not have valid feature names")
                args = (self.estimator, self._as_input(part), self.target)
                if self.weights is None:
                    out.append(float(self._call_scorer(*args)))
                else:
                    out.append(float(self._call_scorer(*args, sample_weight=self.weights)))
        return np.array(out)

    def _call_scorer(self, *args: Any, **kwargs: Any) -> float:
        from sklearn.metrics import check_scoring

        scorer = self.scorer
        if isinstance(scorer, str):
            scorer = check_scoring(self.estimator, scoring=scorer)
            self.scorer = scorer
        return scorer(*args, **kwargs)

    def baseline(self) -> float:
        """Score on the unshuffled rows."""
        data = self.base if self.matrix_mode else self.frame
        return float(self._score(data)[0])

    # -- permuted copies ------------------------------------------------------------
    def _tasks(
        self, columns: Sequence[int], n_repeats: int, random_state: int
    ) -> Iterator[tuple[int, np.ndarray]]:
        seed = np.random.RandomState(random_state).randint(np.iinfo(np.int32).max + 1)
        for col in columns:
            for order in _sklearn_permutations(seed, len(self.frame), n_repeats):
                yield int(col), order

    def permuted_scores(
        self, columns: Sequence[int], n_repeats: int, random_state: int
    ) -> np.ndarray:
        """``(len(columns), n_repeats)`` scores with each column shuffled, sklearn's seeds."""
        n_rows, n_cols = self.frame.shape
        n_tasks = len(columns) * n_repeats
        per_call = max(1, min(n_tasks, CELLS_PER_CALL // max(1, n_rows * n_cols)))
        if self.metric is None:
            per_call = 1
        scores = np.empty(n_tasks)
        tasks = self._tasks(columns, n_repeats, random_state)
        if self.matrix_mode:
            assert self.base is not None
            work = np.tile(self.base, (per_call, 1))
        else:
            work = pd.concat([self.frame] * per_call, ignore_index=True)
        done = 0
        while done < n_tasks:
            chunk = [next(tasks) for _ in range(min(per_call, n_tasks - done))]
            for k, (col, order) in enumerate(chunk):
                rows = slice(k * n_rows, (k + 1) * n_rows)
                if self.matrix_mode:
                    work[rows, col] = self.base[order, col]
                else:
                    work.iloc[rows, col] = self.frame.iloc[order, col].array
            stacked = work[: len(chunk) * n_rows]
            if not self.matrix_mode:
                stacked = work.iloc[: len(chunk) * n_rows]
            scores[done : done + len(chunk)] = self._score(stacked)
            for k, (col, _) in enumerate(chunk):
                rows = slice(k * n_rows, (k + 1) * n_rows)
                if self.matrix_mode:
                    work[rows, col] = self.base[:, col]
                else:
                    work.iloc[rows, col] = self.frame.iloc[:, col].array
            done += len(chunk)
        return scores.reshape(len(columns), n_repeats)
