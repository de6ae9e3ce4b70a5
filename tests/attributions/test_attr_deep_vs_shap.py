"""torch modules: DeepExplainer attributions equal shap's own on the same background."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shap
import torch

from audit.attributions import explain


def _net(out: int) -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, out))


def test_deep_matches_shap_single_logit(rng):
    X = pd.DataFrame(rng.standard_normal((40, 4)).astype(np.float32), columns=list("abcd"))
    net = _net(1)
    result = explain(net, X, background_size=40)
    assert result.explainer == "deep"
    assert result.output_space == "log-odds"
    tensor = torch.from_numpy(X.to_numpy(copy=True))
    expected = shap.DeepExplainer(net, tensor).shap_values(tensor, check_additivity=False)
    np.testing.assert_allclose(result.values, np.asarray(expected), rtol=1e-6, atol=1e-6)
    assert result.additivity_ok


def test_two_logit_binary_head_is_explained_as_log_odds(rng):
    X = pd.DataFrame(rng.standard_normal((40, 4)).astype(np.float32), columns=list("abcd"))
    net = _net(2)
    result = explain(net, X, background_size=40)
    tensor = torch.from_numpy(X.to_numpy(copy=True))
    raw = np.asarray(shap.DeepExplainer(net, tensor).shap_values(tensor, check_additivity=False))
    np.testing.assert_allclose(
        result.values[:, :, 0], raw[:, :, 1] - raw[:, :, 0], rtol=1e-6, atol=1e-6
    )
    with torch.no_grad():
        logits = net(tensor).double().numpy()
    np.testing.assert_allclose(
        result.model_output[:, 0], logits[:, 1] - logits[:, 0], rtol=1e-6, atol=1e-6
    )
