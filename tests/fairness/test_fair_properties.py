"""Properties of the engine that hold for any data (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.fairness import BINARY_METRICS, group_counts, group_metrics

SETTINGS = settings(max_examples=40, deadline=None, database=None)


@st.composite
def binary_rows(draw: st.DrawFn, weighted: bool = False) -> dict[str, np.ndarray]:
    n = draw(st.integers(1, 60))
    ints = st.lists(st.integers(0, 1), min_size=n, max_size=n)
    groups = st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n)
    out = {
        "y_true": np.array(draw(ints)),
        "y_pred": np.array(draw(ints)),
        "group": np.array(draw(groups), dtype=object),
    }
    if weighted:
        weights = st.lists(st.floats(0.1, 5.0), min_size=n, max_size=n)
        out["w"] = np.array(draw(weights))
    return out


@SETTINGS
@given(binary_rows(weighted=True))
def test_counts_sum_to_n(d: dict[str, np.ndarray]) -> None:
    counts = group_counts(
        d["y_true"], d["y_pred"], sensitive_features=d["group"], sample_weight=d["w"]
    )
    table = counts.table
    n = len(d["y_true"])
    assert table["n"].sum() == n
    assert table[["n_tn", "n_fp", "n_fn", "n_tp"]].to_numpy().sum() == n
    np.testing.assert_allclose(table["w"].sum(), d["w"].sum(), rtol=1e-12)
    np.testing.assert_allclose(table["n"], table[["n_tn", "n_fp", "n_fn", "n_tp"]].sum(axis=1))


@SETTINGS
@given(binary_rows(weighted=True), st.randoms(use_true_random=False))
def test_permuting_rows_changes_nothing(d: dict[str, np.ndarray], random: object) -> None:
    order = np.arange(len(d["y_true"]))
    random.shuffle(order)  # type: ignore[attr-defined]
    kwargs = {"sample_weight": d["w"]}
    a = group_metrics(d["y_true"], d["y_pred"], sensitive_features=d["group"], **kwargs)
    b = group_metrics(
        d["y_true"][order],
        d["y_pred"][order],
        sensitive_features=d["group"][order],
        sample_weight=d["w"][order],
    )
    pd.testing.assert_frame_equal(a.by_group, b.by_group, rtol=1e-12)
    pd.testing.assert_frame_equal(a.verdicts, b.verdicts)


@SETTINGS
@given(binary_rows(), st.permutations(["x", "y", "z"]))
def test_relabelling_groups_permutes_by_group(d: dict[str, np.ndarray], names: list) -> None:
    mapping = dict(zip(["a", "b", "c"], names, strict=True))
    relabelled = np.array([mapping[g] for g in d["group"]], dtype=object)
    a = group_metrics(d["y_true"], d["y_pred"], sensitive_features=d["group"])
    b = group_metrics(d["y_true"], d["y_pred"], sensitive_features=relabelled)
    expected = a.by_group.rename(index=mapping).sort_index()
    pd.testing.assert_frame_equal(b.by_group, expected, check_names=False)
    pd.testing.assert_series_equal(a.difference(), b.difference())
    pd.testing.assert_series_equal(a.ratio(), b.ratio())


@SETTINGS
@given(binary_rows())
def test_weight_two_equals_duplicated_rows(d: dict[str, np.ndarray]) -> None:
    twice = group_metrics(
        d["y_true"],
        d["y_pred"],
        sensitive_features=d["group"],
        sample_weight=np.full(len(d["y_true"]), 2.0),
    )
    doubled = group_metrics(
        np.tile(d["y_true"], 2),
        np.tile(d["y_pred"], 2),
        sensitive_features=np.tile(d["group"], 2),
    )
    cols = ["share", *BINARY_METRICS]
    pd.testing.assert_frame_equal(twice.by_group[cols], doubled.by_group[cols], rtol=1e-12)
    pd.testing.assert_series_equal(twice.overall[cols], doubled.overall[cols], rtol=1e-12)


@SETTINGS
@given(binary_rows(weighted=True), st.sampled_from([np.nan, 0.0, 1.0]))
def test_rates_lie_in_unit_interval(d: dict[str, np.ndarray], zero_division: float) -> None:
    gm = group_metrics(
        d["y_true"],
        d["y_pred"],
        sensitive_features=d["group"],
        sample_weight=d["w"],
        zero_division=zero_division,
    )
    values = gm.by_group[list(BINARY_METRICS)].to_numpy()
    finite = values[np.isfinite(values)]
    assert np.all((finite >= -1e-12) & (finite <= 1 + 1e-12))
    assert np.isclose(gm.by_group["share"].sum(), 1.0)
    ratios = gm.ratio().to_numpy()
    assert np.all(ratios[np.isfinite(ratios)] <= 1 + 1e-12)
    assert np.all(gm.difference().dropna() >= 0)
