"""Wall time of the data checks and the counterfactual flip test on the bundled Adult data.

**data** (``check_data``): every table (representation with a reference and its
chi-square test, base rates, missing values per group, standardized mean
differences and Cramér's V / total variation distance of every feature) for
``sex`` and ``race``.

**flip** (``flip_test`` with the proxies given, so only the flip test is timed):
a scaler + one-hot logistic-regression pipeline that reads ``sex`` and ``race``;
``sex`` moved with ``relationship`` as its proxy. The predictions it makes are
printed beside the time of one ``predict_proba`` on the data, the floor any flip
test pays per prediction of the data: the test makes ``2 × (k − 1)`` of them
per attribute with ``k`` values (here 2 × 1 + 1 × 4 = 6, ``race`` having no proxy).

Run from the repository root::

    .venv/bin/python benchmarks/bench_data_flip.py
    .venv/bin/python benchmarks/bench_data_flip.py --rows 5000 45222 --repeats 5
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from audit.counterfactual import flip_test
from audit.data_checks import check_data
from audit.datasets import load_adult

NUMERIC = ["age", "education_num", "capital_gain", "capital_loss", "hours_per_week"]
CATEGORICAL = ["workclass", "education", "marital_status", "occupation", "relationship"]
CATEGORICAL += ["race", "sex", "native_country"]


def best_of(fn: Callable[[], object], repeats: int) -> float:
    """Smallest wall time of ``fn`` over ``repeats`` runs, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[5000, 45222])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    full = load_adult(drop_missing=True)
    print("| rows | check_data (s) | flip_test (s) | rows predicted | predict_proba (s) | ratio |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in args.rows:
        df = full.sample(n, random_state=0) if n < len(full) else full
        X, y = df[NUMERIC + CATEGORICAL], df["income"]
        pre = make_column_transformer(
            (StandardScaler(), NUMERIC), (OneHotEncoder(handle_unknown="ignore"), CATEGORICAL)
        )
        model = make_pipeline(pre, LogisticRegression(max_iter=1000)).fit(X, y)
        reference = {"sex": {"Female": 0.51, "Male": 0.49}}
        data_s = best_of(
            lambda df=df, ref=reference: check_data(
                df, "income", sensitive_features=["sex", "race"], reference=ref
            ),
            args.repeats,
        )
        result = flip_test(
            model, X, sensitive_features=["sex", "race"], proxies={"sex": ["relationship"]}
        )
        flip_s = best_of(
            lambda model=model, X=X: flip_test(
                model, X, sensitive_features=["sex", "race"], proxies={"sex": ["relationship"]}
            ),
            args.repeats,
        )
        one = best_of(lambda model=model, X=X: model.predict_proba(X), args.repeats)
        floor = one * result.rows_predicted / len(X)
        print(
            f"| {len(X):,} | {data_s:.3f} | {flip_s:.3f} | {result.rows_predicted:,} | "
            f"{one:.3f} | {flip_s / floor:.2f}× |"
        )


if __name__ == "__main__":
    main()
