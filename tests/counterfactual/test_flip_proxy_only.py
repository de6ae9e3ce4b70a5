"""A model that reads only a perfect proxy of ``sex`` flips in the proxy variant only.

The proxy (``title``: Mr / Ms) is found by the proxy analysis, asked of the
context (``audit.proxies.context_proxies``), not read from the proxies analyzer.
Reference: ``title`` swapped by hand with pandas and the model's own predictions.
"""

from __future__ import annotations

import pandas as pd
import pytest

from audit.counterfactual import FLIP_PROXY_CODE, PROXY_FILLS, flip_test


@pytest.fixture(scope="module")
def result(proxy_only, data):
    X, y = data
    return flip_test(proxy_only, X, sensitive_features="sex", y=y)


def test_only_the_proxy_variant_applies_and_flips(result):
    row = result.attributes.set_index("attribute").loc["sex"]
    assert row["model_input"] is None
    assert row["proxies"] == "title"
    assert (row["direct"], row["proxy"]) == ("not applicable", "applicable")
    assert set(result.directions["variant"]) == {"proxy"}
    assert (result.directions["flip_rate"] > 0.05).all()
    facts = result.facts()
    assert facts["flip_rate.max"].value is None
    assert "not a model input" in facts["flip_rate.max"].groups
    assert facts["flip_rate_proxy.max"].value == pytest.approx(result.directions["flip_rate"].max())
    (finding,) = result.findings()
    assert finding.code == FLIP_PROXY_CODE
    assert "the proxies of 'sex' (title) are moved" in finding.message
    assert "'sex' is not a model input" in finding.message
    assert result.proxy_source.startswith("detected by the proxy analysis")


def test_proxy_flips_equal_pandas_by_hand(result, proxy_only, data):
    X, _ = data
    swapped = X.assign(title=X["title"].map({"Mr": "Ms", "Ms": "Mr"}))
    flipped = pd.Series(proxy_only.predict(X) != proxy_only.predict(swapped), index=X.index)
    by_hand = flipped.groupby(X["sex"]).agg(["size", "sum", "mean"])
    table = result.directions.set_index("from_group")
    for group in ("female", "male"):
        assert int(table.loc[group, "n"]) == by_hand.loc[group, "size"]
        assert int(table.loc[group, "flipped"]) == by_hand.loc[group, "sum"]
        assert table.loc[group, "flip_rate"] == pytest.approx(by_hand.loc[group, "mean"])


@pytest.mark.parametrize("fill", PROXY_FILLS)
def test_a_perfect_proxy_moves_the_same_way_whatever_the_fill(result, proxy_only, data, fill):
    X, y = data
    other = flip_test(proxy_only, X, sensitive_features="sex", y=y, proxy_fill=fill)
    pd.testing.assert_frame_equal(other.directions, result.directions)
    assert other.proxy_fill == fill


def test_given_proxies_replace_detection(result, proxy_only, data):
    X, _ = data
    given = flip_test(proxy_only, X, sensitive_features="sex", proxies={"sex": ["title"]})
    pd.testing.assert_frame_equal(given.directions, result.directions)
    assert given.proxy_source == "given (proxies=...)"
    none = flip_test(proxy_only, X, sensitive_features="sex", proxies={"sex": []})
    assert not none.applicable("proxy") and none.directions.empty
