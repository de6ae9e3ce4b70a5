"""Turning each column into a few levels: the conditions a slice is made of.

A slice is a conjunction of conditions ``column = value`` or ``column in [a, b]``.
Each column is reduced once to integer codes ``0 .. K - 1`` with one readable
condition per code:

numeric columns (not bool)
    With at most ``bins`` distinct values, each value is a level
    (``hours = 40``). Otherwise a value that holds at least ``1 / bins`` of the
    rows is a level of its own (``capital_gain = 0``), and the other values are
    cut at their quantiles into the remaining bins; a bin never straddles a
    value that is a level of its own. A bin is labelled with the smallest and
    largest value it holds (``age in [17, 25]``), so the label is exactly the
    rows it selects.
other columns (text, categories, bools, dates, ...)
    The ``max_levels`` most frequent values are levels (``region = north``);
    the others form one level ``region in other (12 values)``.
missing values (NaN / None)
    A level of their own (``workclass is missing``).

A column with a single level selects every row, so it gives no slice and is
left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Levels", "column_levels", "format_value"]


@dataclass(frozen=True, eq=False)
class Levels:
    """One column reduced to levels.

    Attributes
    ----------
    name : str
        The column.
    codes : numpy.ndarray
        int64 level of every row, in ``0 .. len(labels) - 1``.
    labels : tuple of str
        The condition each level stands for (``"age in [17, 25]"``).
    kind : {"numeric", "categorical"}
        How the column was cut.
    """

    name: str
    codes: np.ndarray
    labels: tuple[str, ...]
    kind: str

    @property
    def n_levels(self) -> int:
        """Number of levels."""
        return len(self.labels)


def format_value(value: object) -> str:
    """A value as a slice label shows it: ``40``, ``0.25``, ``1e+06``, ``north``."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isfinite(number) and number == int(number) and abs(number) < 1e15:
            return str(int(number))
        return f"{number:.6g}"
    return str(value)


def _numeric_levels(name: str, values: np.ndarray, bins: int) -> Levels:
    missing = np.isnan(values)
    has_missing = bool(missing.any())
    present = values[~missing] if has_missing else values
    unique, inverse, counts = np.unique(present, return_inverse=True, return_counts=True)
    if len(unique) <= bins:
        level_of_unique = np.arange(len(unique))
    else:
        heavy = counts >= counts.sum() / bins
        light = np.where(heavy, 0, counts)
        rest = int(light.sum())
        groups = max(1, bins - int(heavy.sum()))
        # the quantile group of each light value, by the midpoint of its rows' ranks
        middle = np.cumsum(light) - light / 2.0
        quantile = (
            np.minimum(groups - 1, (middle * groups / rest).astype(np.int64))
            if rest
            else np.zeros(len(unique), dtype=np.int64)
        )
        starts = np.ones(len(unique), dtype=bool)
        starts[1:] = heavy[1:] | heavy[:-1] | (quantile[1:] != quantile[:-1])
        level_of_unique = np.cumsum(starts) - 1
    n_levels = int(level_of_unique[-1]) + 1 if len(unique) else 0
    first = np.searchsorted(level_of_unique, np.arange(n_levels), side="left")
    last = np.searchsorted(level_of_unique, np.arange(n_levels), side="right") - 1
    labels = []
    for lo, hi in zip(unique[first], unique[last], strict=True):
        if lo == hi:
            labels.append(f"{name} = {format_value(lo)}")
        else:
            labels.append(f"{name} in [{format_value(lo)}, {format_value(hi)}]")
    codes_present = level_of_unique[inverse].astype(np.int64, copy=False)
    if has_missing:
        codes = np.full(len(values), n_levels, dtype=np.int64)
        codes[~missing] = codes_present
        labels.append(f"{name} is missing")
    else:
        codes = codes_present
    return Levels(name, codes, tuple(labels), "numeric")


def _categorical_levels(name: str, series: pd.Series, max_levels: int) -> Levels:
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    codes = np.asarray(codes, dtype=np.int64)
    missing = codes < 0
    counts = np.bincount(codes[~missing], minlength=len(uniques))
    texts = [format_value(u) for u in uniques]
    # most frequent first; ties in the order of the labels, so the result never
    # depends on the order of the rows
    order = sorted(range(len(uniques)), key=lambda i: (-counts[i], texts[i]))
    keep = sorted(order[:max_levels], key=lambda i: texts[i])
    others = len(uniques) - len(keep)
    lookup = np.full(len(uniques), len(keep), dtype=np.int64)
    lookup[keep] = np.arange(len(keep))
    labels = [f"{name} = {texts[i]}" for i in keep]
    if others:
        labels.append(f"{name} in other ({others} values)")
    out = lookup[np.where(missing, 0, codes)] if len(uniques) else np.zeros(len(codes), np.int64)
    if missing.any():
        out[missing] = len(labels)
        labels.append(f"{name} is missing")
    return Levels(name, out, tuple(labels), "categorical")


def column_levels(name: str, series: pd.Series, *, bins: int, max_levels: int) -> Levels:
    """Cut one column into levels (see the module documentation).

    Parameters
    ----------
    name : str
        The column's name, used in the labels.
    series : pandas.Series
        Its values.
    bins : int
        Number of quantile bins of a numeric column.
    max_levels : int
        Number of most frequent values of another column that are levels of
        their own; the rest form one level.

    Returns
    -------
    Levels
        The codes and the label of every level.
    """
    dtype = series.dtype
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return _numeric_levels(name, values, bins)
    return _categorical_levels(name, series, max_levels)
