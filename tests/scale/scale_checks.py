"""Comparisons of an engine's results with the in-memory ones (shared by the scale tests).

Integer-valued columns (row counts, unweighted sums, shifts, unweighted AUC
statistics) must be equal exactly; other floats to 1e-9 relative, where sums
that are 0 in exact arithmetic (centred moments) are compared against the size
of their terms. An engine without ordered windows (Dask) may report a binned
AUC; it is then compared within 0.02.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from audit.fairness import GroupCounts, GroupMetrics

__all__ = ["BINNED_ALLOWED", "BOOT", "RTOL", "assert_counts_equal", "assert_metrics_equal", "close"]

RTOL = 1e-9
BINNED_ALLOWED = {"dask"}
"""Engines without an ordered window function, which may report a binned AUC."""
BINNED_AUC_TOL = 0.02
BOOT = {"n_boot": 200, "random_state": 0}


def _exact_columns(counts: GroupCounts) -> set[str]:
    """Columns that hold integers (or halves) and must be equal bit for bit."""
    cols = set()
    for c in counts.table.columns:
        if re.fullmatch(r"n(_.*)?", c) or c in ("shift_y", "shift_pred"):
            cols.add(c)
        elif not counts.weighted and re.fullmatch(r"(w|w_.*|w2_.*|auc_u)", c):
            cols.add(c)
    return cols


def close(
    got: np.ndarray, want: np.ndarray, what: str, rtol: float = RTOL, scale: Any = None
) -> None:
    """Equal to ``rtol`` relative; ``scale`` (per element): the size of the summed terms, for
    sums that are 0 in exact arithmetic (centred moments), where only rounding is left."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    finite = want[np.isfinite(want)]
    atol = 1e-12 * (float(np.abs(finite).max()) if finite.size else 0.0)
    if scale is not None:
        atol = np.maximum(atol, rtol * np.abs(np.asarray(scale, dtype=np.float64)))
    same_nan = np.isnan(got) == np.isnan(want)
    ok = same_nan & (np.isnan(want) | (np.abs(got - want) <= atol + rtol * np.abs(want)))
    if not ok.all():
        bad = np.flatnonzero(~ok.ravel())[:5]
        raise AssertionError(
            f"{what}: not equal to rtol={rtol} at positions {bad.tolist()}: "
            f"got {got.ravel()[bad].tolist()}, want {want.ravel()[bad].tolist()}"
        )


def _term_scale(table: pd.DataFrame, column: str) -> np.ndarray | None:
    """Size of the terms of a regression sum that may cancel to 0 (None: no cancellation)."""
    m = re.fullmatch(r"m2_(\w+?)_(\w+)", column)
    if m and f"m2_{m[1]}_{m[1]}" in table and f"m2_{m[2]}_{m[2]}" in table:
        # Cauchy-Schwarz: |sum w^2 a b| <= sqrt(sum w^2 a^2 * sum w^2 b^2)
        return np.sqrt(table[f"m2_{m[1]}_{m[1]}"] * table[f"m2_{m[2]}_{m[2]}"]).to_numpy()
    if column == "sum_err":
        return table["sum_abs_err"].to_numpy()
    return None


def _same_index(got: pd.Index, want: pd.Index, what: str) -> None:
    assert list(got.names) == list(want.names), f"{what}: index names"
    assert got.tolist() == want.tolist(), f"{what}: groups or their order differ"


def _binned(counts: GroupCounts, engine: str) -> bool:
    if counts.auc_method == "binned":
        assert engine in BINNED_ALLOWED, f"{engine} reported a binned AUC; it has ordered windows"
        return True
    assert counts.auc_method == "exact"
    return False


def assert_counts_equal(got: GroupCounts, want: GroupCounts, engine: str) -> None:
    assert isinstance(got, GroupCounts)
    assert got.task == want.task
    assert got.classes == want.classes
    assert got.weighted == want.weighted
    _same_index(got.table.index, want.table.index, "table")
    assert list(got.table.columns) == list(want.table.columns)
    binned = _binned(got, engine)
    exact = _exact_columns(want)
    for c in want.table.columns:
        g, w = got.table[c].to_numpy(np.float64), want.table[c].to_numpy(np.float64)
        if c == "auc_u" and binned:
            pos = want.table[["w_fn", "w_tp"]].sum(axis=1).to_numpy()
            neg = want.table[["w_tn", "w_fp"]].sum(axis=1).to_numpy()
            np.testing.assert_allclose(g / (pos * neg), w / (pos * neg), atol=BINNED_AUC_TOL)
        elif c in exact:
            np.testing.assert_array_equal(g, w, err_msg=f"column {c} (exact)")
        else:
            close(g, w, f"column {c}", scale=_term_scale(want.table, c))
    if want.score_cells is None:
        assert got.score_cells is None
        assert got.overall_auc_u is None
    else:
        assert got.score_cells is not None
        keys = ["group", "label", "bin"]
        gs = got.score_cells.sort_values(keys).reset_index(drop=True)
        ws = want.score_cells.sort_values(keys).reset_index(drop=True)
        assert list(gs.columns) == list(ws.columns)
        for c in ws.columns:
            if c in (*keys, "n") or (not want.weighted and c in ("w", "w2")):
                np.testing.assert_array_equal(
                    gs[c].to_numpy(np.float64), ws[c].to_numpy(np.float64), err_msg=c
                )
            else:
                close(gs[c].to_numpy(), ws[c].to_numpy(), f"score_cells.{c}")
        pos = want.table[["w_fn", "w_tp"]].to_numpy().sum()
        neg = want.table[["w_tn", "w_fp"]].to_numpy().sum()
        if binned:
            assert abs(got.overall_auc_u - want.overall_auc_u) / (pos * neg) < BINNED_AUC_TOL
        elif not want.weighted:
            assert got.overall_auc_u == want.overall_auc_u
        else:
            close(np.array([got.overall_auc_u]), np.array([want.overall_auc_u]), "overall_auc_u")


def _frame_close(got: pd.DataFrame | None, want: pd.DataFrame | None, what: str, binned: bool):
    if want is None:
        assert got is None, what
        return
    assert got is not None, what
    _same_index(got.index, want.index, what)
    assert list(got.columns) == list(want.columns), what
    for c in want.columns:
        if binned and c == "auc":
            np.testing.assert_allclose(got[c], want[c], atol=BINNED_AUC_TOL, err_msg=f"{what}.auc")
        else:
            close(got[c].to_numpy(), want[c].to_numpy(), f"{what}.{c}")


def _series_close(got: pd.Series | None, want: pd.Series | None, what: str, binned: bool) -> None:
    if want is None:
        assert got is None, what
        return
    assert got is not None, what
    assert list(got.index) == list(want.index), what
    keep = [k for k in want.index if not (binned and str(k).startswith("auc"))]
    close(got[keep].to_numpy(np.float64), want[keep].to_numpy(np.float64), what)
    if binned and "auc" in want.index:
        assert abs(float(got["auc"]) - float(want["auc"])) < BINNED_AUC_TOL or (
            np.isnan(got["auc"]) and np.isnan(want["auc"])
        )


def assert_metrics_equal(got: GroupMetrics, want: GroupMetrics, engine: str) -> None:
    assert isinstance(got, GroupMetrics)
    assert got.task == want.task
    assert got.classes == want.classes
    assert got.metrics == want.metrics
    binned = got.counts is not None and _binned(got.counts, engine)
    np.testing.assert_array_equal(got.by_group["count"], want.by_group["count"])
    _frame_close(got.by_group, want.by_group, "by_group", binned)
    _frame_close(got.denominators, want.denominators, "denominators", False)
    _series_close(got.overall, want.overall, "overall", binned)
    # verdicts: the same strings everywhere (denominators are counts, so exact)
    _same_index(got.verdicts.index, want.verdicts.index, "verdicts")
    pd.testing.assert_frame_equal(
        got.verdicts.reset_index(drop=True), want.verdicts.reset_index(drop=True)
    )
    for method in ("between_groups", "to_overall"):
        _series_close(
            got.difference(method=method), want.difference(method=method), "difference", binned
        )
        _series_close(got.ratio(method=method), want.ratio(method=method), "ratio", binned)
    _series_close(
        got.difference(exclude_insufficient=False),
        want.difference(exclude_insufficient=False),
        "difference(all groups)",
        binned,
    )
    _series_close(
        got.difference(reference="largest"), want.difference(reference="largest"), "ref", binned
    )
    # intervals: the bootstrap draws from the count table only
    assert got.n_boot == want.n_boot and got.random_state == want.random_state
    _frame_close(got.ci_low, want.ci_low, "ci_low", binned)
    _frame_close(got.ci_high, want.ci_high, "ci_high", binned)
    _series_close(got.overall_ci_low, want.overall_ci_low, "overall_ci_low", binned)
    _series_close(got.overall_ci_high, want.overall_ci_high, "overall_ci_high", binned)
    if want.n_boot:
        # one row per metric: transposed, so that a binned "auc" is a column
        _frame_close(got.difference_ci().T, want.difference_ci().T, "difference_ci", binned)
        _frame_close(got.ratio_ci().T, want.ratio_ci().T, "ratio_ci", binned)
