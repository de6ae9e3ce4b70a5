"""Additivity: reported for every explainer, and a finding when it exceeds the tolerance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from audit.attributions import ADDITIVITY_CODE, attribution_findings, explain


def test_exact_explainers_are_additive(biased):
    from sklearn.ensemble import HistGradientBoostingClassifier

    X = biased.X.drop(columns=["group"]).iloc[:300]
    model = HistGradientBoostingClassifier(max_iter=10).fit(X, biased.y.iloc[:300])
    result = explain(model, X)
    assert result.additivity_ok
    assert result.additivity_max_error < 1e-8
    assert ADDITIVITY_CODE not in {f.code for f in attribution_findings(result)}
    assert result.to_dict()["additivity"]["passed"] is True


def test_sampled_gradients_fail_a_strict_tolerance(rng):
    X = pd.DataFrame(rng.standard_normal((60, 3)).astype(np.float32), columns=["a", "b", "c"])
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 6), torch.nn.Tanh(), torch.nn.Linear(6, 1))
    result = explain(net, X, explainer="gradient", additivity_tolerance=1e-9)
    error = np.abs(result.base_values + result.values.sum(axis=1) - result.model_output).max()
    assert result.additivity_max_error == error > 1e-9
    (finding,) = [f for f in attribution_findings(result) if f.code == ADDITIVITY_CODE]
    assert finding.severity == "warning"
    assert finding.evidence["max_abs_error"] == error
    assert finding.evidence["tolerance"] == 1e-9
    assert finding.evidence["explainer"] == "gradient"


def test_permutation_on_a_torch_module_is_additive_in_log_odds(rng):
    X = pd.DataFrame(rng.standard_normal((30, 3)).astype(np.float32), columns=["a", "b", "c"])
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    result = explain(net, X, explainer="permutation", max_rows=5, background_size=10)
    assert result.output_space == "log-odds"
    with torch.no_grad():
        logits = net(torch.from_numpy(X.to_numpy(copy=True))).double().numpy()
    expected = (logits[:, 1] - logits[:, 0])[result.row_positions]
    total = result.base_values[:, 0] + result.values[:, :, 0].sum(axis=1)
    np.testing.assert_allclose(total, expected, rtol=1e-5, atol=1e-5)
