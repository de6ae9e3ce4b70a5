"""Per-class rules of multiclass models: ``selection_rate[2].ratio >= 0.8`` parses and gates.

The fairness engine names a multiclass model's one-vs-rest facts
``<metric>[<class>].<statistic>``; the rule grammar accepts those names, the
error for an unknown name suggests one that parses, and ``check_rules``,
``assert_fair``, ``Policy(rules=...)`` and ``model-audit check --fail-on`` all
gate on them.
"""

from __future__ import annotations

import ast
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

import audit
from audit.cli import EXIT_GATE_FAILED, EXIT_OK, EXIT_USAGE, main
from audit.errors import InvalidParameterError, RuleSyntaxError
from audit.fairness import PER_CLASS_METRICS as ENGINE_PER_CLASS_METRICS
from audit.gates import assert_fair, check_rules, markdown_summary, parse_rule
from audit.policy import Policy
from audit.rules import (
    CLASS_PLACEHOLDER,
    FACT_STATISTICS,
    PER_CLASS_METRICS,
    FactPath,
    is_known_fact_name,
    known_fact_names,
    split_fact_path,
    suggest_fact_name,
)

FEATURES = ["x0", "x1", "x2"]
_SUGGESTION = re.compile(r"Did you mean (?P<name>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\?")


def _multiclass_data(labels: tuple, n: int = 1500, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """Three classes; group B is pushed towards the last class (a per-class disparity)."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["A", "B"], size=n)
    X = pd.DataFrame(rng.standard_normal((n, 3)), columns=FEATURES)
    X["proxy"] = (group == "B") + 0.3 * rng.standard_normal(n)
    scores = np.column_stack([X["x0"], X["x1"], X["x2"] + 1.5 * X["proxy"]])
    y = pd.Series(np.asarray(labels)[scores.argmax(axis=1)], name="y")
    X["group"] = group
    return X, y


def _audit(labels: tuple) -> audit.AuditReport:
    X, y = _multiclass_data(labels)
    model = LogisticRegression(max_iter=1000).fit(X[[*FEATURES, "proxy"]], y)
    return audit.audit_model(
        model, X, y, sensitive_features="group", analyzers=["fairness"], n_boot=0
    )


@pytest.fixture(scope="module")
def report() -> audit.AuditReport:
    return _audit((0, 1, 2))


@pytest.fixture(scope="module")
def text_report() -> audit.AuditReport:
    return _audit(("low", "mid risk", "v1.2"))


def _suggestion(message: str) -> str | None:
    match = _SUGGESTION.search(message)
    return None if match is None else ast.literal_eval(match["name"])


# ------------------------------------------------------------------ the grammar


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("selection_rate[2].ratio >= 0.8", FactPath("selection_rate", "2", "ratio")),
        ("tpr[mid risk].difference<=0.1", FactPath("tpr", "mid risk", "difference")),
        ("fpr[v1.2].max < 0.3", FactPath("fpr", "v1.2", "max")),
        ("precision[>50K].min >= 0.5", FactPath("precision", ">50K", "min")),
        ("  f1[ padded ].ratio != 1 ", FactPath("f1", " padded ", "ratio")),
    ],
)
def test_per_class_rules_parse_against_the_known_names(text, parts):
    rule = parse_rule(text, known_fact_names())
    assert rule.parts == parts
    assert rule.path == str(parts)
    assert is_known_fact_name(rule.path, known_fact_names())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("selection_rate[].ratio >= 0.8", "Cannot parse rule"),
        ("selection_rate[a]b].ratio >= 0.8", "Cannot parse rule"),
        ("selection_rate[2]ratio >= 0.8", "Cannot parse rule"),
        ("selection_rate[<class>].ratio >= 0.8", "names no class"),
        ("accuracy[2].ratio >= 0.8", "'accuracy' is not reported per class"),
        ("selection_rat[2].ratio >= 0.8", "Did you mean 'selection_rate[2].ratio'?"),
    ],
)
def test_bad_per_class_rules_say_why(text, message):
    with pytest.raises(RuleSyntaxError) as info:
        parse_rule(text, known_fact_names())
    assert message in str(info.value)
    suggestion = _suggestion(str(info.value))
    if suggestion is not None:
        assert parse_rule(f"{suggestion} >= 0.5", known_fact_names()).path == suggestion


def test_placeholder_is_listed_but_never_suggested():
    known = known_fact_names()
    assert f"selection_rate[{CLASS_PLACEHOLDER}].ratio" in known
    assert not is_known_fact_name(f"selection_rate[{CLASS_PLACEHOLDER}].ratio", {"x.y"})
    assert suggest_fact_name("selecton_rate.ratio", known) == "selection_rate.ratio"
    assert CLASS_PLACEHOLDER not in (suggest_fact_name("tprr.ratio", known) or "")


def test_core_per_class_metrics_equal_the_engines():
    assert PER_CLASS_METRICS == ENGINE_PER_CLASS_METRICS


# ------------------------------------------------------------ end to end: audits


def test_every_fact_of_a_multiclass_audit_is_a_known_name(report, text_report):
    for rep in (report, text_report):
        facts = rep.facts()
        assert "selection_rate[2].ratio" in facts or "selection_rate[v1.2].ratio" in facts
        unknown = [n for n in facts if not is_known_fact_name(n, known_fact_names())]
        assert unknown == []


def test_check_rules_on_per_class_facts(report):
    facts = report.facts()
    result = check_rules(
        ["selection_rate[2].ratio >= 0.8", "tpr[0].difference <= 1", "accuracy.ratio >= 0"],
        facts,
    )
    by_path = {r.rule.path: r for r in result.results}
    ratio = report.fairness.ratio()["selection_rate[2]"]
    assert by_path["selection_rate[2].ratio"].fact.value == pytest.approx(ratio)
    assert ratio < 0.8  # group B is pushed to class 2: the four-fifths rule fails
    assert by_path["selection_rate[2].ratio"].status == "fail"
    assert by_path["tpr[0].difference"].status == "pass"
    assert not result.passed


def test_assert_fair_on_per_class_rules(report):
    with pytest.raises(AssertionError) as info:
        assert_fair(report, ["selection_rate[2].ratio >= 0.8", "tpr[1].difference <= 1"])
    text = str(info.value)
    assert "selection_rate[2].ratio" in text and "FAIL" in text and "vs" in text
    result = assert_fair(report, "selection_rate[2].ratio >= 0.01")
    assert result.passed


def test_string_class_labels_with_spaces_and_dots(text_report):
    facts = text_report.facts()
    assert {"selection_rate[mid risk].ratio", "selection_rate[v1.2].ratio"} <= set(facts)
    result = assert_fair(
        text_report, ["selection_rate[mid risk].ratio >= 0.01", "tpr[v1.2].min >= 0"]
    )
    assert [r.status for r in result.results] == ["pass", "pass"]
    markdown = markdown_summary(result)
    assert "`selection_rate[mid risk].ratio >= 0.01`" in markdown


def test_binary_rule_on_multiclass_suggests_a_rule_that_parses(report):
    with pytest.raises(RuleSyntaxError) as info:
        assert_fair(report, "selection_rate.ratio >= 0.8")
    message = str(info.value)
    assert "'selection_rate' is reported per class here, for class(es) 0, 1, 2" in message
    suggestion = _suggestion(message)
    assert suggestion is not None and suggestion.startswith("selection_rate[")
    result = check_rules([f"{suggestion} >= 0.0"], report.facts())
    assert result.results[0].fact is not None


def test_unknown_class_names_the_classes_and_suggests_one(report):
    with pytest.raises(RuleSyntaxError) as info:
        check_rules(["selection_rate[7].ratio >= 0.8"], report.facts())
    message = str(info.value)
    assert "for class(es) 0, 1, 2" in message
    suggestion = _suggestion(message)
    assert suggestion in report.facts()


def test_policy_rules_accept_per_class_names():
    policy = Policy(rules=("selection_rate[2].ratio >= 0.8",))
    assert policy.rules == ("selection_rate[2].ratio >= 0.8",)
    with pytest.raises(InvalidParameterError, match="not reported per class"):
        Policy(rules=("accuracy[2].ratio >= 0.8",))


# ----------------------------------------------------------------- end to end: CLI


@pytest.fixture(scope="module")
def record(report, tmp_path_factory):
    path = tmp_path_factory.mktemp("multiclass") / "multiclass.json"
    report.to_json(path)
    return path


def test_cli_check_gates_on_per_class_rules(record, capsys):
    assert main(["check", str(record), "--fail-on", "selection_rate[2].ratio >= 0.01"]) == EXIT_OK
    capsys.readouterr()
    code = main(["check", str(record), "--fail-on", "selection_rate[2].ratio >= 0.8"])
    assert code == EXIT_GATE_FAILED
    assert "selection_rate[2].ratio" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("accuracy[2].ratio >= 0.8", "not reported per class"),
        ("selection_rate[<class>].ratio >= 0.8", "names no class"),
    ],
)
def test_cli_refuses_bad_per_class_rules_before_any_work(record, capsys, rule, message):
    assert main(["check", str(record), "--fail-on", rule]) == EXIT_USAGE
    assert message in capsys.readouterr().err


def test_cli_rule_on_a_class_the_record_lacks_is_missing(record, capsys):
    code = main(["check", str(record), "--fail-on", "selection_rate[7].ratio >= 0.8"])
    assert code == EXIT_GATE_FAILED
    assert "MISSING" in capsys.readouterr().out


# ------------------------------------------------------------------- properties

_labels = st.text(min_size=1, max_size=12).filter(lambda s: "]" not in s and s != CLASS_PLACEHOLDER)
_metrics = st.sampled_from(PER_CLASS_METRICS)
_stats = st.sampled_from(FACT_STATISTICS)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(metric=_metrics, label=_labels, stat=_stats)
def test_every_per_class_fact_name_round_trips(metric, label, stat):
    name = f"{metric}[{label}].{stat}"  # as audit.fairness.class_column names it
    assert split_fact_path(name) == FactPath(metric, label, stat)
    assert parse_rule(f"{name} >= 0.5", [name]).path == name


def _typos(metric: str, label: str, stat: str) -> st.SearchStrategy[str]:
    return st.sampled_from(
        [
            f"{metric}[{label}].{stat}",
            f"{metric}s[{label}].{stat}",  # misspelt metric
            f"x{metric[2:]}[{label}].{stat}",  # another misspelling
            f"{metric}[{label}].{stat}x",  # misspelt statistic
            f"{metric}.{stat}",  # the class left out
            f"{metric}[zz].{stat}",  # another class
            f"accuracy[{label}].{stat}",  # a metric that is not per class
        ]
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    labels=st.lists(_labels, min_size=2, max_size=4, unique=True),
    metric=_metrics,
    stat=_stats,
    data=st.data(),
)
def test_every_name_the_error_suggests_parses(labels, metric, stat, data):
    facts = {f"{m}[{c}].{s}" for m in PER_CLASS_METRICS for c in labels for s in FACT_STATISTICS}
    facts |= {"accuracy.ratio", "balanced_accuracy.difference", "findings.total"}
    path = data.draw(_typos(metric, data.draw(st.sampled_from(labels)), stat))
    for known in (facts, known_fact_names()):
        try:
            parse_rule(f"{path} >= 0.5", known)
        except RuleSyntaxError as exc:
            assert "Unknown metric" in str(exc) or "names no class" in str(exc)
            suggestion = suggest_fact_name(path, known)
            if suggestion is None:
                assert "Did you mean" not in str(exc)
                continue
            assert f"Did you mean {suggestion!r}?" in str(exc)
            assert parse_rule(f"{suggestion} >= 0.5", known).path == suggestion
