"""Labels that look like matplotlib mathtext are drawn as the text they are, never parsed.

A group value ``$x^$`` or a feature ``$\\alpha_$`` is not valid mathtext: parsed, it made
``to_html`` fail with a parser dump and no report. Every plot of the report (disparity,
weights, SHAP global and by group) draws them verbatim.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

import audit

GROUP = "$x^$"
FEATURE = "$\\alpha_$"
OTHER_GROUP = "a$b$c"


def test_mathtext_like_labels_render_as_text():
    rng = np.random.default_rng(0)
    n = 800
    X = pd.DataFrame({FEATURE: rng.normal(size=n), "b": rng.normal(size=n)})
    groups = pd.Series(np.where(rng.random(n) < 0.5, GROUP, OTHER_GROUP), name="g$^")
    y = (X[FEATURE] + rng.normal(size=n) > 0).astype(int)
    model = LogisticRegression().fit(X, y)
    report = audit.audit_model(
        model,
        X,
        y,
        sensitive_features=groups,
        analyzers=["fairness", "weights", "attributions"],
        analyzer_options={"attributions": {"max_rows": 200, "progress": False}},
        random_state=0,
        name="$model^$",
    )
    for name in ("fairness", "weights", "attributions"):
        assert report.outputs[name].status == "ran", report.outputs[name].reason
    html = report.to_html()
    svgs = html.split("<svg")[1:]
    assert len(svgs) >= 4  # disparity, weights, SHAP global, SHAP by g$^
    drawn = "".join(svgs)
    # the labels are in the charts as text, verbatim (XML-escaped only where needed)
    assert GROUP in drawn and OTHER_GROUP in drawn
    assert FEATURE in drawn
    assert "$model^$" in html
