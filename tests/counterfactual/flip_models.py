"""Data and models of the flip tests: ``sex``, its perfect proxy ``title``, two signals."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

N = 3000


def people(n: int = N, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """``sex`` (40 % female), its perfect proxy ``title``, two signals independent of sex."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["female", "male"], n, p=[0.4, 0.6])
    x0, x1 = rng.standard_normal(n), rng.standard_normal(n)
    logit = 1.5 * x0 + 0.5 * x1 + 1.2 * (sex == "male") - 0.6
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    X = pd.DataFrame({"sex": sex, "title": np.where(sex == "male", "Mr", "Ms"), "x0": x0, "x1": x1})
    return X, pd.Series(y, name="y")


def one_hot_model(X: pd.DataFrame, y: pd.Series, categorical: list[str], numeric: list[str]):
    """One-hot + logistic regression fitted on exactly the columns it reads."""
    pre = ColumnTransformer(
        [
            ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
            ("num", "passthrough", numeric),
        ]
    )
    model = Pipeline([("pre", pre), ("lr", LogisticRegression(max_iter=1000))])
    return model.fit(X[categorical + numeric], y)
