"""The scale tests' datasets and the in-memory arguments for the same rows.

A module of its own (not conftest.py): ``from conftest import ...`` resolves to
whichever test folder's conftest was imported first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa

SENSITIVE: list[str] = ["sex", "race"]
"""Sensitive columns of the classification datasets (2 x 3 levels, ``race`` "C" rare)."""


def _groups(rng: np.random.Generator, n: int, second: str = "race") -> dict[str, np.ndarray]:
    """``sex`` F/M and a second column of 3 levels, the last rare (3 %) and F only.

    The intersection (M, rare level) never occurs, so only 5 of the 6 groups exist.
    """
    sex = np.where(rng.random(n) < 0.45, "F", "M").astype(object)
    u = rng.random(n)
    if second == "race":
        levels = np.array(["A", "B", "C"], dtype=object)
    else:  # integers whose string order differs from their numeric order
        levels = np.array([1, 2, 10], dtype=np.int64)
    idx = np.where(u < 0.55, 0, np.where(u < 0.97, 1, 2))
    idx[(idx == 2) & (sex == "M")] = 1
    return {"sex": sex, second: levels[idx]}


def binary_table(
    n: int = 3000, *, seed: int = 0, weights: bool = False, scores: bool = False
) -> pa.Table:
    """Binary labels/predictions (int 0/1) with group-dependent rates.

    ``scores``: a ``score`` column rounded to 3 decimals (ties; values such as
    0.29 whose ``100 * s`` is just below an integer; a few exact 0 and 1).
    ``weights``: a ``w`` column in [0.1, 3] with a few zero weights.
    """
    rng = np.random.default_rng(seed)
    cols: dict[str, Any] = _groups(rng, n)
    base = np.where(cols["sex"] == "F", 0.35, 0.55) + np.where(cols["race"] == "C", 0.2, 0.0)
    label = (rng.random(n) < base).astype(np.int64)
    score = np.clip(0.3 * label + 0.7 * rng.random(n), 0.0, 1.0)
    score = np.round(score, 3)
    score[:5] = [0.0, 1.0, 0.29, 0.57, 0.58]
    cols["label"] = label
    cols["pred"] = (score > 0.5).astype(np.int64)
    if scores:
        cols["score"] = score
    if weights:
        w = np.round(rng.uniform(0.1, 3.0, n), 4)
        w[rng.choice(n, 10, replace=False)] = 0.0
        cols["w"] = w
    return pa.table(cols)


def binary_text_table(
    n: int = 3000, *, seed: int = 3, null_race: bool = False, weights: bool = False
) -> pa.Table:
    """Binary labels as text ("no"/"yes", so ``pos_label="yes"``), with scores (and weights).

    ``null_race``: about 2 % of ``race`` is null (``missing="group"`` makes them
    the ``"<missing>"`` group, listed last).
    """
    table = binary_table(n, seed=seed, scores=True, weights=weights)
    names = np.array(["no", "yes"], dtype=object)
    cols = {c: table.column(c).to_numpy(zero_copy_only=False) for c in table.column_names}
    cols["label"] = names[cols["label"]]
    cols["pred"] = names[cols["pred"]]
    if null_race:
        race = cols["race"].copy()
        race[np.random.default_rng(seed + 100).random(n) < 0.02] = None
        cols["race"] = race
    return pa.table(cols)


def multiclass_table(
    n: int = 3000, *, seed: int = 1, strings: bool = False, weights: bool = False
) -> pa.Table:
    """Three classes (ints 0/1/2, or strings "cat"/"dog"/"fish"); groups ``sex`` x ``region``.

    ``region`` is an integer column 1/2/10 (10 rare), so a string sort of the
    levels would put the groups in the wrong order.
    """
    rng = np.random.default_rng(seed)
    cols: dict[str, Any] = _groups(rng, n, second="region")
    p = np.where(cols["sex"] == "F", 0.5, 0.3)
    label = np.where(rng.random(n) < p, 0, rng.integers(1, 3, n))
    pred = np.where(rng.random(n) < 0.7, label, rng.integers(0, 3, n))
    if strings:
        names = np.array(["cat", "dog", "fish"], dtype=object)
        label, pred = names[label], names[pred]
    cols["label"] = label
    cols["pred"] = pred
    if weights:
        cols["w"] = np.round(rng.uniform(0.2, 2.0, n), 3)
    return pa.table(cols)


def regression_table(
    n: int = 3000, *, seed: int = 2, offset: float = 0.0, weights: bool = False
) -> pa.Table:
    """Float targets and predictions, ``offset + y``; the rare group's targets are all equal.

    Its ``ss_y`` (and ``sum_y_shifted``) must then be exactly 0 and its R² NaN,
    even with ``offset=1e8``.
    """
    rng = np.random.default_rng(seed)
    cols: dict[str, Any] = _groups(rng, n)
    y = rng.normal(10.0, 3.0, n) + np.where(cols["sex"] == "F", 1.0, 0.0)
    pred = y + rng.normal(0.0, 1.5, n) + np.where(cols["race"] == "B", 0.5, 0.0)
    y[cols["race"] == "C"] = 3.25
    cols["label"] = offset + y
    cols["pred"] = offset + pred
    if weights:
        w = np.round(rng.uniform(0.1, 3.0, n), 4)
        w[rng.choice(n, 10, replace=False)] = 0.0
        cols["w"] = w
    return pa.table(cols)


DATASETS: dict[str, tuple[Callable[[], pa.Table], dict[str, Any]]] = {
    # name: (builder, keyword arguments of the audit call besides the table)
    "binary": (lambda: binary_table(), {}),
    "binary_w_score": (
        lambda: binary_table(weights=True, scores=True),
        {"y_score": "score", "sample_weight": "w"},
    ),
    "binary_text_one_feature": (
        lambda: binary_text_table(),
        {"y_score": "score", "pos_label": "yes", "sensitive_features": "race"},
    ),
    "binary_missing_group_w": (
        lambda: binary_text_table(null_race=True, weights=True),
        {"y_score": "score", "sample_weight": "w", "pos_label": "yes", "missing": "group"},
    ),
    "multiclass": (lambda: multiclass_table(), {}),
    "multiclass_str_w": (
        lambda: multiclass_table(strings=True, weights=True),
        {"sample_weight": "w"},
    ),
    "regression": (lambda: regression_table(), {}),
    "regression_offset_w": (
        lambda: regression_table(offset=1e8, weights=True),
        {"sample_weight": "w", "task": "regression"},
    ),
}
"""The datasets of the equality tests."""

_TABLES: dict[str, pa.Table] = {}


def dataset(name: str) -> tuple[pa.Table, dict[str, Any]]:
    """The (cached) Arrow table of a dataset and the audit arguments for it."""
    builder, kwargs = DATASETS[name]
    if name not in _TABLES:
        _TABLES[name] = builder()
    table = _TABLES[name]
    sensitive = ["sex", "region"] if "region" in table.column_names else list(SENSITIVE)
    return table, {"y_true": "label", "y_pred": "pred", "sensitive_features": sensitive, **kwargs}


def reference_inputs(table: pa.Table, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Arguments of the in-memory ``group_counts`` / ``group_metrics`` for the same rows."""
    frame = table.to_pandas()
    features = kwargs["sensitive_features"]
    features = [features] if isinstance(features, str) else list(features)
    out: dict[str, Any] = {
        "y_true": frame[kwargs["y_true"]].to_numpy(),
        "y_pred": frame[kwargs["y_pred"]].to_numpy(),
        "sensitive_features": frame[features] if len(features) > 1 else frame[features[0]],
    }
    for key in ("y_score", "sample_weight"):
        if kwargs.get(key) is not None:
            out[key] = frame[kwargs[key]].to_numpy()
    for key in ("task", "pos_label", "missing"):
        if key in kwargs:
            out[key] = kwargs[key]
    return out
