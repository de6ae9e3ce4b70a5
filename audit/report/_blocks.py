"""The building blocks of report sections: tables, figures, key-value lists, notes."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

__all__ = ["Block", "Section", "fmt", "table_block", "MAX_TABLE_ROWS"]

MAX_TABLE_ROWS = 60


def fmt(value: Any) -> str:
    """Format a value for a table cell (3 significant decimals, dashes for missing)."""
    if value is None:
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if not math.isfinite(v):
            return "—"
        if v == int(v) and abs(v) >= 1000:
            return f"{int(v):,}"
        return f"{v:.3g}" if (abs(v) >= 1e4 or (0 < abs(v) < 1e-3)) else f"{v:.3f}"
    if isinstance(value, tuple):
        return " & ".join(map(str, value))
    return str(value)


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


def table_block(
    frame: pd.DataFrame,
    *,
    title: str = "",
    caption: str = "",
    classes: pd.DataFrame | None = None,
    text: pd.DataFrame | None = None,
    max_rows: int = MAX_TABLE_ROWS,
    index: bool | None = None,
) -> Block:
    """A table block from a DataFrame.

    Parameters
    ----------
    classes : DataFrame of str, optional
        CSS class per cell (same shape), e.g. ``"insufficient"``.
    text : DataFrame of str, optional
        Display text per cell, replacing the formatted value (e.g. with a CI).
    index : bool, optional
        Show the index (default: unless it is a plain RangeIndex).
    """
    shown = frame.head(max_rows)
    show_index = (not isinstance(shown.index, pd.RangeIndex)) if index is None else index
    rows = []
    for i, (idx, values) in enumerate(
        zip(shown.index, shown.itertuples(index=False, name=None), strict=True)
    ):
        labels = list(idx) if isinstance(idx, tuple) else [idx]
        cells = []
        for j, value in enumerate(values):
            label = fmt(value) if text is None else str(text.iat[i, j])
            cls = "" if classes is None else str(classes.iat[i, j] or "")
            if isinstance(value, str) and cls == "":
                cls = "l"
            cells.append({"text": label, "cls": cls})
        rows.append({"index": [fmt(v) for v in labels] if show_index else [], "cells": cells})
    names = [str(n) if n is not None else "" for n in shown.index.names] if show_index else []
    content = {
        "index_names": names,
        "columns": [fmt(c) for c in shown.columns],
        "rows": rows,
        "truncated": max(0, len(frame) - len(shown)),
    }
    return Block("table", content, title=title, caption=caption)
