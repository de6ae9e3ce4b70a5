"""The importance table shows the most important features first, whatever X's column order."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from audit import audit_model


def test_the_top_feature_is_in_the_first_row_even_when_it_is_the_last_column() -> None:
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(600, 60)), columns=[f"f{i:02d}" for i in range(60)])
    y = (3 * X["f59"] + 0.1 * rng.normal(size=600) > 0).astype(int)
    report = audit_model(
        LogisticRegression().fit(X, y),
        X,
        y,
        analyzers=["importance"],
        analyzer_options={"importance": {"shap": False, "n_repeats": 2}},
    )
    html = report.to_html()
    table = html[html.index("Importance by method") :]
    body = table[table.index("<tbody") :]
    first_row = body[: body.index("</tr>")]
    assert ">f59<" in first_row
