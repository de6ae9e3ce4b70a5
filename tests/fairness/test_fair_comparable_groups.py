"""Comparable groups, effective sample size and multiple comparisons (issue 12).

A between-group statistic (difference, ratio, lowest, highest, the named
summaries, findings, gate facts, the report) uses only the groups whose own
denominator has enough evidence, measured as the effective sample size
``(Σw)² / Σw²`` when rows are weighted; with fewer than two it is
"insufficient evidence", never 0, 1 or a value shown as parity. Whether a
disparity is critical is decided by the parity test of its worst pair after a
correction for the number of pairwise comparisons.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, selection_rate, true_positive_rate
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.fairness import group_metrics
from audit.fairness._parity_tests import adjust_pvalues
from audit.gates import assert_fair, check_rules
from audit.policy import Policy

SETTINGS = settings(max_examples=30, deadline=None, database=None)
SELECTION_ONLY = Policy(
    ratio_metrics=("selection_rate",), difference_metrics=("selection_rate",), n_boot=0
)


def _rows(spec: dict[str, tuple[int, float, float]], seed: int = 0) -> tuple[np.ndarray, ...]:
    """Rows per group: (n, share of actual positives, share predicted positive), exact."""
    rng = np.random.default_rng(seed)
    y_true, y_pred, group = [], [], []
    for name, (n, base, sel) in spec.items():
        t = np.zeros(n, dtype=int)
        t[: round(n * base)] = 1
        p = np.zeros(n, dtype=int)
        p[: round(n * sel)] = 1
        y_true.append(rng.permutation(t))
        y_pred.append(p)
        group += [name] * n
    return np.concatenate(y_true), np.concatenate(y_pred), np.array(group, dtype=object)


# --------------------------------------------------------------- comparable groups


def test_a_four_row_group_decides_no_named_summary_and_no_gate() -> None:
    """Issue 12: with a 4-row group, selection_rate.ratio was insufficient while
    demographic_parity.ratio passed at 0.997 and assert_fair passed."""
    y_true, y_pred, group = _rows({"big": (996, 0.4, 0.3), "tiny": (4, 0.5, 0.25)})
    gm = group_metrics(y_true, y_pred, sensitive_features=group)
    facts = gm.facts()
    for path in ("selection_rate.ratio", "demographic_parity.ratio", "equalized_odds.difference"):
        assert facts[path].value is None, path
        assert facts[path].insufficient == ("tiny",), path
    assert math.isnan(gm.demographic_parity_ratio())
    assert math.isnan(gm.equalized_odds_difference())
    results = check_rules(["selection_rate.ratio >= 0.8", "demographic_parity.ratio >= 0.8"], facts)
    assert [r.status for r in results.results] == ["insufficient", "insufficient"]
    with pytest.raises(AssertionError):
        assert_fair(gm, ["demographic_parity.ratio >= 0.8"], policy=Policy(insufficient="fail"))
    # the all-groups figure stays available, explicitly asked for
    everyone = gm.demographic_parity_ratio(exclude_insufficient=False)
    assert everyone == pytest.approx(0.25 / (299 / 996))


def test_fewer_than_two_comparable_groups_is_nan_not_parity() -> None:
    y_true, y_pred, group = _rows({"a": (500, 0.5, 0.5), "b": (10, 0.5, 0.1)})
    gm = group_metrics(y_true, y_pred, sensitive_features=group, n_boot=50, random_state=0)
    assert np.isnan(gm.difference()["selection_rate"])
    assert np.isnan(gm.ratio()["selection_rate"])
    assert np.isnan(gm.group_min()["selection_rate"])
    assert np.isnan(gm.group_max()["selection_rate"])
    assert gm.difference_ci().loc["selection_rate"].isna().all()
    record = gm.to_dict()
    assert record["difference"]["selection_rate"] is None
    assert record["ratio"]["selection_rate"] is None
    assert record["difference_all_groups"]["selection_rate"] == pytest.approx(0.4)


def test_a_group_without_positives_is_not_parity_with_fairlearn_zero_division() -> None:
    """zero_division=0 gives the group a TPR of 0 with no positives behind it: no evidence."""
    y_true, y_pred, group = _rows({"a": (400, 0.5, 0.5), "b": (400, 0.0, 0.5)})
    gm = group_metrics(y_true, y_pred, sensitive_features=group, zero_division=0.0)
    assert gm.by_group.loc["b", "tpr"] == 0.0
    assert gm.verdicts.loc["b", "tpr"] == "insufficient evidence"
    assert np.isnan(gm.equal_opportunity_difference())
    assert gm.facts()["equal_opportunity.difference"].value is None


@st.composite
def three_groups(draw: st.DrawFn) -> dict[str, np.ndarray]:
    """Two groups with enough evidence (min_count=10) and one without."""
    sizes = [draw(st.integers(12, 40)), draw(st.integers(12, 40)), draw(st.integers(1, 8))]
    n = sum(sizes)
    bits = st.lists(st.integers(0, 1), min_size=n, max_size=n)
    group = np.repeat(np.array(["a", "b", "small"], dtype=object), sizes)
    y_true = np.array(draw(bits))
    y_true[:2] = [0, 1]  # both classes occur
    return {
        "y_true": y_true,
        "y_pred": np.array(draw(bits)),
        "small_pred": np.array(
            draw(st.lists(st.integers(0, 1), min_size=sizes[2], max_size=sizes[2]))
        ),
        "group": group,
    }


@SETTINGS
@given(three_groups())
def test_a_statistic_never_takes_a_value_from_an_insufficient_group(d: dict) -> None:
    def facts_with(y_pred: np.ndarray) -> dict:
        gm = group_metrics(d["y_true"], y_pred, sensitive_features=d["group"], min_count=10)
        return {k: (f.value, f.groups) for k, f in gm.facts().items() if k.startswith("selection")}

    other = d["y_pred"].copy()
    other[d["group"] == "small"] = d["small_pred"]
    assert facts_with(d["y_pred"]) == facts_with(other)


@SETTINGS
@given(three_groups())
def test_named_summaries_are_the_worst_of_their_components(d: dict) -> None:
    gm = group_metrics(d["y_true"], d["y_pred"], sensitive_features=d["group"], min_count=10)
    diff, ratio = gm.difference(), gm.ratio()
    np.testing.assert_equal(gm.demographic_parity_difference(), diff["selection_rate"])
    np.testing.assert_equal(gm.demographic_parity_ratio(), ratio["selection_rate"])
    np.testing.assert_equal(gm.equal_opportunity_difference(), diff["tpr"])
    worst = np.nan if diff[["tpr", "fpr"]].isna().any() else diff[["tpr", "fpr"]].max()
    np.testing.assert_equal(gm.equalized_odds_difference(), worst)
    lowest = np.nan if ratio[["tpr", "fpr"]].isna().any() else ratio[["tpr", "fpr"]].min()
    np.testing.assert_equal(gm.equalized_odds_ratio(), lowest)
    facts = gm.facts()
    for name, value in (
        ("equalized_odds.difference", worst),
        ("demographic_parity.ratio", ratio["selection_rate"]),
    ):
        assert (facts[name].value is None) == bool(np.isnan(value))
        if facts[name].value is not None:
            assert facts[name].value == value


def test_comparable_groups_match_fairlearn_on_the_rows_of_those_groups() -> None:
    """fairlearn defines the same quantity once it is given the comparable groups only."""
    rng = np.random.default_rng(3)
    n = 3000
    group = rng.choice(["a", "b", "c", "d"], n, p=[0.5, 0.3, 0.19, 0.01])
    y_true = rng.integers(0, 2, n)
    y_pred = (rng.random(n) < np.where(group == "a", 0.6, 0.4)).astype(int)
    gm = group_metrics(y_true, y_pred, sensitive_features=group, min_count=30)
    for metric, fn, rows in (
        ("selection_rate", selection_rate, np.ones(n, bool)),
        ("tpr", true_positive_rate, y_true == 1),
    ):
        ok = gm.verdicts.index[gm.verdicts[metric] == "ok"]
        assert "d" not in ok
        keep = np.isin(group, ok)
        mf = MetricFrame(
            metrics=fn,
            y_true=y_true[keep],
            y_pred=y_pred[keep],
            sensitive_features=group[keep],
        )
        assert gm.difference()[metric] == pytest.approx(mf.difference(), abs=1e-12)
        assert gm.ratio()[metric] == pytest.approx(mf.ratio(), abs=1e-12)
        del rows


# ------------------------------------------------------------ effective sample size


def test_rows_of_weight_zero_are_no_evidence() -> None:
    """Issue 12: 192 of a group's 193 rows had weight 0; its rate 0.0 was 'ok' and drove
    two critical findings."""
    y_true, y_pred, group = _rows(
        {"a": (500, 0.5, 0.5), "b": (500, 0.5, 0.45), "c": (193, 0.5, 0.5)}
    )
    weights = np.ones(len(group))
    c_rows = np.flatnonzero(group == "c")
    weights[c_rows[:-1]] = 0.0
    y_pred[c_rows[-1]] = 0  # the one weighted row: selection rate 0.0
    gm = group_metrics(y_true, y_pred, sensitive_features=group, sample_weight=weights)
    assert gm.by_group.loc["c", "selection_rate"] == 0.0
    assert gm.denominators.loc["c", "selection_rate"] == pytest.approx(1.0)
    assert gm.verdicts.loc["c", "selection_rate"] == "insufficient evidence"
    critical = [f for f in gm.findings(SELECTION_ONLY) if f.severity == "critical"]
    assert critical == []
    assert gm.facts()["selection_rate.ratio"].value == pytest.approx(0.9)


def test_effective_size_is_kish_and_rows_when_unweighted() -> None:
    y_true, y_pred, group = _rows({"a": (60, 0.5, 0.5), "b": (60, 0.5, 0.5)})
    w = np.where(np.arange(120) % 2 == 0, 1.0, 3.0)
    gm = group_metrics(y_true, y_pred, sensitive_features=group, sample_weight=w)
    wa = w[group == "a"]
    assert gm.denominators.loc["a", "selection_rate"] == pytest.approx(
        wa.sum() ** 2 / (wa**2).sum()
    )
    ta = w[(group == "a") & (y_true == 1)]
    assert gm.denominators.loc["a", "tpr"] == pytest.approx(ta.sum() ** 2 / (ta**2).sum())
    plain = group_metrics(y_true, y_pred, sensitive_features=group)
    assert plain.denominators.loc["a", "tpr"] == (y_true[group == "a"] == 1).sum()


@SETTINGS
@given(
    st.lists(st.one_of(st.just(0.0), st.floats(1e-3, 5.0)), min_size=90, max_size=90),
    st.sampled_from([1e-6, 0.5, 7.0, 1e6]),
)
def test_verdicts_do_not_change_when_every_weight_is_scaled(weights: list, scale: float) -> None:
    y_true, y_pred, group = _rows({"a": (40, 0.5, 0.5), "b": (30, 0.4, 0.3), "c": (20, 0.5, 0.2)})
    w = np.array(weights)
    w[0] = 1.0  # some weight
    a = group_metrics(y_true, y_pred, sensitive_features=group, sample_weight=w, min_count=5)
    b = group_metrics(
        y_true, y_pred, sensitive_features=group, sample_weight=w * scale, min_count=5
    )
    pd.testing.assert_frame_equal(a.verdicts, b.verdicts)
    pd.testing.assert_frame_equal(a.denominators, b.denominators, rtol=1e-9)


# ------------------------------------------------------------ multiple comparisons


def test_holm_and_bonferroni_match_a_hand_computed_table() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.005, np.nan])
    np.testing.assert_allclose(adjust_pvalues(p, "holm")[:4], [0.03, 0.06, 0.06, 0.02])
    np.testing.assert_allclose(adjust_pvalues(p, "bonferroni")[:4], [0.04, 0.16, 0.12, 0.02])
    np.testing.assert_allclose(adjust_pvalues(p, "none")[:4], p[:4])
    assert np.isnan(adjust_pvalues(p, "holm")[4])


def test_pair_test_matches_the_two_proportion_wald_test() -> None:
    """Large groups: the bootstrap standard error is the binomial one."""
    y_true, y_pred, group = _rows({"a": (4000, 0.5, 0.50), "b": (4000, 0.5, 0.47)})
    gm = group_metrics(y_true, y_pred, sensitive_features=group, n_boot=2000, random_state=0)
    row = gm.parity_tests("selection_rate").iloc[0]
    se = math.sqrt(0.5 * 0.5 / 4000 + 0.47 * 0.53 / 4000)
    assert row["std_error"] == pytest.approx(se, rel=0.08)
    expected = math.erfc(0.03 / se / math.sqrt(2))
    assert row["p_value"] == pytest.approx(expected, rel=0.5)
    assert row["p_adjusted"] == row["p_value"]  # one pair: nothing to correct


def test_the_worst_of_many_noisy_groups_is_not_critical_after_correction() -> None:
    """Issue 12: the max-minus-min gap over ~20 groups is the extreme of many estimates."""
    spec = {f"g{i:02d}": (60, 0.5, 0.5) for i in range(18)}
    spec.update({"low": (60, 0.5, 0.38), "high": (60, 0.5, 0.62)})
    y_true, y_pred, group = _rows(spec)
    gm = group_metrics(y_true, y_pred, sensitive_features=group, n_boot=1000, random_state=0)
    tests = gm.parity_tests("selection_rate")
    assert len(tests) == 190
    worst = tests.sort_values("difference").iloc[-1]
    assert {worst["group_a"], worst["group_b"]} == {"low", "high"}
    assert worst["p_value"] < 0.05 <= worst["p_adjusted"]

    def severity(correction: str) -> tuple[str, dict]:
        policy = SELECTION_ONLY.replace(n_boot=1000, multiple_comparisons=correction)
        found = [f for f in gm.findings(policy) if f.code == "disparity_difference"]
        return found[0].severity, found[0].evidence

    assert severity("none")[0] == "critical"
    level, evidence = severity("holm")
    assert level == "warning" and evidence["downgraded"] is True
    assert evidence["n_comparisons"] == 190 and evidence["correction"] == "holm"
    assert evidence["ci"] == list(gm.facts()["selection_rate.difference"].ci)


def test_a_real_disparity_stays_critical_after_correction() -> None:
    spec = {f"g{i}": (400, 0.5, 0.5) for i in range(8)}
    spec["low"] = (400, 0.5, 0.2)
    y_true, y_pred, group = _rows(spec)
    gm = group_metrics(y_true, y_pred, sensitive_features=group, n_boot=500, random_state=0)
    policy = SELECTION_ONLY.replace(n_boot=500)
    found = next(f for f in gm.findings(policy) if f.code == "disparity_ratio")
    assert found.severity == "critical" and found.evidence["n_comparisons"] == 36
    assert found.evidence["p_adjusted"] < 0.05


def test_unknown_correction_is_refused() -> None:
    from audit.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="multiple_comparisons"):
        Policy(multiple_comparisons="fdr")
    y_true, y_pred, group = _rows({"a": (50, 0.5, 0.5), "b": (50, 0.5, 0.4)})
    gm = group_metrics(y_true, y_pred, sensitive_features=group, n_boot=20, random_state=0)
    with pytest.raises(InvalidParameterError, match="correction"):
        gm.parity_tests("selection_rate", correction="fdr")


def test_a_group_of_min_count_equal_weights_never_flips_when_scaled() -> None:
    """30 rows of weight 0.1: (Σw)²/Σw² is 30 ± 1 ulp before snapping; ×3 must not flip it."""
    y_true, y_pred, group = _rows({"a": (30, 0.5, 0.5), "b": (40, 0.5, 0.5)})
    w = np.full(70, 0.1)
    a = group_metrics(y_true, y_pred, sensitive_features=group, sample_weight=w, min_count=30)
    b = group_metrics(y_true, y_pred, sensitive_features=group, sample_weight=3 * w, min_count=30)
    assert a.verdicts.loc["a", "selection_rate"] == "ok"
    pd.testing.assert_frame_equal(a.verdicts, b.verdicts)


def test_the_report_shows_no_lowest_or_highest_without_two_comparable_groups() -> None:
    """Issue 12: the differences table showed 0.000 / 1.000 and lowest/highest of all groups."""
    from sklearn.linear_model import LogisticRegression

    from audit import audit_model
    from audit.datasets import make_biased_classification

    data = make_biased_classification(1000, random_state=1)
    X, y = data.X.drop(columns=[data.sensitive]), data.y
    groups = np.where(np.arange(len(X)) < 12, "small", "big")
    report = audit_model(
        LogisticRegression().fit(X, y),
        X,
        y,
        sensitive_features=groups,
        n_boot=50,
        random_state=0,
        analyzers=["fairness"],
    )
    html = report.to_html()
    table = html[html.index("Differences and ratios between groups") :]
    row = table[
        table.index(">selection_rate<") : table.index("</tr>", table.index(">selection_rate<"))
    ]
    cells = [c[c.index(">") + 1 :] for c in row.split("<td")[1:]]
    shown = [c.split("</td>")[0] for c in cells]
    assert shown[:4] == ["—", "—", "—", "—"], shown
    assert "0.000" not in row and "1.000" not in row
