"""Token weights of text models: the words that push a prediction most (Table 5).

A text model here is a scikit-learn Pipeline whose first step is a vectorizer
(``CountVectorizer``, ``TfidfVectorizer``; optional width-preserving steps such
as ``TfidfTransformer`` after it) and whose last step is a linear model. Each
token's weight is its raw coefficient: with one vocabulary the columns share a
unit (counts or tf-idf), so raw weights compare. ``HashingVectorizer`` has no
vocabulary, so its columns cannot be named.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from audit.errors import DataValidationError, UnsupportedModelError
from audit.weights._inputs import is_text_pipeline
from audit.weights._linear import coefficient_array, is_linear_model, output_labels

__all__ = ["TOKEN_COLUMNS", "token_weights", "token_table"]

TOKEN_COLUMNS = ["class", "direction", "rank", "token", "weight"]

_NOT_TEXT = (
    "token_weights needs a fitted Pipeline(vectorizer, ..., linear model) whose first step "
    "is a CountVectorizer or TfidfVectorizer; got {kind}."
)
_NOT_LINEAR_TEXT = (
    "token_weights needs a linear final step with coef_ (LogisticRegression, LinearSVC, "
    "SGDClassifier, Ridge, ...); got {kind}."
)
_NO_VOCABULARY = (
    "The pipeline's features have no names ({error}); a HashingVectorizer has no vocabulary, "
    "so its tokens cannot be recovered. Use CountVectorizer or TfidfVectorizer."
)
_BAD_K = "k must be an int >= 1; got {k!r}."


def token_table(coefficients: pd.DataFrame, *, k: int = 10) -> pd.DataFrame:
    """Top-k positive and negative tokens per class from a coefficient table.

    Parameters
    ----------
    coefficients : pandas.DataFrame
        Rows with ``feature`` (the token), ``class`` and ``coef``.
    k : int, default=10
        Tokens per direction and class.

    Returns
    -------
    pandas.DataFrame
        Columns ``class, direction`` (``"positive"``/``"negative"``), ``rank``
        (1 = strongest), ``token, weight``; only tokens with a weight of that
        sign are listed. Ties are broken by token, so the order is deterministic.
    """
    if int(k) != k or k < 1:
        raise DataValidationError(_BAD_K.format(k=k))
    parts = []
    for label, group in coefficients.groupby("class", sort=False):
        ordered = group.sort_values(["coef", "feature"], ascending=[False, True], kind="stable")
        pos = ordered[ordered["coef"] > 0].head(k)
        neg = group.sort_values(["coef", "feature"], ascending=[True, True], kind="stable")
        neg = neg[neg["coef"] < 0].head(k)
        for direction, rows in (("positive", pos), ("negative", neg)):
            parts.append(
                pd.DataFrame(
                    {
                        "class": str(label),
                        "direction": direction,
                        "rank": np.arange(1, len(rows) + 1),
                        "token": rows["feature"].astype(str).to_numpy(),
                        "weight": rows["coef"].to_numpy(dtype=float),
                    }
                )
            )
    if not parts:
        return pd.DataFrame(columns=TOKEN_COLUMNS)
    return pd.concat(parts, ignore_index=True)[TOKEN_COLUMNS]


def token_weights(model: Any, *, k: int = 10) -> pd.DataFrame:
    """The most positive and most negative tokens of a fitted text pipeline.

    Parameters
    ----------
    model : sklearn.pipeline.Pipeline
        Fitted ``Pipeline(CountVectorizer | TfidfVectorizer, [...], linear model)``.
    k : int, default=10
        Tokens listed per direction (and per class for multiclass models).

    Returns
    -------
    pandas.DataFrame
        Columns ``class`` (the positive class of a binary model), ``direction``
        (``"positive"`` = pushes towards that class), ``rank``, ``token``,
        ``weight`` (the raw coefficient).

    Raises
    ------
    UnsupportedModelError
        Not a text pipeline with a linear final step, or a vocabulary-free vectorizer.

    Examples
    --------
    >>> from audit.datasets import load_sentiment  # doctest: +SKIP
    >>> df = load_sentiment()  # doctest: +SKIP
    >>> pipe = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(df.text, df.label)
    >>> token_weights(pipe, k=5)  # doctest: +SKIP
    """
    if not is_text_pipeline(model):
        raise UnsupportedModelError(_NOT_TEXT.format(kind=type(model).__name__))
    final = model[-1]
    if not is_linear_model(final):
        raise UnsupportedModelError(_NOT_LINEAR_TEXT.format(kind=type(final).__name__))
    try:
        names = [str(n) for n in model[:-1].get_feature_names_out()]
    except (AttributeError, TypeError, ValueError) as exc:
        raise UnsupportedModelError(_NO_VOCABULARY.format(error=exc)) from exc
    coef = coefficient_array(final)
    if coef.shape[1] != len(names):
        raise UnsupportedModelError(_NO_VOCABULARY.format(error="width mismatch"))
    classes = getattr(final, "classes_", None)
    labels = output_labels(final, coef.shape[0], None if classes is None else np.asarray(classes))
    table = pd.DataFrame(
        {
            "feature": np.tile(np.asarray(names, dtype=object), coef.shape[0]),
            "class": np.repeat(np.asarray(labels, dtype=object), coef.shape[1]),
            "coef": coef.ravel(),
        }
    )
    return token_table(table, k=k)
