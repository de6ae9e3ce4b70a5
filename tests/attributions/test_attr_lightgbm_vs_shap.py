"""LightGBM models go to shap's TreeExplainer and match it."""

import numpy as np
import pytest

lightgbm = pytest.importorskip("lightgbm")
shap = pytest.importorskip("shap")

from audit.attributions import explain  # noqa: E402
from audit.datasets import make_biased_classification  # noqa: E402


def test_lightgbm_attributions_equal_shaps_own():
    data = make_biased_classification(1500, random_state=0)
    X = data.X.drop(columns="group")
    model = lightgbm.LGBMClassifier(n_estimators=30, verbose=-1, random_state=0).fit(X, data.y)
    result = explain(model, X, sensitive_features=data.X["group"], max_rows=300, progress=False)
    assert result.explainer == "tree"
    rows = X.iloc[list(result.row_positions)]
    reference = shap.TreeExplainer(model).shap_values(rows)
    reference = reference[1] if isinstance(reference, list) else reference
    if reference.ndim == 3:
        reference = reference[:, :, -1]
    np.testing.assert_allclose(result.values[:, :, 0], reference, atol=1e-6)
    assert result.additivity_ok
