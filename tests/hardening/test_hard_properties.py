"""Properties that hold for any data (hypothesis): fairness engine, weight statistics, report.

These add to ``tests/fairness/test_fair_properties.py`` (binary counts sum to n,
row permutation and group relabelling of binary metrics, weight 2 == duplicated
rows unweighted, rates in [0, 1] between groups), which are not repeated.
"""

from __future__ import annotations

import json
from collections import Counter
from html.parser import HTMLParser
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

import audit
from audit.fairness import BINARY_METRICS, REGRESSION_METRICS, group_counts, group_metrics
from audit.weights import distribution_stats, gini
from audit.weights._concentration import concentration, source_table
from audit.weights._inputs import column_std
from audit.weights._stats import pooled_summary, summary_stats

FAST = settings(max_examples=30, deadline=None, database=None)
SLOW = settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
RATES = ("base_rate", "selection_rate", "tpr", "fpr", "precision", "accuracy")


# ----------------------------------------------------------------- strategies
@st.composite
def binary_rows(draw: st.DrawFn, min_size: int = 1, max_size: int = 60) -> dict[str, np.ndarray]:
    """0/1 labels and predictions, scores in [0, 1], two sensitive columns, weights 1..3."""
    n = draw(st.integers(min_size, max_size))

    def arr(elements: st.SearchStrategy, dtype: Any = None) -> np.ndarray:
        return np.array(draw(st.lists(elements, min_size=n, max_size=n)), dtype=dtype)

    return {
        "y_true": arr(st.integers(0, 1)),
        "y_pred": arr(st.integers(0, 1)),
        "y_score": arr(st.sampled_from([0.0, 0.05, 0.3, 0.5, 0.55, 0.9, 1.0])),
        "sex": arr(st.sampled_from(["f", "m"]), object),
        "race": arr(st.sampled_from(["a", "b", "c"]), object),
        "k": arr(st.integers(1, 3)),
        "w": arr(st.floats(0.0, 4.0, allow_nan=False, allow_infinity=False)),
    }


def _finite_close(a: np.ndarray, b: np.ndarray) -> None:
    np.testing.assert_allclose(
        np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-9, atol=1e-12
    )


# ------------------------------------------------------------ fairness engine
@FAST
@given(binary_rows())
def test_integer_weights_equal_repeated_rows_scores_included(d: dict[str, np.ndarray]) -> None:
    weighted = group_metrics(
        d["y_true"],
        d["y_pred"],
        sensitive_features=d["sex"],
        y_score=d["y_score"],
        sample_weight=d["k"],
    )
    rows = np.repeat(np.arange(len(d["k"])), d["k"])
    repeated = group_metrics(
        d["y_true"][rows],
        d["y_pred"][rows],
        sensitive_features=d["sex"][rows],
        y_score=d["y_score"][rows],
    )
    cols = ["share", *BINARY_METRICS, "auc", "brier", "ece"]
    _finite_close(weighted.by_group[cols].to_numpy(), repeated.by_group[cols].to_numpy())
    _finite_close(weighted.overall[cols].to_numpy(), repeated.overall[cols].to_numpy())


@FAST
@given(binary_rows())
def test_overall_rate_is_the_share_weighted_mean_of_group_rates(d: dict[str, np.ndarray]) -> None:
    assume(d["w"].sum() > 0)
    gm = group_metrics(
        d["y_true"],
        d["y_pred"],
        sensitive_features={"sex": d["sex"], "race": d["race"]},
        sample_weight=d["w"],
    )
    share = gm.by_group["share"].to_numpy()
    for rate in ("base_rate", "selection_rate", "accuracy"):  # denominators: all rows
        values = gm.by_group[rate].to_numpy()
        used = share > 0
        assert np.isclose(np.sum(share[used] * values[used]), gm.overall[rate], rtol=1e-9)


@FAST
@given(binary_rows())
def test_intersection_counts_add_up_to_each_attribute(d: dict[str, np.ndarray]) -> None:
    assume(d["w"].sum() > 0)
    both = group_counts(
        d["y_true"],
        d["y_pred"],
        sensitive_features={"sex": d["sex"], "race": d["race"]},
        sample_weight=d["w"],
    ).table
    cells = ["n", "w", "n_tn", "n_fp", "n_fn", "n_tp", "w_tn", "w_fp", "w_fn", "w_tp"]
    for name in ("sex", "race"):
        alone = group_counts(
            d["y_true"], d["y_pred"], sensitive_features={name: d[name]}, sample_weight=d["w"]
        ).table
        summed = both[cells].groupby(level=name).sum()
        _finite_close(summed.loc[alone.index].to_numpy(), alone[cells].to_numpy())
    assert both["n"].sum() == len(d["y_true"])


@FAST
@given(binary_rows())
def test_order_of_sensitive_columns_only_reorders_the_index(d: dict[str, np.ndarray]) -> None:
    kwargs = {"y_score": d["y_score"], "min_count": 2}
    ab = group_metrics(
        d["y_true"],
        d["y_pred"],
        sensitive_features={"sex": d["sex"], "race": d["race"]},
        **kwargs,
    )
    ba = group_metrics(
        d["y_true"],
        d["y_pred"],
        sensitive_features={"race": d["race"], "sex": d["sex"]},
        **kwargs,
    )
    swapped = ba.by_group.reorder_levels(["sex", "race"]).sort_index()
    pd.testing.assert_frame_equal(ab.by_group.sort_index(), swapped, rtol=1e-12)
    pd.testing.assert_frame_equal(
        ab.verdicts.sort_index(), ba.verdicts.reorder_levels(["sex", "race"]).sort_index()
    )
    pd.testing.assert_series_equal(ab.difference(), ba.difference())
    pd.testing.assert_series_equal(ab.ratio(), ba.ratio())


@FAST
@given(binary_rows(), st.sampled_from(["to_overall", "largest", "best"]))
def test_ratios_in_unit_interval_and_differences_non_negative_for_every_method(
    d: dict[str, np.ndarray], method: str
) -> None:
    assume(d["w"].sum() > 0)
    gm = group_metrics(d["y_true"], d["y_pred"], sensitive_features=d["race"], sample_weight=d["w"])
    kwargs: dict[str, Any] = (
        {"method": "to_overall"} if method == "to_overall" else {"reference": method}
    )
    ratio = gm.ratio(**kwargs)[list(RATES)].to_numpy()
    diff = gm.difference(**kwargs)[list(RATES)].to_numpy()
    finite = ratio[np.isfinite(ratio)]
    assert np.all((finite >= 0) & (finite <= 1 + 1e-12))
    assert np.all(diff[np.isfinite(diff)] >= 0)
    assert np.all(diff[np.isfinite(diff)] <= 1 + 1e-12)  # rates live in [0, 1]


@settings(max_examples=15, deadline=None, database=None)
@given(binary_rows(min_size=8), st.integers(0, 2**16))
def test_bootstrap_interval_contains_the_estimate(d: dict[str, np.ndarray], seed: int) -> None:
    gm = group_metrics(
        d["y_true"], d["y_pred"], sensitive_features=d["sex"], n_boot=200, random_state=seed
    )
    for rate in ("base_rate", "selection_rate", "accuracy", "tpr", "fpr"):
        point = gm.by_group[rate].to_numpy()
        low, high = gm.ci_low[rate].to_numpy(), gm.ci_high[rate].to_numpy()
        ok = np.isfinite(point) & np.isfinite(low)
        assert np.all(low[ok] <= point[ok] + 1e-12) and np.all(point[ok] <= high[ok] + 1e-12)
        assert np.all((low[ok] >= 0) & (high[ok] <= 1))
        overall = gm.overall[rate]
        if np.isfinite(overall):
            assert gm.overall_ci_low[rate] - 1e-12 <= overall <= gm.overall_ci_high[rate] + 1e-12


@st.composite
def other_tasks(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(2, 50))
    task = draw(st.sampled_from(["multiclass", "regression"]))
    if task == "multiclass":
        labels = st.sampled_from(["cat", "dog", "eel"])
        y_true = np.array(draw(st.lists(labels, min_size=n, max_size=n)), dtype=object)
        y_pred = np.array(draw(st.lists(labels, min_size=n, max_size=n)), dtype=object)
    else:
        values = st.floats(-100, 100, allow_nan=False).map(lambda v: round(v, 3) + 0.001)
        y_true = np.array(draw(st.lists(values, min_size=n, max_size=n)))
        y_pred = np.array(draw(st.lists(values, min_size=n, max_size=n)))
    groups = np.array(draw(st.lists(st.sampled_from(["x", "y"]), min_size=n, max_size=n)))
    order = np.array(draw(st.permutations(range(n))))
    return {"task": task, "y_true": y_true, "y_pred": y_pred, "g": groups, "order": order}


@FAST
@given(other_tasks())
def test_multiclass_and_regression_ignore_row_order(d: dict[str, Any]) -> None:
    o = d["order"]
    a = group_metrics(d["y_true"], d["y_pred"], sensitive_features=d["g"], task=d["task"])
    b = group_metrics(d["y_true"][o], d["y_pred"][o], sensitive_features=d["g"][o], task=d["task"])
    pd.testing.assert_frame_equal(a.by_group, b.by_group, rtol=1e-9, atol=1e-9)
    pd.testing.assert_frame_equal(a.verdicts, b.verdicts)


@FAST
@given(other_tasks())
def test_multiclass_and_regression_counts_add_up(d: dict[str, Any]) -> None:
    counts = group_counts(d["y_true"], d["y_pred"], sensitive_features=d["g"], task=d["task"])
    table = counts.table
    rows = pd.Series(d["g"]).value_counts()
    np.testing.assert_array_equal(table["n"].to_numpy(), rows.loc[table.index].to_numpy())
    if d["task"] == "multiclass":
        k = len(counts.classes)
        cells = [f"n_{i}_{j}" for i in range(k) for j in range(k)]
        np.testing.assert_array_equal(table[cells].sum(axis=1), table["n"])
    else:
        sums = pd.Series(d["y_true"]).groupby(d["g"]).sum()
        _finite_close(table["sum_y"].to_numpy(), sums.loc[table.index].to_numpy())
        gm = group_metrics(d["y_true"], d["y_pred"], sensitive_features=d["g"], task="regression")
        assert set(REGRESSION_METRICS) <= set(gm.by_group.columns)
        assert np.all(gm.by_group["mae"] >= 0) and np.all(
            gm.by_group["rmse"] >= gm.by_group["mae"] - 1e-9
        )


@FAST
@given(binary_rows(), st.integers(0, 20), st.integers(0, 20))
def test_raising_min_count_never_makes_evidence_sufficient(
    d: dict[str, np.ndarray], low: int, extra: int
) -> None:
    kwargs = {"sensitive_features": d["race"]}
    loose = group_metrics(d["y_true"], d["y_pred"], min_count=low, **kwargs)
    strict = group_metrics(d["y_true"], d["y_pred"], min_count=low + extra, **kwargs)
    assert not (strict.sufficient & ~loose.sufficient).to_numpy().any()
    pd.testing.assert_frame_equal(loose.by_group, strict.by_group)  # values do not change


# ----------------------------------------------------------- weight statistics
positive_arrays = st.lists(
    st.one_of(st.just(0.0), st.floats(1e-6, 1e3), st.sampled_from([1.0, 2.0])),
    min_size=1,
    max_size=40,
)


@FAST
@given(positive_arrays, st.randoms(use_true_random=False), st.sampled_from([0.5, 2.0, 8.0]))
def test_gini_bounds_and_invariances(values: list[float], random: Any, scale: float) -> None:
    x = np.array(values)
    assume(x.sum() > 0)
    g = gini(x)
    assert -1e-12 <= g < 1
    shuffled = list(values)
    random.shuffle(shuffled)
    assert np.isclose(gini(shuffled), g, atol=1e-12)
    assert np.isclose(gini(x * scale), g, atol=1e-12)
    assert np.isclose(gini(np.full(len(values), values[0] + 1.0)), 0.0, atol=1e-12)


@FAST
@given(positive_arrays)
def test_concentration_shares_and_levels(values: list[float]) -> None:
    weights = pd.Series(values, index=[f"f{i}" for i in range(len(values))])
    assume(weights.sum() > 0)
    table = source_table(weights)
    conc = concentration(table, basis="test")
    n = len(values)
    assert np.isclose(table["share"].sum(), 1.0)
    assert np.isclose(conc["top_share"], table["share"].max())
    assert conc["top_share"] >= 1 / n - 1e-12
    assert 1 / n - 1e-12 <= conc["hhi"] <= 1 + 1e-12
    assert 1 - 1e-9 <= conc["effective_n"] <= n + 1e-9
    assert table["level"].iloc[0] == "high"
    rank = table["level"].map({"high": 0, "medium": 1, "low": 2}).to_numpy()
    assert np.all(np.diff(rank) >= 0)  # sorted by weight: the level never goes back up


arrays_for_stats = st.lists(
    st.floats(-50, 50, allow_nan=False, allow_infinity=False), min_size=2, max_size=60
)


@FAST
@given(arrays_for_stats, st.sampled_from([0.25, 2.0, 4.0]), st.sampled_from([-3.0, 0.0, 10.0]))
def test_distribution_stats_scale_and_shift(
    values: list[float], scale: float, shift: float
) -> None:
    x = np.array(values)
    assume(x.std() > 1e-3 * max(1.0, np.abs(x).max()))
    base = distribution_stats(x)
    moved = distribution_stats(x * scale + shift)
    assert np.isclose(moved["mean"], base["mean"] * scale + shift, rtol=1e-9, atol=1e-9)
    assert np.isclose(moved["std"], base["std"] * scale, rtol=1e-9)
    assert np.isclose(moved["skewness"], base["skewness"], rtol=1e-6, atol=1e-6)
    assert np.isclose(moved["kurtosis"], base["kurtosis"], rtol=1e-6, atol=1e-6)
    near_threshold = any(
        abs(base[k] - t) < 1e-6
        for k, t in (
            ("skewness", 1.0),
            ("skewness", -1.0),
            ("kurtosis", 3.0),
            ("kurtosis", -1.5),
            ("kurtosis", -0.9),
        )
    )
    if not near_threshold and abs((x.max() - x.min()) / x.std() - 3.8) > 1e-6:
        assert moved["shape_label"] == base["shape_label"]
    reversed_stats = distribution_stats(x[::-1])
    assert reversed_stats["shape_label"] == base["shape_label"]
    assert np.isclose(reversed_stats["mean"], base["mean"], atol=1e-9)


@FAST
@given(arrays_for_stats, st.lists(st.integers(0, 60), max_size=4))
def test_pooled_summary_equals_the_summary_of_the_concatenation(
    values: list[float], cuts: list[int]
) -> None:
    x = np.array(values)
    parts = np.split(x, sorted(c % (len(x) + 1) for c in cuts))
    pooled, whole = pooled_summary(parts), summary_stats(x)
    for key in ("count", "min", "max", "n_zero"):
        assert pooled[key] == whole[key]
    for key in ("mean", "std", "abs_mean"):
        assert np.isclose(pooled[key], whole[key], rtol=1e-9, atol=1e-9)


@FAST
@given(
    st.integers(2, 30).flatmap(
        lambda n: st.tuples(
            st.lists(
                st.lists(st.floats(-10, 10, allow_nan=False), min_size=3, max_size=3),
                min_size=n,
                max_size=n,
            ),
            st.lists(st.integers(1, 3), min_size=n, max_size=n),
        )
    )
)
def test_column_std_integer_weights_equal_repeated_rows(data: tuple[list, list]) -> None:
    matrix, counts = np.array(data[0]), np.array(data[1])
    weighted = column_std(matrix, sample_weight=counts.astype(float))
    repeated = column_std(np.repeat(matrix, counts, axis=0))
    np.testing.assert_allclose(weighted, repeated, rtol=1e-7, atol=1e-9)


# ---------------------------------------------------------------------- report
_RNG = np.random.default_rng(0)
_TRAIN = pd.DataFrame({"a": _RNG.normal(size=200), "b": _RNG.normal(size=200)})
_MODEL = LogisticRegression().fit(_TRAIN, (_TRAIN["a"] > 0).astype(int))


class _Structure(HTMLParser):
    """Start tags with their attribute names, end tags, and the text, of an HTML page.

    Elements inside an ``<svg>`` (matplotlib's drawing: a label with a line break
    is drawn as two ``<text>`` elements) are kept apart, in ``svg_events``.
    """

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple[str, tuple[str, ...]]] = []
        self.svg_events: list[tuple[str, tuple[str, ...]]] = []
        self.attribute_values: list[str] = []
        self.text: list[str] = []
        self._svg_depth = 0
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        event = (tag, tuple(sorted(name for name, _ in attrs)))
        (self.svg_events if self._svg_depth else self.events).append(event)
        self._svg_depth += tag == "svg"
        self.attribute_values += [value or "" for _, value in attrs]

    def handle_endtag(self, tag: str) -> None:
        self._svg_depth -= tag == "svg" and self._svg_depth > 0
        (self.svg_events if self._svg_depth else self.events).append(("/" + tag, ()))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _named_report(feature: str, group: str, model_name: str) -> audit.AuditReport:
    rng = np.random.default_rng(1)
    X = pd.DataFrame({feature: rng.normal(size=120), "b": rng.normal(size=120)})
    groups = pd.Series(np.where(rng.random(120) < 0.5, group, "ok"), name="grp")
    y = (X[feature] + rng.normal(size=120) > 0).astype(int)
    model = LogisticRegression().fit(X, y)
    return audit.audit_model(
        model,
        X,
        y,
        sensitive_features=groups,
        name=model_name,
        analyzers=["fairness", "weights"],
    )


user_text = st.text(min_size=1, max_size=24).filter(
    lambda t: t.strip() != "" and t not in ("b", "ok", "grp")
)
_BENIGN = _Structure(_named_report("feat_a", "grp_a", "model_a").to_html())


@SLOW
@pytest.mark.filterwarnings("ignore:Glyph:UserWarning")  # matplotlib lacks some glyphs
@given(user_text, user_text, user_text)
def test_any_user_text_stays_text_in_the_html(feature: str, group: str, model_name: str) -> None:
    assume(feature != group)
    html = _named_report(feature, group, model_name).to_html()
    page = _Structure(html)
    # the same elements and attribute names as with plain names (in any order, since
    # rows sort by label): user text added no element and no attribute
    assert Counter(page.events) == Counter(_BENIGN.events)
    # inside the charts, only drawing elements and attributes: nothing that runs
    svg_tags = {tag.lstrip("/") for tag, _ in page.svg_events}
    benign_svg_tags = {tag.lstrip("/") for tag, _ in _BENIGN.svg_events}
    assert svg_tags <= benign_svg_tags | {"text", "tspan", "g", "path", "use"}
    assert not {"script", "foreignobject", "iframe", "a"} & svg_tags
    assert not any(name.startswith("on") for _, names in page.svg_events for name in names)
    text = "".join(page.text)
    for raw in (feature, group, model_name):
        assert raw.strip() in text or raw.strip() in "".join(page.attribute_values)


@st.composite
def audit_inputs(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 40))
    a = draw(st.lists(st.floats(-3, 3, allow_nan=False), min_size=n, max_size=n))
    b = draw(st.lists(st.floats(-3, 3, allow_nan=False), min_size=n, max_size=n))
    y = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    g = draw(st.lists(st.sampled_from(["p", "q", "r"]), min_size=n, max_size=n))
    return {
        "X": pd.DataFrame({"a": a, "b": b, "g": g}),
        "y": np.array(y),
        "n_boot": draw(st.sampled_from([0, 5])),
        "min_count": draw(st.sampled_from([1, 5, 30])),
    }


def _refuse(token: str) -> None:
    raise AssertionError(f"non-standard JSON constant {token!r}")


@SLOW
@given(audit_inputs())
def test_json_record_round_trips_as_strict_json(d: dict[str, Any]) -> None:
    report = audit.audit_model(
        _MODEL,
        d["X"],
        d["y"],
        sensitive_features="g",
        analyzers=["fairness", "weights"],
        n_boot=d["n_boot"],
        policy=audit.Policy(min_count=d["min_count"]),
    )
    text = report.to_json()
    assert json.loads(text, parse_constant=_refuse) == report.to_dict()
    assert json.loads(json.dumps(report.to_dict(), allow_nan=False)) == report.to_dict()
