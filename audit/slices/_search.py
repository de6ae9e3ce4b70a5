"""The search: a lattice of conjunctions, pruned by support and by a bound on the difference.

Level 1 holds every level of every column (``region = north``); level ``d``
holds the conjunctions of ``d`` conditions on ``d`` different columns. As in
SliceLine (Sagadeeva & Boehm, SIGMOD 2021), a slice of level ``d`` is a
candidate only when each of its ``d`` parents (the slice without one of its
conditions) is alive, and a slice's statistics bound its children's:

* **support**: a child has at most the rows of each parent, so a parent below
  the minimum support has no child to search;
* **score**: a child's adverse numerator ``u`` (errors, false negatives, false
  positives or non-selected rows; the sum of absolute errors for MAE) is at
  most its parents' smallest, and its denominator at least ``m``, the
  smallest a slice can have and still be tested. So its metric is at most
  ``min(1, u_max / m)`` and the rest's at least ``(U - u_max) / (D - m)``
  (``U``, ``D``: the totals); when even these cannot make the child worse
  than the rest by the threshold, the child and everything below it are
  pruned: they can never be flagged.

The slices of one combination of columns are counted together, with one
``np.bincount`` over the rows (:mod:`audit.slices._counts`); a combination with
no candidate left is not counted at all. A child that holds exactly its
parent's rows is the same slice and is not tested again.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from audit.slices._counts import (
    DEN,
    DEN2,
    HIGHER_IS_WORSE,
    NUM,
    NUM2,
    RATE_METRICS,
    ROWS,
    W2,
    RowStats,
    W,
)
from audit.slices._levels import Levels
from audit.slices._result import TABLE_COLUMNS, SliceResult
from audit.slices._stats import bh_adjust, mean_interval, two_sided_p, wilson_interval

__all__ = ["MAX_GRID", "MAX_COMBINED_COLUMNS", "search"]

MAX_GRID = 1 << 22
"""Most slices one combination of columns may hold (the product of its columns' levels)."""
MAX_COMBINED_COLUMNS = 50
"""Most columns whose levels are combined into deeper slices.

Level 1 tests every level of every column. With more columns than this, only
those whose worst single condition is furthest from the rest (in the adverse
direction) enter the conjunctions: the number of combinations grows with the
square of the columns (12.5 million pairs at 5,000 columns), and the result's
notes name how many columns were left out of them."""
_CAPPED_NOTE = (
    "{n_out} of {n_cols} columns were searched at depth 1 only: conjunctions combine the "
    "{cap} columns whose worst single condition is furthest from the rest."
)
_EPS = 1e-9


@dataclass(frozen=True, eq=False)
class _Grid:
    """The slices of one combination of columns, on the full grid of their levels."""

    alive: np.ndarray  # bool: enough support to have children
    adverse: np.ndarray  # the adverse numerator u (a bound where not counted)
    rows: np.ndarray  # rows (np.inf where not counted)


@dataclass
class _Found:
    combos: list[tuple[int, ...]]
    cells: list[np.ndarray]
    stats: list[np.ndarray]
    n_candidates: int = 0
    n_pruned: int = 0


class _Rules:
    """Support, comparability and the pruning bound, for one search."""

    def __init__(self, rows: RowStats, totals: np.ndarray, settings: dict[str, Any]) -> None:
        self.metric = rows.metric
        self.rate = rows.metric in RATE_METRICS
        self.higher_is_worse = HIGHER_IS_WORSE[rows.metric]
        self.weighted = rows.weights is not None
        self.totals = totals
        self.min_support = int(settings["min_support"])
        self.min_count = int(settings["min_count"])
        self.threshold = float(settings["threshold"])
        self.prune = bool(settings["prune"])
        # the smallest denominator a tested slice can have
        rows_in_den = max(self.min_count, 1)
        if rows.metric in ("error_rate", "selection_rate", "mae"):
            rows_in_den = max(rows_in_den, self.min_support)
        if rows.weights is None:
            self.min_den = float(rows_in_den)
        else:
            positive = np.sort(rows.weights[rows.weights > 0])
            self.min_den = (
                float(positive[:rows_in_den].sum()) if len(positive) >= rows_in_den else math.inf
            )

    def adverse(self, stats: np.ndarray) -> np.ndarray:
        """The adverse numerator ``u`` of each slice (non-selected rows for the selection rate)."""
        if self.higher_is_worse:
            return stats[..., NUM]
        return stats[..., DEN] - stats[..., NUM]

    def supported(self, stats: np.ndarray) -> np.ndarray:
        """Slices with enough rows (and effective rows) and a comparable denominator."""
        ok = stats[:, ROWS] >= self.min_support
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.weighted:
                ok &= stats[:, W] ** 2 >= (self.min_support - _EPS) * stats[:, W2]
                ok &= stats[:, DEN] ** 2 >= (self.min_count - _EPS) * stats[:, DEN2]
            else:
                ok &= stats[:, DEN] >= self.min_count
        return ok & (stats[:, DEN] > 0)

    def rest_comparable(self, stats: np.ndarray) -> np.ndarray:
        """Slices whose rest has a comparable denominator too."""
        rest = self.totals[None, :] - stats
        if self.weighted:
            ok = rest[:, DEN] ** 2 >= (self.min_count - _EPS) * np.maximum(rest[:, DEN2], 0.0)
        else:
            ok = rest[:, DEN] >= self.min_count
        return ok & (rest[:, DEN] > _EPS * max(self.totals[DEN], 1.0))

    def can_be_flagged(self, adverse_max: np.ndarray) -> np.ndarray:
        """Whether a child whose adverse numerator is at most ``adverse_max`` could be flagged."""
        total_u = float(self.adverse(self.totals))
        total_d = float(self.totals[DEN])
        m = self.min_den
        if not math.isfinite(m) or total_d - m <= 0:
            return np.zeros(adverse_max.shape, dtype=bool)
        upper = adverse_max / m
        if self.rate:
            upper = np.minimum(upper, 1.0)
        lower_rest = np.maximum(total_u - adverse_max, 0.0) / (total_d - m)
        if self.rate:
            return upper - lower_rest >= self.threshold - _EPS
        return upper >= (1.0 + self.threshold) * lower_rest - _EPS


def _joint_key(levels: list[Levels], combo: tuple[int, ...]) -> np.ndarray:
    key = levels[combo[0]].codes.astype(np.int64, copy=True)
    for c in combo[1:]:
        key *= levels[c].n_levels
        key += levels[c].codes
    return key


def _level_one(
    levels: list[Levels], rows: RowStats, rules: _Rules, found: _Found
) -> dict[tuple[int, ...], _Grid]:
    grids: dict[tuple[int, ...], _Grid] = {}
    for i, lv in enumerate(levels):
        stats = rows.table(lv.codes, lv.n_levels)
        nonempty = stats[:, ROWS] > 0
        found.n_candidates += int(nonempty.sum())
        alive = rules.supported(stats)
        testable = alive & rules.rest_comparable(stats)
        cells = np.flatnonzero(testable)
        found.combos.append((i,))
        found.cells.append(cells)
        found.stats.append(stats[cells])
        if alive.any():
            grids[(i,)] = _Grid(alive, rules.adverse(stats), stats[:, ROWS])
    return grids


def _most_adverse_columns(found: _Found, rules: _Rules, cap: int) -> set[int]:
    """The ``cap`` columns whose worst tested level-1 slice is furthest from the rest."""
    totals = rules.totals
    score: dict[int, float] = {}
    for combo, stats in zip(found.combos, found.stats, strict=True):
        if len(combo) != 1 or not len(stats):
            continue
        rest = totals[None, :] - stats
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = stats[:, NUM] / stats[:, DEN] - rest[:, NUM] / rest[:, DEN]
        gap = gap if rules.higher_is_worse else -gap
        gap = gap[np.isfinite(gap)]
        score[combo[0]] = float(gap.max()) if gap.size else -math.inf
    ranked = sorted(score, key=lambda c: (-score[c], c))
    return set(ranked[:cap])


def _next_level(
    levels: list[Levels],
    rows: RowStats,
    rules: _Rules,
    grids: dict[tuple[int, ...], _Grid],
    depth: int,
    found: _Found,
) -> dict[tuple[int, ...], _Grid]:
    out: dict[tuple[int, ...], _Grid] = {}
    columns = sorted({c for key in grids for c in key})
    for combo in itertools.combinations(columns, depth):
        parents = [combo[:j] + combo[j + 1 :] for j in range(depth)]
        if any(p not in grids for p in parents):
            continue
        shape = tuple(levels[c].n_levels for c in combo)
        alive = np.ones(shape, dtype=bool)
        adverse_max = np.full(shape, np.inf)
        parent_rows = np.full(shape, np.inf)
        for j, p in enumerate(parents):
            g = grids[p]
            alive &= np.expand_dims(g.alive, j)
            np.minimum(adverse_max, np.expand_dims(g.adverse, j), out=adverse_max)
            np.minimum(parent_rows, np.expand_dims(g.rows, j), out=parent_rows)
        if not alive.any():
            continue
        if rules.prune:
            keep = alive & rules.can_be_flagged(adverse_max)
            found.n_pruned += int(alive.sum() - keep.sum())
            alive = keep
            if not alive.any():
                continue
        size = int(np.prod(shape))
        stats = rows.table(_joint_key(levels, combo), size)
        flat_alive = alive.ravel() & (stats[:, ROWS] > 0)
        found.n_candidates += int(flat_alive.sum())
        flat_alive &= rules.supported(stats)
        # a child with all of a parent's rows is that parent again
        same_rows = stats[:, ROWS] >= parent_rows.ravel()
        testable = flat_alive & ~same_rows & rules.rest_comparable(stats)
        cells = np.flatnonzero(testable)
        found.combos.append(combo)
        found.cells.append(cells)
        found.stats.append(stats[cells])
        if flat_alive.any():
            out[combo] = _Grid(
                flat_alive.reshape(shape),
                rules.adverse(stats).reshape(shape),
                stats[:, ROWS].reshape(shape),
            )
    return out


def _labels(levels: list[Levels], found: _Found) -> tuple[list[str], np.ndarray]:
    labels: list[str] = []
    depths = []
    for combo, cells in zip(found.combos, found.cells, strict=True):
        if not len(cells):
            continue
        shape = tuple(levels[c].n_levels for c in combo)
        positions = np.unravel_index(cells, shape)
        names = [levels[c].labels for c in combo]
        for k in range(len(cells)):
            labels.append(" and ".join(names[j][positions[j][k]] for j in range(len(combo))))
        depths.extend([len(combo)] * len(cells))
    return labels, np.asarray(depths, dtype=np.int64)


def _table(
    levels: list[Levels], rows: RowStats, rules: _Rules, found: _Found, settings: dict[str, Any]
) -> pd.DataFrame:
    labels, depth = _labels(levels, found)
    if not labels:
        return pd.DataFrame(
            {c: pd.Series(dtype=object if c == "slice" else float) for c in TABLE_COLUMNS},
            index=pd.RangeIndex(1, 1, name="rank"),
        )
    s = np.concatenate([x for x in found.stats if len(x)], axis=0)
    t = rules.totals
    r = t[None, :] - s
    r[:, ROWS] = np.maximum(r[:, ROWS], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = s[:, NUM] / s[:, DEN]
        rest = r[:, NUM] / r[:, DEN]
        n_s = s[:, DEN] ** 2 / s[:, DEN2]
        n_r = r[:, DEN] ** 2 / r[:, DEN2]
        diff = value - rest
        ratio = value / rest
        if rules.rate:
            pooled = t[NUM] / t[DEN]
            se = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n_s + 1.0 / n_r))
            low, high = wilson_interval(value, n_s, settings["ci"])
        else:
            var_s = np.maximum(s[:, NUM2] / s[:, DEN] - value**2, 0.0)
            var_r = np.maximum(r[:, NUM2] / r[:, DEN] - rest**2, 0.0)
            se = np.sqrt(var_s / n_s + var_r / n_r)
            low, high = mean_interval(value, var_s, n_s, settings["ci"])
        z = np.where(se > 0, diff / se, np.where(diff == 0, 0.0, np.sign(diff) * np.inf))
    p = two_sided_p(z)
    p_adj = bh_adjust(p)
    adverse = diff if rules.higher_is_worse else -diff
    significant = (p_adj < settings["alpha"]) & (adverse > 0)
    if rules.rate:
        beyond = adverse > settings["threshold"]
    else:
        beyond = value > (1.0 + settings["threshold"]) * rest
    frame = pd.DataFrame(
        {
            "slice": pd.array(labels, dtype=object),
            "depth": depth,
            "size": s[:, ROWS].astype(np.int64),
            "metric_n": n_s,
            "value": value,
            "rest": rest,
            "difference": diff,
            "ratio": ratio,
            "ci_low": low,
            "ci_high": high,
            "p_value": p,
            "p_adjusted": p_adj,
            "significant": significant,
            "flagged": significant & beyond,
        }
    )
    order = np.lexsort(
        (
            np.asarray(labels, dtype=object).astype(str),
            -frame["size"].to_numpy(),
            -np.nan_to_num(adverse, nan=-np.inf),
            ~significant,
        )
    )
    frame = frame.iloc[order].reset_index(drop=True)
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="rank")
    return frame


def search(
    levels: list[Levels],
    rows: RowStats,
    settings: dict[str, Any],
    *,
    skipped: dict[str, str],
    notes: tuple[str, ...] = (),
) -> SliceResult:
    """Search the lattice of slices of ``levels`` and test every slice that is left.

    Parameters
    ----------
    levels : list of Levels
        The columns, cut into levels (each with at least two).
    rows : RowStats
        What each row contributes to the metric.
    settings : dict
        Checked settings (:func:`audit.slices._options.check_slice_settings`),
        with ``min_support`` resolved to a number of rows.
    skipped : dict of str to str
        Columns left out, and why.
    notes : tuple of str
        Remarks for the report.

    Returns
    -------
    SliceResult
    """
    totals = rows.totals()
    rules = _Rules(rows, totals, settings)
    found = _Found([], [], [])
    grids = _level_one(levels, rows, rules, found)
    if len(grids) > MAX_COMBINED_COLUMNS and settings["max_depth"] > 1:
        kept = _most_adverse_columns(found, rules, MAX_COMBINED_COLUMNS)
        notes = (
            *notes,
            _CAPPED_NOTE.format(
                n_out=len(levels) - len(kept), n_cols=len(levels), cap=MAX_COMBINED_COLUMNS
            ),
        )
        grids = {key: grid for key, grid in grids.items() if key[0] in kept}
    for depth in range(2, min(settings["max_depth"], len(levels)) + 1):
        if not grids:
            break
        grids = _next_level(levels, rows, rules, grids, depth, found)
    table = _table(levels, rows, rules, found, settings)
    with np.errstate(divide="ignore", invalid="ignore"):
        overall = float(totals[NUM] / totals[DEN]) if totals[DEN] > 0 else math.nan
    return SliceResult(
        table=table,
        metric=rows.metric,
        higher_is_worse=rules.higher_is_worse,
        overall=overall,
        n_rows=rows.n_rows,
        weighted=rules.weighted,
        columns=tuple(lv.name for lv in levels),
        skipped_columns=dict(skipped),
        max_depth=int(settings["max_depth"]),
        min_support=int(settings["min_support"]),
        min_count=int(settings["min_count"]),
        bins=int(settings["bins"]),
        max_levels=int(settings["max_levels"]),
        ci=float(settings["ci"]),
        alpha=float(settings["alpha"]),
        threshold=float(settings["threshold"]),
        prune=bool(settings["prune"]),
        n_candidates=found.n_candidates,
        n_pruned=found.n_pruned,
        notes=notes,
    )
