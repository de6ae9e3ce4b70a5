"""Encode sensitive features, one or several columns, into integer group codes.

Each column is factorized once (``pd.factorize`` for plain columns, the codes
of a categorical column as they are), its levels sorted, and several columns
are combined into one code per row by mixed-radix integer arithmetic followed
by a re-factorization of the combined integers (a ``bincount`` presence test
when the product of the level counts is small). No ``np.unique`` over strings
and no Python loop over rows.

Which groups are listed:

* every column categorical (pandas ``category``, polars ``Enum``/``Categorical``,
  pyarrow dictionary): the full product of the declared levels, so a level
  that is never used, or an intersection that never occurs, is a group with
  count 0 (pandas ``observed=False``);
* otherwise: the intersections that occur in the data (``observed=True``).

Groups are ordered lexicographically by the levels of each column: sorted
values for plain columns (order of first appearance when the values cannot
be sorted, e.g. mixed types), category order for categoricals, and the
``"<missing>"`` group last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from audit._inputs import (
    check_finite_labels,
    check_label_types,
    check_lengths,
    check_one_label_type,
    first_rows,
    missing_sensitive_error,
    sensitive_columns,
    unhashable_sensitive_error,
)
from audit.errors import DataValidationError, InvalidParameterError

__all__ = ["MISSING_LABEL", "EncodedGroups", "encode_groups", "first_rows"]

MISSING_LABEL = "<missing>"
"""Label of the group of rows whose sensitive value is missing, with ``missing="group"``."""

_MISSING_FIX = (
    "Remove those rows, or pass missing='group' to treat them as a group of their own labelled "
    "'<missing>'."
)
_BAD_MISSING = "missing must be 'error' or 'group'; got {value!r}."
_EMPTY_SENSITIVE = "sensitive_features has no rows; group metrics need at least one row."

# Full product of categorical levels is listed only up to this many groups.
_MAX_PRODUCT_GROUPS = 1_000_000


@dataclass(frozen=True)
class EncodedGroups:
    """Integer group codes per row and the labels of the groups.

    Attributes
    ----------
    codes : ndarray of int
        Group code of every row, in ``[0, n_groups)``.
    index : pandas.Index
        Labels of the groups, in code order; a ``MultiIndex`` named after the
        sensitive features when there are several.
    names : tuple of str
        Names of the sensitive features.
    """

    codes: np.ndarray
    index: pd.Index
    names: tuple[str, ...]

    @property
    def n_groups(self) -> int:
        """Number of groups (including groups with zero rows)."""
        return len(self.index)


def _sorted_levels(uniques: pd.Index) -> np.ndarray:
    """Order that sorts ``uniques``; first-appearance order when they cannot be sorted."""
    try:
        return np.asarray(uniques.argsort(), dtype=np.intp)
    except TypeError:
        return np.arange(len(uniques), dtype=np.intp)


def _encode_column(series: pd.Series, name: str, missing: str) -> tuple[np.ndarray, pd.Index, bool]:
    """Return (codes with -1 for missing, sorted level labels, is_categorical)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = np.asarray(series.cat.codes.to_numpy(), dtype=np.intp)
        levels = pd.Index(series.cat.categories)
        categorical = True
    else:
        check_finite_labels(series, name)
        try:
            raw, uniques = pd.factorize(series, sort=False, use_na_sentinel=True)
        except TypeError:  # lists or dicts as labels
            raise unhashable_sensitive_error(series, name) from None
        uniques = pd.Index(uniques)
        check_label_types(uniques, name)
        check_one_label_type(uniques, name)  # 1 and "x" in one column: the same rule as the audit
        order = _sorted_levels(uniques)
        if np.array_equal(order, np.arange(len(order))):
            codes = np.asarray(raw, dtype=np.intp)
        else:
            lookup = np.empty(len(order) + 1, dtype=np.intp)
            lookup[order] = np.arange(len(order), dtype=np.intp)
            lookup[-1] = -1  # raw code -1 (missing) indexes the last entry
            codes = lookup[raw]
        levels = uniques.take(order)
        categorical = False
    if len(levels) < 2**31 - 2:
        codes = codes.astype(np.int32, copy=False)
    is_missing = codes < 0
    n_missing = int(np.count_nonzero(is_missing))
    if n_missing:
        if missing == "error":
            raise missing_sensitive_error(name, is_missing, _MISSING_FIX)
        codes = np.where(is_missing, len(levels), codes)
        levels = pd.Index([*levels.tolist(), MISSING_LABEL], dtype=object)
    return codes, levels, categorical


def _compress(combined: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Keep the combined codes that occur, renumbered 0.. in sorted order."""
    if size <= max(4 * combined.size, 1 << 16):
        present = np.flatnonzero(np.bincount(combined, minlength=size))
        lookup = np.full(size, -1, dtype=np.int32 if present.size < 2**31 else np.intp)
        lookup[present] = np.arange(present.size)
        return lookup[combined], present
    raw, uniques = pd.factorize(combined, sort=False)
    order = np.argsort(uniques, kind="stable")
    lookup = np.empty(len(order), dtype=np.intp)
    lookup[order] = np.arange(len(order), dtype=np.intp)
    return lookup[raw], np.asarray(uniques)[order]


def encode_groups(
    sensitive_features: Any,
    *,
    missing: Literal["error", "group"] = "error",
    n_rows: int | None = None,
    reference: str = "y_true",
) -> EncodedGroups:
    """Encode sensitive features into integer group codes.

    Parameters
    ----------
    sensitive_features : array-like, dict of array-like, or DataFrame
        One feature (1-D array, list, pandas/polars Series, pyarrow array) or
        several (a dict of arrays, a pandas/polars DataFrame, a pyarrow Table,
        a 2-D array); several features give intersectional groups.
    missing : {"error", "group"}, default="error"
        What a missing (NaN/None) sensitive value does: raise
        :class:`~audit.errors.MissingValueError`, or form a group of its own
        labelled ``"<missing>"``.
    n_rows : int, optional
        Expected number of rows; a feature of another length raises
        :class:`~audit.errors.LengthMismatchError`.
    reference : str, default="y_true"
        The input ``n_rows`` was taken from, as named in that error.

    The features are resolved and named by :func:`audit._inputs.sensitive_columns`
    (unnamed ones are ``sensitive_feature_0``, ``sensitive_feature_1``, ...).

    Returns
    -------
    EncodedGroups
        Codes per row and group labels.
    """
    if missing not in ("error", "group"):
        raise InvalidParameterError(_BAD_MISSING.format(value=missing))
    columns = sensitive_columns(sensitive_features)
    names = [name for name, _ in columns]
    n_feature = len(columns[0][1])
    if n_rows is not None:
        check_lengths({reference: n_rows, "sensitive_features": n_feature})
    if n_feature == 0:
        raise DataValidationError(_EMPTY_SENSITIVE)

    # columns are encoded and combined one at a time, so that at most two code
    # arrays are alive at once (peak memory stays well below the input's)
    all_categorical = all(isinstance(s.dtype, pd.CategoricalDtype) for _, s in columns)
    codes, first_levels, _ = _encode_column(columns[0][1], columns[0][0], missing)
    levels = [first_levels]
    # ``table[g]`` holds the per-column level codes of combined group g
    table = np.arange(len(first_levels), dtype=np.intp)[:, None]
    full_product = all_categorical and len(first_levels) <= _MAX_PRODUCT_GROUPS
    if all_categorical and not full_product:
        # too many declared categories to list: keep the observed ones
        codes, present = _compress(codes, len(first_levels))
        table = table[present]
    # (a plain column's factorized levels are all observed already)
    for name, series in columns[1:]:
        col_codes, col_levels, _ = _encode_column(series, name, missing)
        levels.append(col_levels)
        size = len(col_levels)
        n_current = table.shape[0]
        combined = codes.astype(np.int64)
        del codes
        combined *= size
        combined += col_codes
        del col_codes
        full_product = full_product and n_current * size <= _MAX_PRODUCT_GROUPS
        if full_product:
            codes = combined
            table = np.column_stack(
                [np.repeat(table, size, axis=0), np.tile(np.arange(size), n_current)]
            )
        else:
            codes, present = _compress(combined, n_current * size)
            table = np.column_stack([table[present // size], present % size])
        del combined
    if table.shape[0] < 2**31 - 1 and codes.dtype != np.int32:
        codes = codes.astype(np.int32)
    index = _make_index(table, levels, names)
    return EncodedGroups(codes=codes, index=index, names=tuple(names))


def _make_index(table: np.ndarray, levels: Sequence[pd.Index], names: list[str]) -> pd.Index:
    if len(levels) == 1:
        return pd.Index(levels[0].take(table[:, 0]), name=names[0])
    return pd.MultiIndex.from_arrays(
        [lv.take(table[:, j]) for j, lv in enumerate(levels)], names=names
    )
