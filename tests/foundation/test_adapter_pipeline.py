import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from audit.adapters import make_adapter


def test_column_transformer_features_map_back_to_source(adult_pipeline):
    model, X, _ = adult_pipeline
    ad = make_adapter(model)
    assert ad.is_pipeline and ad.task == "binary"
    t = ad.transform(X)
    pre = model.named_steps["pre"]
    np.testing.assert_allclose(t.matrix, pre.transform(X))
    assert t.feature_names == list(pre.get_feature_names_out())
    lookup = dict(zip(t.feature_names, t.sources, strict=True))
    assert lookup["num__age"] == "age"
    assert lookup["cat__sex_Male"] == "sex"
    assert lookup["cat__sex_Female"] == "sex"
    assert {s for n, s in lookup.items() if n.startswith("cat__race_")} == {"race"}
    assert set(t.sources) == set(X.columns)
    assert ad.hyperparameters()["pipeline_steps"] == [
        "pre: ColumnTransformer",
        "clf: LogisticRegression",
    ]


def test_nested_pipeline_passthrough_and_prefix_overlap(rng):
    # "age" is a prefix of "age_group": the longest source must win.
    import pandas as pd

    X = pd.DataFrame(
        {
            "age": rng.integers(18, 80, 200).astype(float),
            "age_group": rng.choice(["young", "old"], 200),
            "color": rng.choice(["red", "blue", None], 200),
            "raw": rng.normal(size=200),
        }
    )
    y = (X["age"] > 40).astype(int)
    cat = Pipeline(
        [
            ("imp", SimpleImputer(strategy="most_frequent")),
            ("oh", OneHotEncoder(sparse_output=False)),
        ]
    )
    pre = ColumnTransformer(
        [("num", StandardScaler(), ["age"]), ("cat", cat, ["age_group", "color"])],
        remainder="passthrough",
        verbose_feature_names_out=False,
    )
    model = Pipeline([("pre", pre), ("clf", LogisticRegression())]).fit(X, y)
    t = make_adapter(model).transform(X)
    lookup = dict(zip(t.feature_names, t.sources, strict=True))
    assert lookup == {
        "age": "age",
        "age_group_old": "age_group",
        "age_group_young": "age_group",
        "color_blue": "color",
        "color_red": "color",
        "raw": "raw",
    }
