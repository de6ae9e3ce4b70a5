"""The report says what its numbers were computed on: all rows, a sample, which engine.

An out-of-core audit (``audit.audit_large``) records ``data["data_scope"]``; the
HTML model card shows its summary, rows, sample, engine, a per-group table
(escaped, capped) and notes; the Markdown summary, the model card and the JSON
carry the summary line. A fairness section counted by an engine names it, and
an AUC from score bins (Dask) is said to be binned, not exact.
"""

from __future__ import annotations

import dataclasses
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from markupsafe import escape
from sklearn.linear_model import LogisticRegression

import audit
from audit.report._scope import BINNED_AUC, MAX_SCOPE_GROUPS

BAD = "<b>x</b>"
FEATURES = ["x0", "x1"]
BINNED_SENTENCE = "AUC from 100 score bins (the engine has no ordered window), not exact"


def _esc(text: str) -> str:
    """``text`` as the report's templates write it (Jinja's autoescape)."""
    return str(escape(text))


def _rows(n: int = 6_000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(n, 2)), columns=FEATURES)
    frame["sex"] = np.where(rng.random(n) < 0.4, "f", "m")
    frame["race"] = np.array(["a", BAD])[rng.choice(2, n, p=[0.8, 0.2])]
    frame["label"] = (frame["x0"] + 0.5 * (frame["sex"] == "m") + rng.normal(size=n) > 0).astype(
        np.int64
    )
    return frame


@pytest.fixture(scope="module")
def large_report(tmp_path_factory):
    pytest.importorskip("duckdb")
    rows = _rows()
    path = tmp_path_factory.mktemp("scope") / "rows.parquet"
    rows.to_parquet(path)
    model = LogisticRegression().fit(rows[FEATURES], rows["label"])
    return audit.audit_large(
        model,
        str(path),
        target="label",
        sensitive_features=["sex", "race"],
        analyzers=["fairness", "calibration", "thresholds", "data", "weights"],
        batch_rows=1_000,
        sample_rows=2_000,
        min_per_group=200,
        n_boot=20,
    )


def test_html_shows_the_scope_with_user_strings_escaped(large_report):
    scope = large_report.data["data_scope"]
    page = large_report.to_html()
    assert scope["rows_total"] == 6_000 and scope["rows_sampled"] <= 2_000
    assert _esc(scope["summary"]) in page
    assert "Data scope (out of core)" in page
    assert "Rows per group: all rows and the sample" in page
    assert f"{scope['rows_sampled']:,} (stratified by sex × race" in page
    # the group value is text in the per-group table (and everywhere else), never markup
    assert BAD not in page and _esc(BAD) in page
    table = page[page.index("Rows per group") :]
    table = table[: table.index("</table>")]
    assert _esc(BAD) in table
    for group in scope["sample"]["per_group"]:
        assert f"{group['rows']:,}" in table and f"{group['sampled']:,}" in table
    for note in scope["notes"]:  # the thresholds ran: its note is shown
        assert _esc(note) in page
    assert "DuckDB" in page and "read in batches of up to 1,000 rows" in page


def test_fairness_section_names_the_engine(large_report):
    page = large_report.to_html()
    fairness = page[page.index('id="section-fairness"') :]
    assert "Counts computed by DuckDB on all 6,000 rows" in fairness
    assert BINNED_SENTENCE not in page  # DuckDB's AUC is exact


def test_markdown_json_and_card_carry_the_scope_line(large_report):
    summary = large_report.data["data_scope"]["summary"]
    md = large_report.to_markdown()
    assert "Data scope: " in md and "a stratified sample of" in md
    record = json.loads(large_report.to_json())
    assert record["data"]["data_scope"]["summary"] == summary
    assert record["data"]["data_scope"]["rows_total"] == 6_000
    assert "Data scope:" in large_report.to_model_card()


def test_per_group_table_is_capped(large_report):
    data = dict(large_report.data)
    scope = dict(data["data_scope"])
    sample = dict(scope["sample"])
    n = MAX_SCOPE_GROUPS + 17
    sample["stratified_by"] = ["zip"]
    sample["per_group"] = [
        {"group": f"z{i:03d}", "values": {"zip": f"z{i:03d}"}, "rows": 100 + i, "sampled": 10}
        for i in range(n)
    ]
    scope["sample"] = sample
    data["data_scope"] = scope
    page = dataclasses.replace(large_report, data=data).to_html()
    table = page[page.index("Rows per group") :]
    table = table[: table.index("</section>")]
    assert f"z{MAX_SCOPE_GROUPS - 1:03d}" in table and f"z{MAX_SCOPE_GROUPS:03d}" not in table
    assert "… 17 more rows in the JSON record." in table
    assert f"The first {MAX_SCOPE_GROUPS} of {n:,} groups are shown." in table


def test_in_memory_report_has_no_scope(biased_report):
    page = biased_report.to_html()
    assert "Data scope (out of core)" not in page and "Counts computed by" not in page
    assert BINNED_SENTENCE not in page
    assert "Data scope:" not in biased_report.to_markdown()


@pytest.fixture(scope="module")
def biased_report():
    rows = _rows(2_000, seed=3)
    model = LogisticRegression().fit(rows[FEATURES], rows["label"])
    return audit.audit_model(
        model,
        rows.drop(columns="label"),
        rows["label"],
        sensitive_features=["sex"],
        analyzers=["fairness"],
        n_boot=0,
    )


def test_dask_counts_say_the_auc_is_binned():
    dd = pytest.importorskip("dask.dataframe")
    rng = np.random.default_rng(1)
    n = 4_000
    frame = pd.DataFrame(
        {
            "label": rng.integers(0, 2, n),
            "score": rng.random(n),
            "sex": rng.choice(["f", BAD], n),
        }
    )
    frame["pred"] = (frame["score"] > 0.5).astype(int)
    table = dd.from_pandas(frame, npartitions=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the engine warns that its AUC is binned
        report = audit.audit_predictions(
            table,
            y_true="label",
            y_pred="pred",
            y_score="score",
            sensitive_features=["sex"],
            n_boot=0,
        )
    assert report.fairness.counts.engine == "dask"
    assert report.fairness.counts.auc_method == "binned"
    page = report.to_html()
    fairness = page[page.index('id="section-fairness"') :]
    assert BINNED_SENTENCE in fairness and _esc(BINNED_AUC) in fairness
    assert f"Counts computed by Dask on all {n:,} rows" in fairness
    assert BAD not in page and _esc(BAD) in page
