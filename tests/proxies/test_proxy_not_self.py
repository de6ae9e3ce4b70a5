"""A sensitive column the model uses is never reported as its own proxy."""

from __future__ import annotations

from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from audit.proxies import detect_proxies


def test_sensitive_input_is_not_its_own_proxy(biased):
    encode = ColumnTransformer(
        [("g", OneHotEncoder(sparse_output=False), ["group"])], remainder="passthrough"
    )
    model = Pipeline([("encode", encode), ("lr", LogisticRegression())]).fit(biased.X, biased.y)
    result = detect_proxies(model, biased.X, ["group"], y=biased.y)
    assert result.sensitive_in_model == ("group",)
    assert "group" not in set(result.table["feature"])
    # With the attribute itself available, the model barely needs the proxy.
    proxy = result.table.set_index("feature").loc["proxy"]
    assert proxy["association"] >= 0.3
    assert proxy["reliance_rank"] > 5 and not proxy["is_proxy"]
