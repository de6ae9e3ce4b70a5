"""Batched torch attributions equal shap's (and captum's) on the same background.

DeepLIFT-SHAP runs rows × background in a few large passes; on ReLU networks
its values are the values of ``shap.DeepExplainer`` and captum's
``DeepLiftShap`` to 1e-6, for a single logit, a two-logit head (explained as
``z1 - z0``) and a network fed by a preprocessing step. Expected gradients
agree with ``shap.GradientExplainer`` within sampling error; integrated
gradients are complete (sum to ``f(x) - f(baseline)``) to 1e-5.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import shap
import torch
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from audit.adapters import TorchAdapter
from audit.attributions import explain
from audit.attributions._batched import deeplift_shap, expected_gradients, integrated_gradients
from audit.attributions._job import sample_background

TOL = 1e-6


def _mlp(width: int, out: int, seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(width, 16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, out),
    )


def _frame(n: int = 300, p: int = 6, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = rng.standard_normal((n, p)).astype(np.float32)
    return pd.DataFrame(data, columns=[f"f{i}" for i in range(p)])


def _shap_deep(net: torch.nn.Module, rows: np.ndarray, background: np.ndarray) -> np.ndarray:
    """shap.DeepExplainer's values ``(n, p, width)`` on float32 copies of the inputs."""
    explainer = shap.DeepExplainer(net, torch.from_numpy(background.astype(np.float32)))
    values = explainer.shap_values(
        torch.from_numpy(rows.astype(np.float32)), check_additivity=False
    )
    values = np.asarray(values, dtype=float)
    return values[:, :, None] if values.ndim == 2 else values


def test_relu_mlp_equals_shap_on_a_sampled_background():
    X = _frame(n=120)
    net = _mlp(6, 1)
    result = explain(net, X, background_size=50, random_state=3)
    assert result.explainer == "deep" and "DeepLIFT-SHAP" in result.reason
    matrix = X.to_numpy(dtype=float)
    background = sample_background(matrix, 50, 3)
    expected = _shap_deep(net, matrix[result.row_positions], background)
    np.testing.assert_allclose(result.values, expected, rtol=0, atol=TOL)
    assert result.additivity_ok and result.additivity_exact


def test_shap_deep_option_gives_the_same_values():
    X = _frame(n=80)
    net = _mlp(6, 1)
    ours = explain(net, X, background_size=30)
    theirs = explain(net, X, background_size=30, explainer="shap_deep")
    assert theirs.explainer == "shap_deep" and "shap.DeepExplainer" in theirs.reason
    np.testing.assert_allclose(ours.values, theirs.values, rtol=0, atol=TOL)
    np.testing.assert_allclose(ours.base_values, theirs.base_values, rtol=0, atol=TOL)


@pytest.mark.filterwarnings("ignore:Setting forward, backward hooks:UserWarning")
def test_equals_captum_deep_lift_shap():
    captum_attr = pytest.importorskip("captum.attr")
    X = _frame(n=60).to_numpy(copy=True)
    net = _mlp(6, 1).eval()
    background = X[:25]
    ours = deeplift_shap(net, X, background, np.eye(1))
    theirs = captum_attr.DeepLiftShap(net).attribute(
        torch.from_numpy(X), baselines=torch.from_numpy(background)
    )
    np.testing.assert_allclose(ours.values[:, :, 0], theirs.detach().numpy(), atol=TOL)
    assert ours.miss.max() < 1e-5  # summation-to-delta on every row


def test_two_logit_head_equals_shap_log_odds():
    X = _frame(n=80)
    net = _mlp(6, 2)
    result = explain(net, X, background_size=40, random_state=0)
    assert result.output_space == "log-odds"
    matrix = X.to_numpy(dtype=float)
    raw = _shap_deep(net, matrix[result.row_positions], sample_background(matrix, 40, 0))
    np.testing.assert_allclose(
        result.values[:, :, 0], raw[:, :, 1] - raw[:, :, 0], rtol=0, atol=TOL
    )
    assert result.additivity_ok


def test_two_logit_head_for_the_other_class_is_negated():
    X = _frame(n=60)
    net = _mlp(6, 2)
    pos = explain(net, X, background_size=20)
    neg = explain(net, X, background_size=20, pos_label=0)
    np.testing.assert_allclose(neg.values, -pos.values, atol=1e-12)


def test_preprocessing_step_equals_shap_in_the_transformed_space(adult_small):
    X = adult_small[["age", "hours_per_week", "race", "sex"]]
    pre = ColumnTransformer(
        [
            ("num", StandardScaler(), ["age", "hours_per_week"]),
            ("cat", OneHotEncoder(sparse_output=False), ["race", "sex"]),
        ]
    ).fit(X)
    width = pre.transform(X.iloc[:1]).shape[1]
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(width, 12), torch.nn.ReLU(), torch.nn.Linear(12, 1))
    adapter = TorchAdapter(
        net, preprocess=pre.transform, feature_names=list(pre.get_feature_names_out())
    )
    result = explain(adapter, X, sensitive_features=X["sex"], max_rows=150, background_size=60)
    assert result.explainer == "deep"
    matrix = adapter.transform(X).matrix
    expected = _shap_deep(
        net, matrix[result.row_positions], sample_background(matrix, 60, result.random_state)
    )
    assert result.transformed_values is not None
    np.testing.assert_allclose(result.transformed_values, expected, rtol=0, atol=TOL)
    sources = np.asarray(result.transformed_sources)
    summed = result.transformed_values[:, sources == "race", 0].sum(axis=1)
    np.testing.assert_allclose(result.values[:, 2, 0], summed, rtol=1e-12)
    assert result.additivity_ok


def test_multiclass_head_has_one_output_per_class():
    X = _frame(n=40)
    net = _mlp(6, 3)
    result = explain(net, X, background_size=10)
    matrix = X.to_numpy(dtype=float)
    expected = _shap_deep(net, matrix[result.row_positions], sample_background(matrix, 10, 0))
    np.testing.assert_allclose(result.values, expected, rtol=0, atol=TOL)
    assert result.values.shape[2] == 3 and result.additivity_ok


class FunctionalNet(torch.nn.Module):
    """Its activation is a function call, which DeepLIFT's module hooks cannot see."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.a = torch.nn.Linear(6, 16)
        self.b = torch.nn.Linear(16, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b(torch.nn.functional.relu(self.a(x)))


def test_functional_activation_falls_back_to_expected_gradients():
    result = explain(FunctionalNet(), _frame(n=80), background_size=30)
    assert result.explainer == "gradient"
    assert "did not sum to the output" in result.reason
    assert result.additivity.kind == "approximate" and result.additivity_ok


def test_a_reused_activation_module_is_explained_exactly():
    class Reused(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            torch.manual_seed(0)
            self.a, self.b, self.c = (
                torch.nn.Linear(6, 8),
                torch.nn.Linear(8, 8),
                torch.nn.Linear(8, 1),
            )
            self.act = torch.nn.ReLU()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.c(self.act(self.b(self.act(self.a(x)))))

    result = explain(Reused(), _frame(n=60), background_size=25)
    assert result.explainer == "deep" and result.additivity_ok
    assert result.additivity_max_relative_error < 1e-5


def test_expected_gradients_agree_with_shap_within_sampling_error():
    X = _frame(n=20).to_numpy(dtype=float)
    net = _mlp(6, 1).eval()
    background = X[:8]
    ours = expected_gradients(net, X, background, np.eye(1), n_samples=400, random_state=0)[0]
    again = expected_gradients(net, X, background, np.eye(1), n_samples=400, random_state=1)[0]
    explainer = shap.GradientExplainer(net, torch.from_numpy(background.astype(np.float32)))
    theirs = np.asarray(
        explainer.shap_values(torch.from_numpy(X.astype(np.float32)), nsamples=400, rseed=0)
    ).reshape(ours.shape)
    noise = np.abs(ours - again).mean()  # two independent estimates: sampling error alone
    assert np.abs(ours - theirs).mean() < 1.5 * noise
    assert noise < 0.25 * np.abs(ours).mean()
    # both estimate one number: the mean over the background of the integrated
    # gradients from each background row
    exact = np.mean([integrated_gradients(net, X, b, np.eye(1)).values for b in background], axis=0)
    assert np.abs(ours - exact).mean() < 2 * noise
    assert np.abs(theirs - exact).mean() < 2 * noise


def test_expected_gradients_are_seeded():
    X = _frame(n=30)
    net = _mlp(6, 1)
    a = explain(net, X, explainer="gradient", random_state=5)
    b = explain(net, X, explainer="gradient", random_state=5)
    assert a.explainer == "gradient"
    np.testing.assert_array_equal(a.values, b.values)


@pytest.mark.parametrize("out", [1, 2], ids=["one-logit", "two-logit"])
def test_integrated_gradients_are_complete(out):
    X = _frame(n=60)
    net = _mlp(6, out)
    result = explain(net, X, explainer="integrated_gradients", background_size=30)
    assert result.explainer == "integrated_gradients" and result.additivity_exact
    matrix = X.to_numpy(dtype=float)
    baseline = sample_background(matrix, 30, 0).mean(axis=0, keepdims=True)
    with torch.no_grad():
        at = copy.deepcopy(net).double()(torch.from_numpy(np.vstack([baseline, matrix]))).numpy()
    score = at[:, 1] - at[:, 0] if out == 2 else at[:, 0]
    expected = score[1:][result.row_positions] - score[0]
    np.testing.assert_allclose(result.values[:, :, 0].sum(axis=1), expected, rtol=0, atol=1e-5)
    np.testing.assert_allclose(result.base_values[:, 0], score[0], atol=1e-12)
    assert result.additivity_ok and result.additivity_max_relative_error < 1e-5


def test_integrated_gradients_match_captum_with_a_fine_grid():
    captum_attr = pytest.importorskip("captum.attr")
    X = _frame(n=20).to_numpy(dtype=float, copy=True)
    net = _mlp(6, 1).double().eval()
    baseline = X.mean(axis=0)
    ours = integrated_gradients(net, X, baseline, np.eye(1))
    assert ours.converged
    theirs = captum_attr.IntegratedGradients(net).attribute(
        torch.from_numpy(X),
        baselines=torch.from_numpy(np.broadcast_to(baseline, X.shape).copy()),
        n_steps=4000,
        method="riemann_trapezoid",
    )
    np.testing.assert_allclose(ours.values[:, :, 0], theirs.detach().numpy(), atol=2e-3)
