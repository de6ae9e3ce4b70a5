"""The comparison table's ranks and Spearman correlations equal scipy's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from audit.importance import comparison_table, rank_correlations


def test_ranks_and_spearman():
    features = ["a", "b", "c", "d", "e"]
    permutation = pd.Series([0.30, 0.10, 0.10, 0.02, 0.0], index=features)
    shap = pd.Series([0.9, 0.2, 0.4, 0.05, 0.01], index=features)
    table = comparison_table(
        {"coefficient": None, "permutation": permutation, "shap": shap}, features
    )
    assert "coefficient" not in table
    assert table["rank_permutation"].tolist() == [1, 2, 2, 4, 5]
    assert table["rank_shap"].tolist() == [1, 3, 2, 4, 5]
    rho = rank_correlations(table)
    assert rho.loc["permutation", "shap"] == pytest.approx(spearmanr(permutation, shap).statistic)
    np.testing.assert_allclose(np.diag(rho.to_numpy()), 1.0)
