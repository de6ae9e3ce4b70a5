import numpy as np
import pandas as pd
from html_probe import Probe
from sklearn.linear_model import LogisticRegression

import audit

EVIL_FEATURE = "<script>alert(1)</script>"
EVIL_GROUP = '<img src=x onerror="alert(2)">'
EVIL_NAME = "</title><script>alert(3)</script>"


def test_user_strings_stay_text():
    rng = np.random.default_rng(0)
    n = 600
    X = pd.DataFrame({EVIL_FEATURE: rng.normal(size=n), "b": rng.normal(size=n)})
    groups = pd.Series(np.where(rng.random(n) < 0.5, EVIL_GROUP, "ok"), name="g<b>")
    y = (X[EVIL_FEATURE] + rng.normal(size=n) > 0).astype(int)
    model = LogisticRegression().fit(X, y)
    report = audit.audit_model(model, X, y, sensitive_features=groups, name=EVIL_NAME)
    html = report.to_html()
    for raw in (EVIL_FEATURE, EVIL_GROUP, EVIL_NAME, "g<b>"):
        assert raw not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html.lower()
    probe = Probe(html)
    assert "img" not in probe.tags and "script" not in probe.tags
    assert not probe.event_handlers
    md = report.to_markdown()
    assert EVIL_FEATURE not in md and EVIL_NAME not in md
    assert "<script" not in report._repr_html_().lower()
    assert "<script" not in audit.compare([report]).to_html().lower()
