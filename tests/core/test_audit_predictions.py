"""``audit.audit_predictions``: the fairness audit of logged predictions, without a model.

The numbers are ``group_metrics``'s on the same rows, whichever engine holds the
table (pandas, a polars LazyFrame, a DuckDB relation, a file), and the findings
and facts are the fairness analyzer's own (``audit_model`` on the model that made
the predictions gives the same ones). The report works without a model and says so.
"""

from __future__ import annotations

import json
import sys

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pytest
from sklearn.linear_model import LogisticRegression

import audit
from audit import audit_model, audit_predictions
from audit.datasets import make_biased_classification
from audit.errors import (
    InvalidParameterError,
    MissingValueError,
    ModelFileError,
    OptionalDependencyError,
    UnknownColumnError,
)
from audit.fairness import group_metrics
from audit.policy import Policy

N_BOOT = 200
POLICY = Policy(n_boot=N_BOOT)
COLUMNS = dict(y_true="label", y_pred="pred", sensitive_features=["sex", "race"])
NO_MODEL = "logged predictions, no model"


def _predictions(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    """Logged decisions with a planted disparity by sex (M selected twice as often)."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["F", "M"], n)
    race = rng.choice(["a", "b", "c"], n)
    label = rng.integers(0, 2, n)
    score = np.clip(np.where(sex == "M", 0.6, 0.3) + rng.normal(0, 0.15, n), 0, 1)
    pred = (score > 0.5).astype(int) | (label & (rng.random(n) < 0.2))
    weight = rng.uniform(0.5, 2.0, n)
    return pd.DataFrame(
        {"label": label, "pred": pred, "score": score, "w": weight, "sex": sex, "race": race}
    )


@pytest.fixture(scope="module")
def preds() -> pd.DataFrame:
    return _predictions()


@pytest.fixture(scope="module")
def parquet(preds, tmp_path_factory):
    path = tmp_path_factory.mktemp("preds") / "decisions.parquet"
    preds.to_parquet(path)
    return path


def _expected(preds: pd.DataFrame, sensitive: list[str], **kw):
    return group_metrics(
        preds["label"],
        preds["pred"],
        sensitive_features=preds[sensitive],
        n_boot=N_BOOT,
        random_state=0,
        **kw,
    )


def _tables(preds, parquet):
    return {
        "pandas": preds,
        "polars lazy": pl.from_pandas(preds).lazy(),
        "duckdb relation": duckdb.from_df(preds),
        "parquet path": parquet,
        "parquet via polars": (parquet, "polars"),
        "parquet via pandas": (parquet, "pandas"),
    }


@pytest.mark.parametrize(
    "kind",
    [
        "pandas",
        "polars lazy",
        "duckdb relation",
        "parquet path",
        "parquet via polars",
        "parquet via pandas",
    ],
)
def test_numbers_equal_group_metrics_on_every_engine(preds, parquet, kind):
    table = _tables(preds, parquet)[kind]
    table, engine = table if isinstance(table, tuple) else (table, None)
    report = audit_predictions(
        table, **COLUMNS, y_score="score", sample_weight="w", policy=POLICY, engine=engine
    )
    expected = _expected(preds, ["sex", "race"], y_score=preds["score"], sample_weight=preds["w"])
    got = report.fairness
    assert got.by_group.index.equals(expected.by_group.index)
    np.testing.assert_allclose(
        got.by_group.to_numpy(float), expected.by_group.to_numpy(float), rtol=1e-9, equal_nan=True
    )
    facts, want = report.facts(), expected.facts()
    for path in (
        "selection_rate.ratio",
        "selection_rate.difference",
        "tpr.ratio",
        "fpr.difference",
    ):
        assert facts[path].value == pytest.approx(want[path].value, rel=1e-9)
        assert facts[path].ci == pytest.approx(want[path].ci, rel=1e-9)
        assert facts[path].groups == want[path].groups
    record = report.to_dict()
    assert record["data"]["n_rows"] == len(preds)
    assert record["data"]["weighted"] is True
    assert record["data"]["sensitive"]["sex"] == {
        k: int(v) for k, v in preds["sex"].value_counts().sort_index().items()
    }


def test_data_hash_is_the_same_on_every_engine(preds, parquet):
    hashes = set()
    for table in _tables(preds, parquet).values():
        table, engine = table if isinstance(table, tuple) else (table, None)
        report = audit_predictions(table, **COLUMNS, policy=Policy(n_boot=0), engine=engine)
        hashes.add(report.data["data_hash"])
    assert len(hashes) == 1
    other = audit_predictions(_predictions(seed=1), **COLUMNS, policy=Policy(n_boot=0))
    assert other.data["data_hash"] not in hashes


def test_findings_and_facts_are_the_fairness_analyzers():
    """audit_model on a model and audit_predictions on its logged outputs agree exactly."""
    data = make_biased_classification(2000, bias=1.0, proxy_strength=0.8, random_state=0)
    X = data.X.drop(columns=["group"])
    model = LogisticRegression().fit(X, data.y)
    sensitive = data.X[["group"]].assign(band=np.where(data.X["x0"] > 0, "hi", "lo"))
    from_model = audit_model(
        model, X, data.y, sensitive_features=sensitive, analyzers=["fairness"], policy=POLICY
    )
    logged = pd.DataFrame(
        {
            "label": data.y.to_numpy(),
            "pred": model.predict(X),
            "score": model.predict_proba(X)[:, 1],
            "group": data.X["group"].to_numpy(),
            "band": sensitive["band"].to_numpy(),
        }
    )
    report = audit_predictions(
        logged,
        y_true="label",
        y_pred="pred",
        y_score="score",
        sensitive_features=["group", "band"],
        policy=POLICY,
    )
    assert [f.to_dict() for f in report.findings] == [f.to_dict() for f in from_model.findings]
    fairness_facts = {k: v for k, v in from_model.facts().items()}
    assert report.facts() == fairness_facts
    assert report.data["performance"] == pytest.approx(from_model.data["performance"])
    marginals = report.outputs["fairness"].extras["marginals"]
    assert set(marginals) == {"group", "band"}
    assert any(f.title.startswith("[group] ") for f in report.findings)


def test_report_works_without_a_model(parquet, tmp_path):
    report = audit_predictions(parquet, **COLUMNS, y_score="score", policy=POLICY)
    assert report.model["name"] == "decisions"  # the file's stem
    assert report.model["class"] == NO_MODEL
    assert report.weights is None and report.importance is None and report.attributions is None
    assert list(report.outputs) == ["fairness"]
    assert report.verdict == "critical"
    html = report.to_html(tmp_path / "r.html")
    assert NO_MODEL in html
    assert 'id="section-fairness"' in html
    for absent in ("section-weights", "section-importance", "section-attributions"):
        assert absent not in html
    record = json.loads(report.to_json(tmp_path / "r.json"))
    assert record["model"]["class"] == NO_MODEL
    assert record["model"]["n_parameters"] is None
    assert record["data"]["predictions"]["file"] == "decisions.parquet"
    assert record["data"]["predictions"]["y_score"] == "score"
    card = report.to_model_card()
    assert NO_MODEL in card and "Model card: decisions" in card
    assert "decisions" in report.to_markdown()
    assert "decisions" in repr(report)
    assert "decisions" in report._repr_html_()
    named = audit_predictions(parquet, **COLUMNS, policy=Policy(n_boot=0), name="credit v3")
    assert named.model["name"] == "credit v3"


def test_json_is_deterministic_for_a_seed(preds):
    a = audit_predictions(preds, **COLUMNS, policy=POLICY, random_state=7).to_json()
    b = audit_predictions(preds, **COLUMNS, policy=POLICY, random_state=7).to_json()
    assert a == b


def test_n_boot_and_policy_settings(preds):
    report = audit_predictions(preds, **COLUMNS, n_boot=0, policy=Policy(min_count=5000))
    assert report.fairness.n_boot == 0 and report.fairness.min_count == 5000
    assert report.policy.n_boot == 0
    default = audit_predictions(preds, y_true="label", y_pred="pred", sensitive_features="sex")
    assert default.fairness.n_boot == Policy().n_boot
    assert default.outputs["fairness"].extras["marginals"] == {}


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"engine": "bogus"}, InvalidParameterError, "engine must be None or one of"),
        ({"n_boot": -1}, InvalidParameterError, "n_boot"),
        ({"policy": {"n_boot": 5}}, InvalidParameterError, "policy must be an audit.Policy"),
        ({"random_state": -3}, InvalidParameterError, "random_state"),
        ({"name": 3}, InvalidParameterError, "name must be None or a str"),
    ],
)
def test_settings_are_checked_before_the_file_is_opened(tmp_path, kwargs, error, message):
    with pytest.raises(error, match=message):
        audit_predictions(tmp_path / "absent.parquet", **COLUMNS, **kwargs)


def test_engine_is_for_files_only(preds):
    with pytest.raises(InvalidParameterError, match="chooses how a file is opened"):
        audit_predictions(preds, **COLUMNS, engine="duckdb")


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"y_true": "labl"}, UnknownColumnError, "Did you mean 'label'"),
        ({"sensitive_features": ["sex", "ethnicity"]}, UnknownColumnError, "ethnicity"),
        ({"sample_weight": "weight"}, UnknownColumnError, "weight"),
    ],
)
def test_unknown_columns(preds, change, error, message):
    with pytest.raises(error, match=message):
        audit_predictions(duckdb.from_df(preds), **{**COLUMNS, **change})


def test_missing_labels_are_refused(preds, tmp_path):
    broken = preds.assign(label=preds["label"].astype(float).where(preds.index % 9 != 0))
    path = tmp_path / "nan.parquet"
    broken.to_parquet(path)
    for table in (path, broken, pl.from_pandas(broken).lazy()):
        with pytest.raises(MissingValueError, match="missing value"):
            audit_predictions(table, **COLUMNS)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("absent.parquet", None, "Data file not found"),
        ("broken.parquet", b"not parquet", "Could not read"),
        ("decisions.xlsx", b"x", "Parquet"),
    ],
)
def test_bad_files(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ModelFileError, match=message):
        audit_predictions(path, **COLUMNS)
    with pytest.raises(ModelFileError):
        audit_predictions(str(tmp_path), **COLUMNS)  # a folder


def test_csv_file(preds, tmp_path):
    path = tmp_path / "decisions.csv"
    preds.to_csv(path, index=False)
    report = audit_predictions(path, **COLUMNS, policy=POLICY)
    expected = _expected(preds, ["sex", "race"])
    np.testing.assert_allclose(
        report.fairness.by_group.to_numpy(float), expected.by_group.to_numpy(float), equal_nan=True
    )


@pytest.mark.parametrize(("engine", "extra"), [("polars", "polars"), ("spark", "spark")])
def test_missing_engine_names_the_extra(parquet, monkeypatch, engine, extra):
    module = "pyspark.sql" if engine == "spark" else engine
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    with pytest.raises(OptionalDependencyError, match=rf"model-audit\[{extra}\]"):
        audit_predictions(parquet, **COLUMNS, engine=engine)


def test_default_engine_falls_back_without_duckdb(parquet, monkeypatch):
    monkeypatch.setitem(sys.modules, "duckdb", None)
    report = audit_predictions(parquet, **COLUMNS, policy=Policy(n_boot=0))
    assert report.data["predictions"]["opened_with"] == "polars"
    monkeypatch.setitem(sys.modules, "polars", None)
    report = audit_predictions(parquet, **COLUMNS, policy=Policy(n_boot=0))
    assert report.data["predictions"]["opened_with"] == "pandas"


def test_exported_lazily():
    from audit._audit_predictions import audit_predictions as defined

    assert audit.audit_predictions is defined
    assert "audit_predictions" in audit.__all__
