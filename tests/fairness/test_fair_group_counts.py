"""group_counts: the one pass, its table, and metrics computed from the table alone."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from audit.errors import DataValidationError
from audit.fairness import CELLS, group_counts, group_metrics, metrics_from_counts


def test_binary_table_columns_and_values() -> None:
    y = np.array([1, 0, 1, 1, 0, 0])
    p = np.array([1, 0, 0, 1, 1, 0])
    w = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    counts = group_counts(y, p, sensitive_features=["a", "a", "a", "b", "b", "b"], sample_weight=w)
    t = counts.table
    cells = [f"{kind}_{c}" for kind in ("n", "w", "w2") for c in CELLS]
    assert list(t.columns) == ["n", "w", *cells]
    assert t.loc["a", ["n_tn", "n_fp", "n_fn", "n_tp"]].tolist() == [1, 0, 1, 1]
    assert t.loc["a", ["w_tn", "w_fn", "w_tp"]].tolist() == [2.0, 3.0, 1.0]
    assert t.loc["b", "w2_tn"] == 36.0
    assert counts.task == "binary" and counts.weighted and counts.n_rows == 6
    assert counts.sensitive_names == ("sensitive_feature_0",)


def test_metrics_from_the_table_alone_equal_group_metrics() -> None:
    rng = np.random.default_rng(0)
    n = 1000
    frame = pd.DataFrame({"sex": rng.choice(["F", "M"], n), "race": rng.choice(list("abc"), n)})
    y, p, s = rng.integers(0, 2, n), rng.integers(0, 2, n), rng.random(n)
    direct = group_metrics(y, p, sensitive_features=frame, y_score=s, n_boot=50, random_state=3)
    counts = group_counts(y, p, sensitive_features=frame, y_score=s)
    # e.g. counts computed by a database: only the tables travel
    rebuilt = type(counts)(
        task=counts.task,
        table=counts.table.copy(),
        classes=counts.classes,
        weighted=counts.weighted,
        score_cells=counts.score_cells.copy(),
        overall_auc_u=counts.overall_auc_u,
    )
    again = metrics_from_counts(rebuilt, n_boot=50, random_state=3)
    pd.testing.assert_frame_equal(direct.by_group, again.by_group)
    pd.testing.assert_frame_equal(direct.ci_high, again.ci_high)


def test_regression_and_multiclass_tables() -> None:
    reg = group_counts([1.5, 2.0, 3.0], [1.0, 2.5, 3.0], sensitive_features=["a", "a", "b"])
    assert reg.task == "regression"
    assert reg.table.loc["a", "sum_abs_err"] == 1.0
    assert reg.table.loc["a", "ss_y"] == pytest.approx(0.125)
    multi = group_counts([0, 1, 2, 2], [0, 2, 2, 1], sensitive_features=["a", "a", "b", "b"])
    assert multi.task == "multiclass" and multi.classes == (0, 1, 2)
    assert multi.table.loc["a", "n_1_2"] == 1 and multi.table.loc["b", "n_2_1"] == 1


def test_many_intersections_and_unsortable_levels() -> None:
    rng = np.random.default_rng(1)
    n = 5000
    sf = {"a": rng.integers(0, 10, n), "b": rng.integers(0, 10, n), "c": rng.integers(0, 10, n)}
    counts = group_counts(rng.integers(0, 2, n), rng.integers(0, 2, n), sensitive_features=sf)
    expected = pd.DataFrame(sf).value_counts().sort_index()
    assert list(counts.groups) == list(expected.index)
    np.testing.assert_array_equal(counts.table["n"].to_numpy(), expected.to_numpy())
    # labels of several types (1 and "x") are refused, as in audit_model (issue 12): they
    # usually mean a column read with the wrong types, and cannot be ordered
    with pytest.raises(DataValidationError, match="mixes values of the types int, str"):
        group_counts([0, 1, 1], [0, 1, 0], sensitive_features=[1, "x", 1])


def test_import_is_light() -> None:
    code = (
        "import sys, audit.fairness; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'fairlearn', 'shap', 'torch', 'matplotlib'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
