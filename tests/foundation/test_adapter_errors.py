import pytest
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from audit.adapters import make_adapter
from audit.errors import FeatureMismatchError, NotFittedModelError, UnsupportedModelError


def test_unfitted_estimator():
    with pytest.raises(NotFittedModelError, match="not fitted") as info:
        make_adapter(LogisticRegression())
    assert isinstance(info.value, ValueError) and isinstance(info.value, AttributeError)


def test_unfitted_pipeline():
    with pytest.raises(NotFittedModelError, match="Pipeline"):
        make_adapter(make_pipeline(StandardScaler(), LogisticRegression()))


@pytest.mark.parametrize("obj", [object(), "model.pkl", 42, {"coef": [1, 2]}])
def test_not_a_model(obj):
    with pytest.raises(UnsupportedModelError, match="Unsupported model of type") as info:
        make_adapter(obj)
    assert isinstance(info.value, TypeError)


def test_unsupervised_estimator(rng):
    km = KMeans(n_clusters=2, n_init=1, random_state=0).fit(rng.normal(size=(20, 2)))
    with pytest.raises(UnsupportedModelError, match="classifiers and regressors"):
        make_adapter(km)


def test_model_trained_on_other_columns(biased):
    model = LogisticRegression().fit(biased.X[["x0", "x1"]], biased.y)
    with pytest.raises(FeatureMismatchError, match=r"lacks 1 column.*'x1'"):
        make_adapter(model).check_features(biased.X[["x0", "x2"]])


def test_model_without_names_wrong_width(rng):
    model = LogisticRegression().fit(rng.normal(size=(20, 3)), [0, 1] * 10)
    import pandas as pd

    with pytest.raises(FeatureMismatchError, match="trained on 3 features"):
        make_adapter(model).check_features(pd.DataFrame(rng.normal(size=(5, 4))))
