import numpy as np
import pytest
from helpers import BACKENDS, to_backend
from sklearn.linear_model import LogisticRegression

from audit.context import build_context


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_backend_gives_the_same_predictions(backend, biased):
    cols = ["proxy", "x0", "x1"]
    model = LogisticRegression().fit(biased.X[cols].to_numpy(), biased.y)
    X = to_backend(biased.X[cols], backend)
    ctx = build_context(
        model, X, biased.y.to_numpy(), sensitive_features=biased.X["group"].to_numpy()
    )
    np.testing.assert_array_equal(ctx.y_pred, model.predict(biased.X[cols].to_numpy()))
    assert ctx.X.shape == (2000, 3)
