import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from audit.adapters import TorchAdapter, make_adapter  # noqa: E402
from audit.errors import DataValidationError, FeatureMismatchError  # noqa: E402


@pytest.fixture
def frame(rng):
    return pd.DataFrame(rng.normal(size=(40, 3)), columns=["a", "b", "c"])


def _net(out: int) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, out))


def test_binary_logits_through_sigmoid(frame):
    net = _net(1)
    ad = make_adapter(net)
    assert isinstance(ad, TorchAdapter)
    with torch.no_grad():
        logits = net(torch.tensor(frame.to_numpy(), dtype=torch.float32)).numpy()[:, 0]
    p = 1 / (1 + np.exp(-logits.astype(float)))
    np.testing.assert_allclose(ad.predict_proba(frame)[:, 1], p, rtol=1e-6)
    np.testing.assert_array_equal(ad.predict(frame), (p >= 0.5).astype(int))
    assert ad.task == "binary" and ad.classes.tolist() == [0, 1]


def test_multiclass_softmax_and_mode_restored(frame):
    net = _net(3)
    net.train()
    ad = make_adapter(net)
    proba = ad.predict_proba(frame)
    assert ad.task == "multiclass" and proba.shape == (40, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(ad.predict(frame), proba.argmax(axis=1))
    assert net.training, "the adapter must restore the module's training mode"


def test_regression_and_parameters(frame):
    net = _net(1)
    ad = make_adapter(net, task="regression")
    with torch.no_grad():
        raw = net(torch.tensor(frame.to_numpy(), dtype=torch.float32)).numpy()[:, 0]
    np.testing.assert_allclose(ad.predict(frame), raw, rtol=1e-6)
    assert ad.predict_proba(frame) is None
    params = ad.parameters()
    assert list(params) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    np.testing.assert_array_equal(params["0.weight"], net[0].weight.detach().numpy())
    assert ad.n_parameters == sum(p.numel() for p in net.parameters())
    assert ad.hyperparameters()["parameter_shapes"]["0.weight"] == [4, 3]


def test_preprocess_callable(frame):
    net = nn.Sequential(nn.Linear(2, 1))
    ad = make_adapter(
        net, preprocess=lambda X: X[["a", "b"]].to_numpy() * 2, feature_names=["2a", "2b"]
    )
    t = ad.transform(frame)
    np.testing.assert_allclose(t.matrix, frame[["a", "b"]].to_numpy() * 2, rtol=1e-6)
    assert t.feature_names == ["2a", "2b"]


def test_wrong_width_and_non_numeric(frame):
    with pytest.raises(FeatureMismatchError, match="3 columns"):
        make_adapter(nn.Linear(5, 1)).check_features(frame)
    with pytest.raises(DataValidationError, match="not numeric"):
        make_adapter(_net(1)).predict(frame.assign(c="x"))
