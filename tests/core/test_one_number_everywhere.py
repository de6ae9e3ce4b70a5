"""One number everywhere: a fact has one value in the API, the JSON record, the gates and the HTML.

DESIGN.md, "The core": "A number shown in two places comes from one function: the
HTML, the JSON, the gate and the Python API can never disagree." For the demo's two
scikit-learn models on Adult (trained on a subsample) and a biased synthetic model,
every fact a gate can check must have the same value in

* ``report.facts()``,
* ``report.to_dict()["facts"]`` and ``json.loads(report.to_json())["facts"]`` (the
  record keeps floats unrounded: ``audit/_jsonable.py`` converts, never rounds, and
  ``json.dumps`` writes the shortest repr that reads back to the same float),
* the fact a rule was compared with (``check_rules`` / ``assert_fair`` on the report,
  on ``to_dict()`` and on the parsed JSON),
* the Python API's own number (``GroupMetrics.difference/ratio(exclude_insufficient=True)``,
  ``WeightsResult.concentration`` / ``summary``, ``AuditReport.counts``),

and the HTML must show that value in the disparity table, the named summaries, the
weights' concentration and range, the verdict banner and each finding's evidence —
formatted by the report's single formatter ``fmt`` with the kind of number it is
(rates as percentages, differences of rates in percentage points, ratios, counts;
``audit._numbers``), and reading back as the value to within the precision
shown (half a unit of the last digit printed).

"""

from __future__ import annotations

import json
import math
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from audit import audit_model
from audit._numbers import column_kind, parse_shown
from audit.gates import assert_fair, check_rules, facts_of
from audit.policy import Policy
from audit.report._blocks import fmt
from audit.report._section_fairness import stat_format

N_TRAIN, N_AUDIT, N_BOOT = 6000, 4000, 200
ADULT_CASES = ["adult_logreg", "adult_gbm"]
CASES = [*ADULT_CASES, "synthetic"]
FAIRNESS_STATS = ("difference", "ratio", "min", "max")
SUMMARY_OF = {  # fairlearn's names for the facts of one metric (or two)
    "demographic_parity": ("selection_rate",),
    "equal_opportunity": ("tpr",),
    "equalized_odds": ("tpr", "fpr"),
}

# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    """One BLAS/OpenMP thread: on a busy 2-core machine, OpenMP's spinning threads make
    HistGradientBoosting fits 20x slower; the numbers do not depend on the thread count."""
    import sklearn.ensemble  # noqa: F401  (loads scikit-learn's OpenMP runtime, so it is limited)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def _adult_models() -> tuple[dict[str, Any], pd.DataFrame, pd.Series]:
    """The demo's two scikit-learn models (audit/demo.py), trained on a subsample of Adult."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    from audit.datasets import load_adult
    from audit.demo import DROP, TARGET, _preprocessor

    df = load_adult()
    train = df[df["split"] == "train"].sample(N_TRAIN, random_state=0)
    test = df[df["split"] == "test"].sample(N_AUDIT, random_state=0).reset_index(drop=True)
    features = [c for c in df.columns if c not in DROP]
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(df[c])]
    categorical = [c for c in features if c not in numeric]
    X_train, y_train = train[features], train[TARGET].to_numpy()
    logreg = Pipeline(
        [("pre", _preprocessor(numeric, categorical)), ("model", LogisticRegression(max_iter=2000))]
    ).fit(X_train, y_train)
    gbm = Pipeline(
        [
            ("pre", _preprocessor(numeric, categorical)),
            ("model", HistGradientBoostingClassifier(max_iter=150, random_state=0)),
        ]
    ).fit(X_train, y_train)
    models = {"adult_logreg": logreg, "adult_gbm": gbm}
    return models, test[features], test[TARGET]


def _synthetic() -> tuple[Any, pd.DataFrame, pd.Series]:
    """A logistic regression that sees the group column of biased synthetic data."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    from audit.datasets import make_biased_classification

    data = make_biased_classification(6000, bias=1.0, proxy_strength=0.8, random_state=0)
    X, y = data.X, data.y
    pre = ColumnTransformer([("group", OneHotEncoder(), [data.sensitive])], remainder="passthrough")
    model = Pipeline([("pre", pre), ("model", LogisticRegression(max_iter=1000))])
    model.fit(X.iloc[:4000], y.iloc[:4000])
    return model, X.iloc[4000:].reset_index(drop=True), y.iloc[4000:].reset_index(drop=True)


def _build(name: str, adult: Any) -> SimpleNamespace:
    if name == "synthetic":
        model, X, y = _synthetic()
        sensitive = ["group"]
    else:
        models, X, y = adult()
        model, sensitive = models[name], ["sex", "race"]
    report = audit_model(
        model,
        X,
        y,
        sensitive_features=sensitive,
        n_boot=N_BOOT,
        random_state=0,
        name=name,
        analyzers=["fairness", "weights"],
    )
    for analyzer in ("fairness", "weights"):
        assert report.outputs[analyzer].status == "ran", report.outputs[analyzer].reason
    html = report.to_html()
    return SimpleNamespace(
        name=name,
        report=report,
        facts=report.facts(),
        record=report.to_dict(),
        json_record=json.loads(report.to_json()),
        html=html,
        tables=_parse_tables(html),
    )


@pytest.fixture(scope="module")
def case():
    """``case(name)``: the audited report of one case and its outputs, built once."""
    cache: dict[str, Any] = {}

    def adult() -> Any:
        if "adult" not in cache:
            cache["adult"] = _adult_models()
        return cache["adult"]

    def get(name: str) -> SimpleNamespace:
        if name not in cache:
            cache[name] = _build(name, adult)
        return cache[name]

    return get


# ----------------------------------------------------------------------- HTML parsing


class _Tables(HTMLParser):
    """Every table of the report with where it sits: section id, evidence div id, h3 title."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict[str, Any]] = []
        self.section: str | None = None
        self.div: str | None = None
        self.title: str | None = None
        self._h3: list[str] | None = None
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section":
            self.section, self.title = a.get("id"), None
        elif tag == "div" and a.get("id"):
            self.div, self.title = a["id"], None
        elif tag == "h3":
            self._h3 = []
        elif tag == "table":
            self._rows = []
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "h3" and self._h3 is not None:
            self.title, self._h3 = "".join(self._h3).strip(), None
        elif tag in ("td", "th") and self._cell is not None and self._rows is not None:
            self._rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table" and self._rows is not None:
            self.tables.append(
                {"section": self.section, "div": self.div, "title": self.title, "rows": self._rows}
            )
            self._rows, self.title = None, None
        elif tag == "figure":
            self.title = None
        elif tag == "section":
            self.section = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._h3 is not None:
            self._h3.append(data)


def _parse_tables(html: str) -> list[dict[str, Any]]:
    parser = _Tables()
    parser.feed(html)
    parser.close()
    return parser.tables


def _table(
    c: SimpleNamespace,
    *,
    section: str | None = None,
    title: str | None = None,
    div: str | None = None,
) -> list[list[str]]:
    found = [
        t["rows"]
        for t in c.tables
        if (section is None or t["section"] == section)
        and (title is None or t["title"] == title)
        and (div is None or t["div"] == div)
    ]
    assert len(found) == 1, f"{len(found)} tables for section={section} title={title} div={div}"
    return found[0]


def _kv(rows: list[list[str]]) -> dict[str, str]:
    assert all(len(r) == 2 for r in rows), rows
    return {k: v for k, v in rows}


def _half_unit(shown: str) -> float:
    """Half a unit of the last digit ``shown`` prints, in the value's own units."""
    digits = shown.strip().lstrip("<>").replace(",", "").removesuffix(" pp").removesuffix("%")
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    unit = 10.0**-decimals
    if shown.endswith(("%", " pp")):
        unit /= 100
    return unit / 2


def _shown_matches(
    shown: str, value: float | None, kind: str = "number", against: Any = None
) -> None:
    """The number shown is the value formatted by fmt (with its kind), and reads back as
    the value to within the precision shown."""
    assert shown == fmt(value, kind, against=against), (shown, value, kind)
    if value is not None:
        number = parse_shown(shown)
        tolerance = _half_unit(shown) * (1 + 1e-9) + 1e-15
        assert abs(number - value) <= tolerance, (shown, value)


def _with_ci(
    value: float | None,
    ci: tuple[float, float] | None,
    kind: str = "number",
    against: Any = None,
) -> str:
    text = fmt(value, kind, against=against)
    if value is not None and ci is not None:
        text += f" [{fmt(ci[0], kind)}, {fmt(ci[1], kind)}]"
    return text


# --------------------------------------------------------------------------- helpers


def _same(a: float | None, b: float | None) -> bool:
    """Exactly the same number (or both missing)."""
    if a is None or b is None:
        return a is None and b is None
    return type(a) is float and type(b) is float and a == b


def _api_value(x: Any) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _gm_facts(c: SimpleNamespace) -> dict[str, Any]:
    return {p: f for p, f in c.facts.items() if p.split(".")[0] in c.report.fairness.metrics}


def _main_findings(c: SimpleNamespace, code_prefix: str = "disparity") -> list[tuple[int, Any]]:
    """(1-based position, finding) of the intersectional table's disparity findings."""
    return [
        (i, f)
        for i, f in enumerate(c.report.findings, start=1)
        if f.analyzer == "fairness"
        and f.code.startswith(code_prefix)
        and f.subject == f.evidence.get("metric")  # marginals' subjects read "sex: tpr"
    ]


# ------------------------------------------------------------- API, JSON and gates agree


@pytest.mark.parametrize("name", CASES)
def test_the_record_and_the_json_hold_the_same_facts(case, name):
    c = case(name)
    paths = set(c.facts)
    wanted = {"selection_rate.ratio", "tpr.difference", "weights.top_share", "findings.critical"}
    assert wanted <= paths
    assert set(c.record["facts"]) == paths
    assert set(c.json_record["facts"]) == paths
    assert c.record == c.json_record  # strict JSON, nothing lost on the way
    for path, f in c.facts.items():
        for record in (c.record, c.json_record):
            entry = record["facts"][path]
            assert _same(entry["value"], f.value), (path, entry["value"], f.value)
            assert entry["groups"] == f.groups, path
            assert entry["insufficient"] == list(f.insufficient), path
            assert (entry["ci"] is None) == (f.ci is None), path
            if f.ci is not None:
                assert entry["ci"][0] == f.ci[0] and entry["ci"][1] == f.ci[1], path


@pytest.mark.parametrize("name", CASES)
def test_every_gate_compares_the_fact_value(case, name):
    c = case(name)
    rules = [f"{path} > -1e300" for path in sorted(c.facts)]
    subjects = {
        "report": c.report,
        "facts_of(report)": facts_of(c.report),
        "to_dict": c.record,
        "parsed JSON": c.json_record,
    }
    for label, subject in subjects.items():
        result = check_rules(rules, facts_of(subject))
        assert len(result.results) == len(rules)
        for rule_result in result.results:
            path = rule_result.rule.path
            expected = c.facts[path]
            got = rule_result.fact
            assert got is not None, (label, path)
            assert _same(got.value, expected.value), (label, path, got.value, expected.value)
            assert got.groups == expected.groups and got.insufficient == expected.insufficient
            if expected.value is None:
                assert rule_result.status in ("insufficient", "missing"), (label, path)
            else:
                assert rule_result.status in ("pass", "insufficient"), (label, path)
    # assert_fair (what a test suite calls) compares the same numbers
    present = [r for r in rules if c.facts[r.split(" ")[0]].value is not None]
    for subject in (c.report, c.json_record):
        result = assert_fair(
            subject, present, policy=Policy(insufficient="pass"), name="every fact > -1e300"
        )
        for rule_result in result.results:
            assert _same(rule_result.fact.value, c.facts[rule_result.rule.path].value)


@pytest.mark.parametrize("name", CASES)
def test_fairness_facts_are_the_python_api_numbers(case, name):
    c = case(name)
    gm = c.report.fairness
    assert gm.n_boot == N_BOOT
    difference = gm.difference(exclude_insufficient=True)
    ratio = gm.ratio(exclude_insufficient=True)
    difference_ci = gm.difference_ci(exclude_insufficient=True)
    ratio_ci = gm.ratio_ci(exclude_insufficient=True)
    labels = np.asarray(gm.group_labels(), dtype=object)
    n_checked = 0
    for metric in gm.metrics:
        for stat, api, api_ci in (
            ("difference", difference, difference_ci),
            ("ratio", ratio, ratio_ci),
        ):
            f = c.facts[f"{metric}.{stat}"]
            assert _same(f.value, _api_value(api[metric])), (metric, stat, f.value, api[metric])
            if f.value is not None:
                n_checked += 1
                low, high = api_ci.loc[metric, "ci_low"], api_ci.loc[metric, "ci_high"]
                if f.ci is None:
                    assert not (np.isfinite(low) and np.isfinite(high)), (metric, stat)
                else:
                    assert f.ci == (float(low), float(high)), (metric, stat)
        # min / max: over the groups with enough evidence for this metric
        values = gm.by_group[metric].to_numpy(dtype=float)
        ok = gm.sufficient[metric].to_numpy() & np.isfinite(values)
        for stat, pick in (("min", np.argmin), ("max", np.argmax)):
            f = c.facts[f"{metric}.{stat}"]
            if ok.sum() < 2:
                assert f.value is None, (metric, stat)
                continue
            i = np.flatnonzero(ok)[pick(values[ok])]
            assert f.value == float(values[i]), (metric, stat)
            assert float(values[i]) == (np.min if stat == "min" else np.max)(values[ok])
            if f.groups != labels[i]:  # ties: another group with the same value
                assert float(values[list(labels).index(f.groups)]) == f.value
        assert c.facts[f"{metric}.difference"].value in (
            None,
            c.facts[f"{metric}.max"].value - c.facts[f"{metric}.min"].value,
        )
    assert n_checked >= 20


@pytest.mark.parametrize("name", CASES)
def test_weights_facts_are_the_python_api_numbers(case, name):
    c = case(name)
    w = c.report.weights
    conc, summary = w.concentration, w.summary
    expected = {
        "weights.top_share": conc["top_share"],
        "weights.top_k_share": conc["top_k_share"],
        "weights.gini": conc["gini"],
        "weights.hhi": conc["hhi"],
        "weights.effective_n": conc["effective_n"],
        "weights.min": summary["min"],
        "weights.max": summary["max"],
        "weights.mean": summary["mean"],
        "weights.std": summary["std"],
    }
    for path, api in expected.items():
        assert _same(c.facts[path].value, _api_value(api)), (path, c.facts[path].value, api)
    top = c.facts["weights.top_share"]
    assert top.groups == conc["top_feature"]
    # the per-column table leads with the same feature and share
    assert w.by_source["source"].iloc[0] == conc["top_feature"]
    assert float(w.by_source["share"].iloc[0]) == top.value
    # and the analyzer's own part of the record holds the same numbers
    recorded = c.json_record["analyzers"]["weights"]["result"]
    assert recorded["concentration"]["top_share"] == top.value
    for key in ("min", "max", "mean", "std"):
        assert recorded["summary"][key] == c.facts[f"weights.{key}"].value


@pytest.mark.parametrize("name", CASES)
def test_findings_facts_are_the_counts_everywhere(case, name):
    c = case(name)
    counts = c.report.counts
    for key in ("critical", "warning", "info", "insufficient_evidence"):
        assert c.facts[f"findings.{key}"].value == float(counts[key])
        assert c.json_record["counts"][key] == counts[key]
    assert c.facts["findings.total"].value == float(len(c.report.findings))
    assert len(c.json_record["findings"]) == len(c.report.findings)
    # the verdict banner of the HTML and the Markdown summary
    for key, word in (("critical", "critical"), ("warning", "warning"), ("info", "info")):
        n = int(c.facts[f"findings.{key}"].value)
        assert f'<span class="c-{key}">{n} {word}</span>' in c.html
    md = c.report.to_markdown()
    assert (
        f"{counts['critical']} critical · {counts['warning']} warning · {counts['info']} info · "
        f"{counts['insufficient_evidence']} insufficient evidence" in md
    )


@pytest.mark.parametrize("name", CASES)
def test_findings_name_the_fact_value_and_pair(case, name):
    c = case(name)
    found = _main_findings(c)
    assert found, "expected disparity findings on these models"
    for _, f in found:
        kind = "ratio" if f.code == "disparity_ratio" else "difference"
        metric = f.evidence["metric"]
        fact = c.facts[f"{metric}.{kind}"]
        assert f.evidence[kind] == fact.value, (metric, kind)
        assert " vs ".join(f.evidence["groups"]) == fact.groups, (metric, kind)
        assert f.evidence["values"] == [
            c.facts[f"{metric}.min"].value,
            c.facts[f"{metric}.max"].value,
        ]
        assert f"{fact.value:.2f}" in f.title


# ---------------------------------------------------------------------- the HTML agrees


@pytest.mark.parametrize("name", CASES)
def test_html_disparity_table_shows_the_facts(case, name):
    c = case(name)
    rows = _table(c, section="section-fairness", title="Differences and ratios between groups")
    header, body = rows[0], rows[1:]
    assert header == ["metric", "difference", "ratio", "lowest", "highest", "flag"]
    shown = {r[0]: r for r in body}
    metrics = [m for m in c.report.fairness.metrics if f"{m}.difference" in c.facts]
    assert list(shown) == metrics
    policy = c.report.policy
    for metric in metrics:
        _, diff_text, ratio_text, low_text, high_text, _ = shown[metric]
        for stat, text in (("difference", diff_text), ("ratio", ratio_text)):
            f = c.facts[f"{metric}.{stat}"]
            kind, against = stat_format(metric, stat, policy)
            _shown_matches(text.split(" [")[0], f.value, kind, against)
            assert text == _with_ci(f.value, f.ci, kind, against), (metric, stat, text)
        for stat, text in (("min", low_text), ("max", high_text)):
            f = c.facts[f"{metric}.{stat}"]
            kind = column_kind(metric)
            _shown_matches(text.split(" (")[0], f.value, kind)
            if f.groups:
                assert text == f"{fmt(f.value, kind)} ({f.groups})", (metric, stat, text)


@pytest.mark.parametrize("name", CASES)
def test_html_group_table_shows_by_group(case, name):
    c = case(name)
    gm = c.report.fairness
    title = "Intersectional groups" if len(gm.sensitive_names) > 1 else "Metrics by group"
    rows = _table(c, section="section-fairness", title=title)
    header = rows[0]
    n_index = len(gm.sensitive_names)
    columns = header[n_index:]
    for i, row in enumerate(rows[1:]):
        for col, text in zip(columns, row[n_index:], strict=True):
            value = gm.by_group[col].iat[i]
            number = text.split(" [")[0].removesuffix(" †")
            assert number == fmt(value, column_kind(col)), (gm.group_labels()[i], col, text)
            if col not in ("count", "share") and np.isfinite(value):
                _shown_matches(number, float(value), column_kind(col))


@pytest.mark.parametrize("name", CASES)
def test_html_named_summaries_show_the_facts(case, name):
    c = case(name)
    shown = _kv(_table(c, section="section-fairness", title="Named summaries (fairlearn's names)"))
    paths = [p for p in c.facts if p.split(".")[0] in SUMMARY_OF]
    assert len(paths) == 6
    for path in paths:
        key = path.replace("_", " ").replace(".", " ")
        f = c.facts[path]
        summary, stat = path.split(".")
        kind, _ = stat_format(SUMMARY_OF[summary][0], stat, c.report.policy)
        assert kind == ("ratio" if stat == "ratio" else "pp")  # rates: differences in pp
        assert shown[key] == _with_ci(f.value, f.ci, kind), (path, shown[key])
        if f.value is not None:
            _shown_matches(shown[key].split(" [")[0], f.value, kind)


@pytest.mark.parametrize("name", CASES)
def test_html_weights_show_the_facts(case, name):
    c = case(name)
    concentration = _kv(_table(c, section="section-weights", title="Concentration"))
    for key, kind in (
        ("top_share", "rate"),
        ("top_k_share", "rate"),
        ("gini", "score"),
        ("hhi", "score"),
        ("effective_n", "number"),
    ):
        assert column_kind(key) == kind
        shown = concentration[key.replace("_", " ")]
        _shown_matches(shown, c.facts[f"weights.{key}"].value, kind)
    assert concentration["top feature"] == c.facts["weights.top_share"].groups
    summary = _kv(_table(c, section="section-weights", title="Weight range"))
    for key in ("min", "max", "mean", "std"):
        _shown_matches(summary[key], c.facts[f"weights.{key}"].value)


@pytest.mark.parametrize("name", CASES)
def test_html_finding_evidence_shows_the_facts(case, name):
    c = case(name)
    for position, f in _main_findings(c):
        kind = "ratio" if f.code == "disparity_ratio" else "difference"
        metric = f.evidence["metric"]
        shown = _kv(_table(c, div=f"evidence-{position}"))
        assert shown["metric"] == metric
        stat_kind, _ = stat_format(metric, kind, c.report.policy)
        thresholds = (f.evidence["warning_threshold"], f.evidence["critical_threshold"])
        _shown_matches(shown[kind], c.facts[f"{metric}.{kind}"].value, stat_kind, thresholds)
        assert shown["groups"] == c.facts[f"{metric}.{kind}"].groups.replace(" vs ", ", ")
        low, high = c.facts[f"{metric}.min"].value, c.facts[f"{metric}.max"].value
        value_kind = column_kind(metric)
        assert shown["values"] == f"{fmt(low, value_kind)}, {fmt(high, value_kind)}"
        # the flagged value never prints equal to the threshold it crossed
        assert shown[kind] != fmt(f.evidence["threshold"], stat_kind), (shown[kind], metric)


# ------------------------------------------------------ discrepancies found in audit/


@pytest.mark.parametrize("name", CASES)
def test_named_summaries_are_their_metrics_facts(case, name):
    """demographic_parity is selection_rate, equal_opportunity is tpr, equalized_odds the worse
    of tpr and fpr: between the same groups with enough evidence (DESIGN.md, comparable groups)."""
    c = case(name)
    for summary, metrics in SUMMARY_OF.items():
        diffs = [c.facts[f"{m}.difference"] for m in metrics]
        ratios = [c.facts[f"{m}.ratio"] for m in metrics]
        assert c.facts[f"{summary}.difference"].value == max(f.value for f in diffs), summary
        assert c.facts[f"{summary}.ratio"].value == min(f.value for f in ratios), summary
        # a gate on the summary names the groups and the left-out groups, as on the metric
        worst = max(diffs, key=lambda f: f.value)
        assert c.facts[f"{summary}.difference"].insufficient == worst.insufficient, summary


@pytest.mark.parametrize("name", CASES)
def test_record_result_difference_and_ratio_are_the_facts(case, name):
    c = case(name)
    result = c.json_record["analyzers"]["fairness"]["result"]
    for metric in c.report.fairness.metrics:
        for stat in ("difference", "ratio"):
            f = c.facts[f"{metric}.{stat}"]
            if f.value is None:
                continue
            assert result[stat][metric] == f.value, (metric, stat, result[stat][metric], f.value)
            interval = result[f"{stat}_ci"][metric]
            if f.ci is not None:
                assert (interval["ci_low"], interval["ci_high"]) == f.ci, (metric, stat)


@pytest.mark.parametrize("name", CASES)
def test_finding_interval_is_the_fact_interval(case, name):
    """The HTML shows one interval per number: the disparity table's (the fact's) and the
    evidence's must agree."""
    c = case(name)
    found = _main_findings(c)
    assert found
    for position, f in found:
        kind = "ratio" if f.code == "disparity_ratio" else "difference"
        fact = c.facts[f"{f.evidence['metric']}.{kind}"]
        assert fact.ci is not None and f.evidence["ci"] is not None
        assert tuple(f.evidence["ci"]) == fact.ci, (f.evidence["metric"], kind)
        shown = _kv(_table(c, div=f"evidence-{position}"))
        stat_kind, _ = stat_format(f.evidence["metric"], kind, c.report.policy)
        assert shown["ci"] == f"{fmt(fact.ci[0], stat_kind)}, {fmt(fact.ci[1], stat_kind)}"


@pytest.fixture(scope="module")
def one_group_report():
    """Only one group has enough evidence: a 1,980-row group and a 20-row group."""
    from sklearn.linear_model import LogisticRegression

    from audit.datasets import make_biased_classification

    data = make_biased_classification(2000, random_state=1)
    X, y = data.X.drop(columns=[data.sensitive]), data.y
    model = LogisticRegression().fit(X, y)
    groups = np.where(np.arange(len(X)) < 20, "small", "big")
    return audit_model(
        model, X, y, sensitive_features=groups, n_boot=50, random_state=0, analyzers=["fairness"]
    )


def test_one_group_with_evidence_publishes_no_fact(one_group_report):
    facts = one_group_report.facts()
    for metric in ("selection_rate", "tpr", "fpr"):
        for stat in FAIRNESS_STATS:
            f = facts[f"{metric}.{stat}"]
            assert f.value is None and f.insufficient == ("small",), (metric, stat)
    result = check_rules(["selection_rate.ratio >= 0.8"], facts).results[0]
    assert result.status == "insufficient"


def test_one_group_with_evidence_has_no_api_value(one_group_report):
    gm = one_group_report.fairness
    assert np.isnan(gm.difference(exclude_insufficient=True)["selection_rate"])
    assert np.isnan(gm.ratio(exclude_insufficient=True)["selection_rate"])


def test_one_group_with_evidence_named_summary_is_not_judged(one_group_report):
    facts = one_group_report.facts()
    result = check_rules(
        ["selection_rate.ratio >= 0.8", "demographic_parity.ratio >= 0.8"], facts
    ).results
    assert [r.status for r in result] == ["insufficient", "insufficient"]
