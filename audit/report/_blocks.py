"""The building blocks of report sections: tables, figures, key-value lists, notes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from audit._numbers import column_kind, fmt

__all__ = ["Block", "Section", "fmt", "table_block", "MAX_TABLE_ROWS", "MAX_TABLE_COLUMNS"]

MAX_TABLE_ROWS = 60
MAX_TABLE_COLUMNS = 10
"""Wider tables are shown as blocks of at most this many value columns (the index
columns repeat in each block), so every column fits a printed page."""
LINE_BUDGET = 128
"""Characters a table row may need without breaking a word (each column's longest word
or header, plus two for padding, index columns included) before the table is split into
blocks. Measured in Chromium: about 4.9 px per character at the 8 px print font, so 128
characters take about 630 px of the 703 px an A4 page leaves between its margins."""


@dataclass(frozen=True)
class Block:
    """One piece of a section.

    ``kind`` is ``"table"`` (content: dict from :func:`table_block`), ``"figure"``
    (content: inline SVG produced by our own plotting code), ``"kv"`` (list of
    (key, value) string pairs), ``"text"`` or ``"note"`` (plain text, escaped).
    """

    kind: Literal["table", "figure", "kv", "text", "note"]
    content: Any
    title: str = ""
    caption: str = ""


@dataclass(frozen=True)
class Section:
    """A report section: an id for links, a title, and its blocks."""

    id: str
    title: str
    status: str = "ran"
    reason: str = ""
    blocks: list[Block] = field(default_factory=list)


def _column_scale(frame: pd.DataFrame, j: int) -> float | None:
    column = frame.iloc[:, j]
    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return None
    values = np.abs(column.to_numpy(dtype=float, na_value=np.nan))
    values = values[np.isfinite(values)]
    return float(values.max()) if values.size else None


def _longest_word(texts: list[str]) -> int:
    return max((len(word) for text in texts for word in str(text).split()), default=0)


def column_parts(
    widths: list[int],
    index_width: int = 0,
    *,
    max_columns: int = MAX_TABLE_COLUMNS,
    budget: int = LINE_BUDGET,
) -> list[tuple[int, int]]:
    """Split value columns into consecutive blocks that each fit a printed line.

    Parameters
    ----------
    widths : list of int
        Per value column, the characters it needs unbroken (longest word or header).
    index_width : int
        Characters the index columns need (repeated in every block).
    max_columns, budget : int
        At most ``max_columns`` value columns and ``budget`` characters per block.

    Returns
    -------
    list of (start, stop)
        Column ranges covering every column once, in order.
    """
    parts: list[tuple[int, int]] = []
    start, used = 0, index_width
    for j, width in enumerate(widths):
        full = j - start >= max_columns or (j > start and used + width > budget)
        if full:
            parts.append((start, j))
            start, used = j, index_width
        used += width
    parts.append((start, len(widths)))
    return _balanced(parts, widths, index_width, max_columns, budget)


def _balanced(
    parts: list[tuple[int, int]],
    widths: list[int],
    index_width: int,
    max_columns: int,
    budget: int,
) -> list[tuple[int, int]]:
    """The same number of blocks with column counts as even as fit (no 4 + 1 split)."""
    k, n = len(parts), len(widths)
    if k == 1:
        return parts
    size = -(-n // k)
    even = [(start, min(start + size, n)) for start in range(0, n, size)]
    fits = len(even) == k and all(
        stop - start <= max_columns and index_width + sum(widths[start:stop]) <= budget
        for start, stop in even
    )
    return even if fits else parts


def table_block(
    frame: pd.DataFrame,
    *,
    title: str = "",
    caption: str = "",
    classes: pd.DataFrame | None = None,
    text: pd.DataFrame | None = None,
    max_rows: int = MAX_TABLE_ROWS,
    index: bool | None = None,
    kinds: Mapping[str, str] | None = None,
    max_columns: int = MAX_TABLE_COLUMNS,
) -> Block:
    """A table block from a DataFrame.

    Numbers are formatted by :func:`audit._numbers.fmt` with the kind their
    column name implies (``selection_rate`` is a rate, ``count`` a count, see
    :func:`~audit._numbers.column_kind`) unless ``kinds`` says otherwise;
    values that are numerical noise against their column's largest magnitude
    show as 0.

    Parameters
    ----------
    classes : DataFrame of str, optional
        CSS class per cell (same shape), e.g. ``"insufficient"``.
    text : DataFrame of str, optional
        Display text per cell, replacing the formatted value (e.g. with a CI).
    max_rows : int
        Rows shown; the rest are counted under the table (the JSON record has them).
    index : bool, optional
        Show the index (default: unless it is a plain RangeIndex).
    kinds : mapping of str to str, optional
        Number kind per column name, overriding the one its name implies.
    max_columns : int
        Tables with more value columns are shown as several blocks.
    """
    shown = frame.head(max_rows)
    show_index = (not isinstance(shown.index, pd.RangeIndex)) if index is None else index
    names = [str(c) for c in shown.columns]
    col_kinds = [(kinds or {}).get(n) or column_kind(n) for n in names]
    scales = [_column_scale(shown, j) for j in range(shown.shape[1])]
    rows = []
    for i, (idx, values) in enumerate(
        zip(shown.index, shown.itertuples(index=False, name=None), strict=True)
    ):
        labels = list(idx) if isinstance(idx, tuple) else [idx]
        cells = []
        for j, value in enumerate(values):
            if text is None:
                label = fmt(value, col_kinds[j], scale=scales[j])
            else:
                label = str(text.iat[i, j])
            cls = "" if classes is None else str(classes.iat[i, j] or "")
            if isinstance(value, str) and cls == "":
                cls = "l"
            cells.append({"text": label, "cls": cls})
        rows.append({"index": [fmt(v) for v in labels] if show_index else [], "cells": cells})
    index_names = [str(n) if n is not None else "" for n in shown.index.names] if show_index else []
    textual = [
        not pd.api.types.is_numeric_dtype(shown.iloc[:, j])
        and all(c["cls"] == "l" for c in (r["cells"][j] for r in rows))
        for j in range(shown.shape[1])
    ]
    content = {
        "index_names": index_names,
        "columns": [fmt(c) for c in shown.columns],
        "column_classes": ["l" if t and rows else "" for t in textual],
        "rows": rows,
        "truncated": max(0, len(frame) - len(shown)),
        "parts": column_parts(
            [
                max(len(names[j]), _longest_word([r["cells"][j]["text"] for r in rows])) + 2
                for j in range(len(names))
            ],
            sum(
                max(
                    len(index_names[k]) if k < len(index_names) else 0,
                    _longest_word([r["index"][k] for r in rows]),
                )
                + 2
                for k in range(len(rows[0]["index"]) if rows else 0)
            ),
            max_columns=max_columns,
        ),
    }
    return Block("table", content, title=title, caption=caption)
