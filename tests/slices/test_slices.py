"""Worst-slice search (``audit.slices``): found where planted, quiet where not, exact by hand.

* a slice planted with a doubled error rate (``age_band = 60+ and region = north``) is
  found at rank 1 with its size, by the engine and by ``audit_model`` with a real model;
* with no planted slice, Benjamini-Hochberg keeps false findings at the nominal rate
  over 40 seeds; with one, the share of false discoveries stays at the nominal rate;
* every slice's size, metric, rest, test, interval and adjusted p equal a brute-force
  enumeration with pandas masks, scipy's tests, Wilson interval and BH procedure;
  the pruning bound never drops a slice that could be flagged;
* the counts equal the fairness engine's (``group_metrics``) on the same column;
* bad settings and inputs get typed errors, before any work.
"""

from __future__ import annotations

import itertools
import math
import re
import time

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.linear_model import LinearRegression, LogisticRegression

import audit
from audit.errors import (
    DataValidationError,
    InvalidParameterError,
    LengthMismatchError,
    MissingValueError,
    UnknownColumnError,
)
from audit.gates import check_rules
from audit.policy import Policy
from audit.rules import SLICE_FACTS, known_fact_names
from audit.slices import (
    FINDING_CODE,
    OPTIONS,
    TABLE_COLUMNS,
    bh_adjust,
    column_levels,
    find_slices,
)

PLANTED = "age_band = 60+ and region = north"


def _frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age_band": rng.choice(["18-30", "30-45", "45-60", "60+"], n),
            "region": rng.choice(["north", "south", "east", "west"], n),
            "income": np.round(rng.lognormal(10, 1, n), 2),
            "hours": rng.integers(10, 60, n),
            "part_time": rng.random(n) < 0.3,
            "job": rng.choice(list("abcdef"), n),
        }
    )


def _planted_mask(X: pd.DataFrame) -> np.ndarray:
    return ((X["age_band"] == "60+") & (X["region"] == "north")).to_numpy()


def planted_data(seed: int, n: int = 5000, *, planted: bool = True, base: float = 0.15):
    """Rows, labels and predictions whose error rate is doubled on the planted slice."""
    rng = np.random.default_rng(seed)
    X = _frame(rng, n)
    y = rng.integers(0, 2, n)
    rate = np.where(_planted_mask(X) & planted, 2 * base, base)
    wrong = rng.random(n) < rate
    return X, y, np.where(wrong, 1 - y, y)


# ----------------------------------------------------------------------- labels as masks


def _condition_mask(condition: str, X: pd.DataFrame) -> np.ndarray:
    """The rows a condition's text selects, read from the text alone."""
    if condition.endswith(" is missing"):
        return X[condition[: -len(" is missing")]].isna().to_numpy()
    match = re.fullmatch(r"(\w+) in \[(\S+), (\S+)\]", condition)
    if match:
        col = X[match[1]].astype(float)
        return ((col >= float(match[2])) & (col <= float(match[3]))).to_numpy()
    col_name, value = condition.split(" = ", 1)
    col = X[col_name]
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        return (col.astype(float) == float(value)).to_numpy()
    return (col.astype(str) == value).to_numpy()


def slice_mask(label: str, X: pd.DataFrame) -> np.ndarray:
    mask = np.ones(len(X), dtype=bool)
    for condition in label.split(" and "):
        mask &= _condition_mask(condition, X)
    return mask


# ------------------------------------------------------------------------ planted slice


@pytest.mark.parametrize("seed", range(1, 11))
def test_the_planted_slice_is_at_rank_one_with_its_size_for_every_seed(seed):
    X, y, y_pred = planted_data(seed)
    top = find_slices(X, y, y_pred).table.iloc[0]
    assert (top["slice"], top["size"]) == (PLANTED, _planted_mask(X).sum())
    assert top["flagged"]


def test_the_planted_slice_is_the_finding_and_the_facts():
    X, y, y_pred = planted_data(1)
    result = find_slices(X, y, y_pred)
    top = result.table.iloc[0]
    assert top["slice"] == PLANTED
    assert top["size"] == _planted_mask(X).sum()
    assert top["significant"] and top["flagged"]
    assert result.table.index[0] == 1 and result.table.index.name == "rank"
    assert tuple(result.table.columns) == TABLE_COLUMNS
    # the finding and the facts name the same slice and the same numbers
    findings = result.findings()
    assert findings[0].code == FINDING_CODE and findings[0].subject == PLANTED
    facts = result.facts()
    assert set(facts) == set(SLICE_FACTS)
    assert facts["worst_slice.difference"].value == pytest.approx(top["difference"])
    assert facts["worst_slice.ratio"].value == pytest.approx(top["ratio"])
    assert facts["slices.tested"].value == result.n_tested == len(result.table)


def _planted_audit(seed: int = 1, n: int = 5000):
    """A real model whose errors are label noise, doubled on the planted slice."""
    rng = np.random.default_rng(seed)
    X = _frame(rng, n)
    X["signal"] = rng.normal(size=n)
    clean = (X["signal"] > 0).astype(int).to_numpy()
    flip = rng.random(n) < np.where(_planted_mask(X), 0.3, 0.15)
    y = np.where(flip, 1 - clean, clean)
    model = LogisticRegression().fit(X[["signal"]], y)
    return model, X, y


def test_audit_model_finds_the_planted_slice_fast_and_publishes_it_everywhere():
    model, X, y = _planted_audit()
    start = time.perf_counter()
    report = audit.audit_model(
        model, X, y, sensitive_features=["age_band"], analyzers=["slices"], random_state=0
    )
    elapsed = time.perf_counter() - start
    out = report.outputs["slices"]
    assert out.status == "ran"
    assert out.seconds < 1.0, out.seconds  # 5,000 rows, 7 columns, depth 2
    assert elapsed < 5.0
    r = report.slices
    assert r is out.result and r.table["slice"].iat[0] == PLANTED
    assert r.table["size"].iat[0] == _planted_mask(X).sum()
    assert set(r.columns) == set(X.columns)  # every column, not only the sensitive ones
    warnings = [f for f in report.findings if f.code == FINDING_CODE]
    assert warnings and PLANTED in {f.subject for f in warnings}
    facts = report.facts()
    assert {"worst_slice.difference", "worst_slice.ratio", "slices.tested"} <= set(facts)
    assert set(facts) <= known_fact_names()
    assert facts["slices.tested"].value == r.n_tested
    assert facts["worst_slice.difference"].groups == f"{PLANTED} vs rest"
    # the gate reads the same fact
    gate = check_rules(["worst_slice.difference <= 0.1", "slices.tested >= 1"], facts)
    assert [res.status for res in gate.results] == ["fail", "pass"]
    # the JSON record and the HTML report show the same slice and the count tested
    record = report.to_dict()
    slices = record["analyzers"]["slices"]["result"]
    assert slices["n_tested"] == r.n_tested
    assert slices["table"]["data"][0][0] == PLANTED
    assert record["facts"]["worst_slice.ratio"]["value"] == pytest.approx(r.table["ratio"].iat[0])
    html = report.to_html()
    assert "Worst slices" in html and "age_band = 60+ and region = north" in html
    assert f"{r.n_tested:,} slices" in html


def test_options_reach_the_search_and_the_policy_sets_the_threshold():
    model, X, y = _planted_audit()
    report = audit.audit_model(
        model,
        X,
        y,
        analyzers=["slices"],
        analyzer_options={"slices": {"max_depth": 1, "bins": 3, "columns": ["age_band", "hours"]}},
        policy=Policy(slice_difference=0.5),
    )
    r = report.slices
    assert r.max_depth == 1 and r.bins == 3 and r.columns == ("age_band", "hours")
    assert set(r.table["depth"]) == {1} and r.threshold == 0.5
    assert r.table["slice"].str.startswith("hours").sum() <= 3 + 1  # 3 bins (+ a value level)
    assert not [f for f in report.findings if f.code == FINDING_CODE]  # none worse by 0.5


# -------------------------------------------------------------------- false discoveries


def test_without_a_planted_slice_false_findings_stay_at_the_nominal_rate():
    any_flagged = any_significant = 0
    for seed in range(40):
        X, y, y_pred = planted_data(seed, n=3000, planted=False)
        result = find_slices(X, y, y_pred, threshold=0.0)  # every significant slice flagged
        assert result.n_tested > 200
        any_significant += result.n_significant > 0
        any_flagged += find_slices(X, y, y_pred).n_flagged > 0
    # under the global null BH controls the chance of any false finding at alpha = 0.05;
    # 2 of 40 expected, P(Binomial(40, 0.05) >= 7) = 0.003
    assert any_significant <= 6, any_significant
    assert any_flagged <= any_significant


def test_with_a_planted_slice_the_false_discovery_proportion_stays_nominal():
    proportions = []
    for seed in range(40):
        X, y, y_pred = planted_data(seed, n=3000)
        result = find_slices(X, y, y_pred)
        significant = result.table[result.table["significant"]]
        planted = _planted_mask(X)
        # a slice with no planted row has the base error rate, below the rest's: a null
        false = sum(not (slice_mask(s, X) & planted).any() for s in significant["slice"])
        proportions.append(false / max(len(significant), 1))
    assert np.mean(proportions) <= 0.05, np.mean(proportions)


# -------------------------------------------------------------------- brute force by hand


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(3)
    n = 600
    X = pd.DataFrame(
        {
            "a": rng.choice(["x", "y", "z"], n),
            "b": pd.Series(rng.choice(["p", "q", "r", "s", None], n, p=[0.3, 0.3, 0.2, 0.1, 0.1])),
            "c": np.round(rng.normal(50, 10, n), 1),
            "d": rng.integers(0, 3, n),
            "e": rng.random(n) < 0.4,
        }
    )
    y = rng.integers(0, 2, n)
    err = rng.random(n) < np.where((X["a"] == "z") & (X["e"]), 0.45, 0.2)
    return X, y, np.where(err, 1 - y, y)


def _levels_by_hand(X: pd.DataFrame, bins: int) -> dict[str, list[str]]:
    """Every condition of every column; each label is checked to select what its codes do."""
    out = {}
    for col in X.columns:
        lv = column_levels(col, X[col], bins=bins, max_levels=50)
        for k, label in enumerate(lv.labels):
            np.testing.assert_array_equal(_condition_mask(label, X), lv.codes == k, err_msg=label)
        out[col] = list(lv.labels)
    return out


def _brute_force(X, y, y_pred, *, bins, min_support, min_count, depth):
    """Every conjunction, counted with pandas masks, kept by the documented rules."""
    levels = _levels_by_hand(X, bins)
    wrong = pd.Series(y != y_pred)
    rows = {}
    for k in range(1, depth + 1):
        for cols in itertools.combinations(X.columns, k):
            for conds in itertools.product(*(levels[c] for c in cols)):
                label = " and ".join(conds)
                mask = slice_mask(label, X)
                size = int(mask.sum())
                if size < max(min_support, min_count) or len(X) - size < min_count:
                    continue
                parents = [" and ".join(conds[:j] + conds[j + 1 :]) for j in range(k)]
                if k > 1 and any(slice_mask(p, X).sum() == size for p in parents):
                    continue  # the same rows as a parent: the same slice
                rows[label] = {
                    "size": size,
                    "value": wrong[mask].mean(),
                    "rest": wrong[~mask].mean(),
                    "errors": int(wrong[mask].sum()),
                }
    return pd.DataFrame.from_dict(rows, orient="index")


def test_every_slice_equals_a_brute_force_enumeration(small):
    X, y, y_pred = small
    settings = {"bins": 3, "min_support": 20, "min_count": 5}
    result = find_slices(X, y, y_pred, max_depth=3, prune=False, **settings)
    brute = _brute_force(X, y, y_pred, depth=3, **settings)
    ours = result.table.set_index("slice")
    assert sorted(ours.index) == sorted(brute.index)
    assert len(ours) == result.n_tested > 200
    ours = ours.loc[brute.index]
    np.testing.assert_array_equal(ours["size"].to_numpy(), brute["size"].to_numpy())
    np.testing.assert_allclose(ours["value"], brute["value"], rtol=1e-12)
    np.testing.assert_allclose(ours["rest"], brute["rest"], rtol=1e-12)
    np.testing.assert_allclose(ours["difference"], brute["value"] - brute["rest"], atol=1e-12)
    # the two-proportion z-test with the pooled rate, two-sided
    n, n_rest = brute["size"], len(X) - brute["size"]
    pooled = (y != y_pred).mean()
    z = (brute["value"] - brute["rest"]) / np.sqrt(pooled * (1 - pooled) * (1 / n + 1 / n_rest))
    np.testing.assert_allclose(ours["p_value"], 2 * stats.norm.sf(np.abs(z)), rtol=1e-9)
    # Benjamini-Hochberg over every slice tested, as scipy computes it
    np.testing.assert_allclose(
        ours["p_adjusted"], stats.false_discovery_control(ours["p_value"], method="bh"), rtol=1e-12
    )
    # Wilson's interval, as scipy computes it
    for label in brute.index[:25]:
        ci = stats.binomtest(brute.at[label, "errors"], brute.at[label, "size"]).proportion_ci(
            0.95, method="wilson"
        )
        assert ours.at[label, "ci_low"] == pytest.approx(ci.low, abs=1e-12)
        assert ours.at[label, "ci_high"] == pytest.approx(ci.high, abs=1e-12)


def test_pruning_drops_only_slices_that_cannot_be_flagged(small):
    X, y, y_pred = small
    settings = {"bins": 3, "min_support": 20, "min_count": 5, "max_depth": 3}
    full = find_slices(X, y, y_pred, prune=False, **settings).table.set_index("slice")
    pruned = find_slices(X, y, y_pred, threshold=0.12, **settings)
    kept = pruned.table.set_index("slice")
    assert pruned.n_pruned > 0 and len(kept) < len(full)
    assert set(kept.index) <= set(full.index)
    dropped = full.drop(index=kept.index)
    assert (dropped["difference"] <= 0.12).all()  # none could have been flagged
    assert (dropped["depth"] > 1).all()  # single conditions are all tested
    np.testing.assert_allclose(kept["value"], full.loc[kept.index, "value"])


def test_counts_equal_the_fairness_engine(small):
    from audit.fairness import group_metrics

    X, y, y_pred = small
    gm = group_metrics(y, y_pred, sensitive_features=X["a"], n_boot=0, min_count=0)
    for metric, column in (
        ("error_rate", None),
        ("fnr", "fnr"),
        ("fpr", "fpr"),
        ("selection_rate", "selection_rate"),
    ):
        result = find_slices(X[["a"]], y, y_pred, metric=metric, min_support=1, min_count=0)
        ours = result.table.set_index("slice")
        for group in ("x", "y", "z"):
            expected = (
                gm.by_group.at[group, column] if column else 1 - gm.by_group.at[group, "accuracy"]
            )
            assert ours.at[f"a = {group}", "value"] == pytest.approx(expected, rel=1e-12)
        assert ours["size"].sum() == len(X)


def test_integer_weights_give_the_metrics_of_repeated_rows(small):
    X, y, y_pred = small
    X = X.drop(columns="c")  # quantile bins count rows, so repeated rows would move them
    weights = np.random.default_rng(0).integers(1, 4, len(X))
    weighted = find_slices(X, y, y_pred, sample_weight=weights, min_support=20, prune=False)
    repeat = np.repeat(np.arange(len(X)), weights)
    repeated = find_slices(
        X.iloc[repeat].reset_index(drop=True),
        y[repeat],
        y_pred[repeat],
        min_support=20,
        prune=False,
    )
    a = weighted.table.set_index("slice")
    b = repeated.table.set_index("slice").loc[a.index]
    np.testing.assert_allclose(a["value"], b["value"], rtol=1e-12)
    np.testing.assert_allclose(a["rest"], b["rest"], rtol=1e-12)
    # sizes are rows; the metric's evidence is Kish's effective size, not the weight sum
    assert (a["size"] < b["size"]).any()
    w = pd.Series(weights)
    mask = slice_mask(a.index[0], X)
    assert a["metric_n"].iat[0] == pytest.approx(w[mask].sum() ** 2 / (w[mask] ** 2).sum())
    assert weighted.weighted


def test_bh_adjust_matches_scipy_and_keeps_nan():
    p = np.array([0.01, 0.04, np.nan, 0.03, 0.2, 0.001, 0.04])
    ours = bh_adjust(p)
    ok = np.isfinite(p)
    np.testing.assert_allclose(ours[ok], stats.false_discovery_control(p[ok], method="bh"))
    assert np.isnan(ours[2])


def test_numeric_levels_keep_heavy_values_apart_and_name_their_rows():
    values = pd.Series([0] * 70 + list(range(1, 31)) + [np.nan] * 5, name="gain")
    lv = column_levels("gain", values, bins=4, max_levels=20)
    assert lv.labels[0] == "gain = 0" and lv.labels[-1] == "gain is missing"
    X = pd.DataFrame({"gain": values})
    for k, label in enumerate(lv.labels):
        np.testing.assert_array_equal(_condition_mask(label, X), lv.codes == k, err_msg=label)
    assert len(lv.labels) == 1 + 3 + 1  # the heavy value, 3 quantile bins, missing
    cats = pd.Series(list("aaabbbcdefg"), name="k")
    lc = column_levels("k", cats, bins=4, max_levels=2)
    assert lc.labels == ("k = a", "k = b", "k in other (5 values)")
    np.testing.assert_array_equal(lc.codes, [0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2])


# ----------------------------------------------------------------------- other metrics


def test_selection_rate_looks_for_slices_selected_less():
    rng = np.random.default_rng(5)
    X = _frame(rng, 4000)
    selected = rng.random(4000) < np.where(_planted_mask(X), 0.2, 0.5)
    result = find_slices(X, None, selected.astype(int), metric="selection_rate")
    top = result.table.iloc[0]
    assert top["slice"] == PLANTED and top["difference"] < -0.2 and top["flagged"]
    assert result.facts()["worst_slice.ratio"].value < 0.8  # the four-fifths rule reads it


def test_mae_finds_the_noisier_slice_of_a_regression_audit():
    rng = np.random.default_rng(2)
    X = _frame(rng, 4000)
    X["signal"] = rng.normal(size=4000)
    noise = rng.normal(size=4000) * np.where(_planted_mask(X), 2.0, 1.0)
    y = 3 * X["signal"] + noise
    model = LinearRegression().fit(X[["signal"]], y)
    report = audit.audit_model(model, X, y, analyzers=["slices"])
    r = report.slices
    assert r.metric == "mae" and r.table["slice"].iat[0] == PLANTED
    assert r.table["ratio"].iat[0] == pytest.approx(2.0, rel=0.2)
    assert r.table["flagged"].iat[0]


def test_no_planted_slice_gives_a_passing_gate():
    X, y, y_pred = planted_data(11, n=3000, planted=False)
    result = find_slices(X, y, y_pred)
    assert result.worst is None
    facts = result.facts()
    assert facts["worst_slice.difference"].value == 0.0
    assert facts["worst_slice.ratio"].value == 1.0
    assert check_rules(["worst_slice.difference <= 0.1"], facts).passed


def test_too_few_rows_is_insufficient_evidence_not_a_pass():
    X, y, y_pred = planted_data(0, n=40)
    result = find_slices(X, y, y_pred)
    assert result.n_tested == 0 and result.table.empty
    facts = result.facts()
    assert facts["worst_slice.difference"].value is None
    assert facts["worst_slice.difference"].insufficient
    assert facts["slices.tested"].value == 0.0
    assert result.to_dict()["n_tested"] == 0


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"metric": "eror_rate"}, InvalidParameterError, "Did you mean 'error_rate'?"),
        ({"max_depth": 0}, InvalidParameterError, "max_depth must be an int in [1, 4]; got 0"),
        ({"max_depth": 5}, InvalidParameterError, "max_depth must be an int in [1, 4]"),
        ({"max_depth": True}, InvalidParameterError, "got True (bool)"),
        ({"min_support": -3}, InvalidParameterError, "min_support must be None"),
        ({"min_support": 1.5}, InvalidParameterError, "got 1.5"),
        ({"bins": 1}, InvalidParameterError, "bins must be an int in [2, inf); got 1."),
        ({"max_levels": "5"}, InvalidParameterError, "max_levels must be an int"),
        ({"columns": []}, InvalidParameterError, "columns must be None"),
        ({"columns": ["regoin"]}, UnknownColumnError, "Did you mean 'region'?"),
        ({"ci": 1.0}, InvalidParameterError, "ci must be a float in the open interval (0, 1)"),
        ({"alpha": 0}, InvalidParameterError, "alpha must be a number in (0, 1)"),
        ({"threshold": -0.1}, InvalidParameterError, "threshold must be a number in [0, inf)"),
        ({"prune": "yes"}, InvalidParameterError, "prune must be True or False"),
        ({"min_count": -1}, InvalidParameterError, "min_count must be an int >= 0"),
    ],
)
def test_bad_settings_raise_typed_errors(kwargs, error, message):
    X, y, y_pred = planted_data(0, n=200)
    with pytest.raises(error) as info:
        find_slices(X, y, y_pred, **kwargs)
    assert message in str(info.value)


def test_bad_inputs_raise_typed_errors():
    X, y, y_pred = planted_data(0, n=200)
    with pytest.raises(LengthMismatchError, match="199"):
        find_slices(X, y[:-1], y_pred)
    broken = y_pred.astype(float)
    broken[3] = np.nan
    with pytest.raises(MissingValueError, match="y_pred contains 1 missing"):
        find_slices(X, y, broken)
    with pytest.raises(DataValidationError, match="needs y_true"):
        find_slices(X, None, y_pred)
    text = np.where(y == 1, "yes", "no")
    with pytest.raises(DataValidationError, match="binary labels: 0/1"):
        find_slices(X, text, text, metric="fnr")
    assert find_slices(X, text, text, metric="fnr", pos_label="yes", min_support=5).n_tested
    with pytest.raises(DataValidationError, match="sample_weight must be finite and >= 0"):
        find_slices(X, y, y_pred, sample_weight=-np.ones(len(X)))
    with pytest.raises(DataValidationError, match="labels"):
        find_slices(X, y.astype(str), y_pred)
    with pytest.raises(DataValidationError, match="no column to slice by"):
        find_slices(pd.DataFrame({"k": np.ones(len(X))}), y, y_pred)


def test_bad_options_fail_before_the_model_predicts():
    model, X, y = _planted_audit(n=300)
    calls = []
    original = model.predict
    model.predict = lambda Z: calls.append(1) or original(Z)  # a real model, counted
    for options, message in (
        ({"max_depth": 9}, "max_depth must be an int in [1, 4]; got 9"),
        ({"metric": "acc"}, "metric must be 'auto' or one of"),
        ({"depth": 2}, "Unknown slices option(s) 'depth'"),
    ):
        with pytest.raises(InvalidParameterError) as info:
            audit.audit_model(model, X, y, analyzer_options={"slices": options})
        assert message in str(info.value)
    assert calls == []
    with pytest.raises(InvalidParameterError, match="slice_difference"):
        Policy(slice_difference=-0.5)
    assert set(OPTIONS) == set(audit.analyzers.ANALYZERS["slices"].options)


def test_a_metric_that_does_not_fit_the_task_fails_the_analyzer_clearly():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=300), "g": rng.choice(list("ab"), 300)})
    y = X["x"] * 2 + rng.normal(size=300)
    model = LinearRegression().fit(X[["x"]], y)
    report = audit.audit_model(
        model, X, y, analyzers=["slices"], analyzer_options={"slices": {"metric": "fnr"}}
    )
    out = report.outputs["slices"]
    assert out.status == "failed"
    assert "'fnr' does not apply to a regression model; use 'mae'" in out.reason


def test_without_labels_the_analyzer_is_skipped_unless_it_needs_none():
    model, X, _ = _planted_audit(n=600)
    report = audit.audit_model(model, X, analyzers=["slices"])
    assert report.outputs["slices"].status == "skipped"
    assert "No true labels" in report.outputs["slices"].reason
    report = audit.audit_model(
        model, X, analyzers=["slices"], analyzer_options={"slices": {"metric": "selection_rate"}}
    )
    assert report.outputs["slices"].status == "ran"
    assert math.isfinite(report.slices.overall)


def test_the_audit_equals_find_slices_on_the_same_inputs():
    model, X, y = _planted_audit(n=3000)
    weights = np.random.default_rng(4).uniform(0.5, 2.0, len(X))
    policy = Policy(min_count=40, ci=0.9, slice_difference=0.05)
    report = audit.audit_model(
        model, X, y, sample_weight=weights, policy=policy, analyzers=["slices"]
    )
    alone = find_slices(
        X,
        y,
        model.predict(X[["signal"]]),
        sample_weight=weights,
        min_count=40,
        ci=0.9,
        threshold=0.05,
    )
    pd.testing.assert_frame_equal(report.slices.table, alone.table)
    assert report.slices.alpha == pytest.approx(0.1) and report.slices.weighted
    assert report.slices.to_dict() == alone.to_dict()


def test_the_report_section_escapes_labels_and_says_how_many_were_tested():
    model, X, y = _planted_audit(n=3000)
    X["region"] = X["region"].replace({"north": "<b>north</b>"})
    report = audit.audit_model(model, X, y, analyzers=["slices"])
    html = report.to_html()
    assert "<b>north</b>" not in html and "&lt;b&gt;north&lt;/b&gt;" in html
    r = report.slices
    assert f"{r.n_tested:,} slices with at least {r.min_support:,} rows" in html
    assert "Benjamini-Hochberg" in html and f"{r.n_flagged:,} of them" in html
    markdown = report.to_markdown()
    assert "The model is worse on a slice of the data" in markdown


def test_wide_tables_combine_only_the_most_adverse_columns() -> None:
    """At 5,000 columns the pairs grow to 12.5 million: conjunctions keep the columns whose
    worst single condition is furthest from the rest, and the notes say so."""
    from audit.slices._search import MAX_COMBINED_COLUMNS

    X, y, y_pred = planted_data(1)
    rng = np.random.default_rng(0)
    noise = pd.DataFrame(
        rng.integers(0, 3, (len(X), 3 * MAX_COMBINED_COLUMNS)),
        columns=[f"noise_{i}" for i in range(3 * MAX_COMBINED_COLUMNS)],
    )
    wide = pd.concat([X, noise], axis=1)
    result = find_slices(wide, y, y_pred)
    assert result.table.iloc[0]["slice"] == "age_band = 60+ and region = north"
    assert result.table.iloc[0]["size"] == int(_planted_mask(X).sum())
    assert any("searched at depth 1 only" in note for note in result.notes)
    narrow = find_slices(X, y, y_pred)
    assert not any("depth 1 only" in note for note in narrow.notes)
