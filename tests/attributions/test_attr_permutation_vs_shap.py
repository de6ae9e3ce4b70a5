"""The permutation explainer equals shap's PermutationExplainer with the same masker and seed."""

from __future__ import annotations

import numpy as np
import shap
from sklearn.neighbors import KNeighborsClassifier

from audit.attributions import explain
from audit.attributions._job import sample_background
from audit.attributions._permutation import PERMUTATIONS


def test_permutation_matches_shap(biased):
    X = biased.X.drop(columns=["group"]).iloc[:300]
    matrix = X.to_numpy(dtype=float)
    model = KNeighborsClassifier(n_neighbors=15).fit(matrix, biased.y.iloc[:300])
    result = explain(model, X, max_rows=12, background_size=20, random_state=3)
    assert result.explainer == "permutation"
    background = sample_background(matrix, 20, 3)
    reference = shap.PermutationExplainer(
        lambda m: model.predict_proba(m)[:, 1],
        shap.maskers.Independent(background, max_samples=20),
        seed=3,
    )
    expected = reference(
        matrix[result.row_positions], max_evals=PERMUTATIONS * (2 * X.shape[1] + 1), silent=True
    )
    np.testing.assert_allclose(result.values[:, :, 0], expected.values, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(result.base_values[:, 0], expected.base_values, rtol=1e-6)


def test_permutation_leaves_global_numpy_state_alone(biased):
    X = biased.X.drop(columns=["group"]).iloc[:100]
    model = KNeighborsClassifier().fit(X, biased.y.iloc[:100])
    # shap seeds numpy's legacy global generator; ours must restore it.
    np.random.seed(123)  # noqa: NPY002
    before = np.random.random()  # noqa: NPY002
    np.random.seed(123)  # noqa: NPY002
    explain(model, X, max_rows=3, background_size=5)
    assert np.random.random() == before  # noqa: NPY002
