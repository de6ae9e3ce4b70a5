"""Labels, groups and model outputs: never merged, reinterpreted or used silently.

Rows of the bad-input matrix in ``tests/README.md`` (ids ``LO``: model outputs,
``LB``: labels, ``GR``: groups). Every case uses a real scikit-learn model or a
real ``torch.nn.Module``; the error is typed and says what was received and what
is allowed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hard_support import N_ROWS, Small, raises_typed
from sklearn.linear_model import LogisticRegression

import audit
from audit import _inputs as core
from audit._tabular import read_table, read_text_columns
from audit.cli import EXIT_OK, EXIT_USAGE, main
from audit.context import build_context
from audit.errors import DataValidationError, MissingValueError, ModelOutputError
from audit.fairness import group_metrics

ANALYZERS = ["fairness", "weights", "importance", "attributions", "proxies"]


def _no_analyzer_runs(fn: Any) -> Any:
    """Call ``audit_model``-like ``fn(progress=...)`` and check no analyzer started."""
    steps: list[str] = []
    try:
        return fn(progress=steps.append)
    finally:
        assert steps == [], f"analyzers ran before the error: {steps}"


# ------------------------------------------------------------------ model outputs (LO)
def _overflowed_model(s: Small) -> LogisticRegression:
    """A fitted LogisticRegression whose weight for ``b`` overflowed to +inf.

    Its decision is +-inf (finite probabilities 0 / 1) except where ``b == 0``:
    there ``inf * 0`` is NaN, so ``predict_proba`` returns NaN on those rows and
    ``predict`` silently says class 0.
    """
    model = LogisticRegression().fit(s.X[["a", "b"]], s.y)
    model.coef_ = model.coef_.copy()
    model.coef_[0, 1] = np.inf
    return model


def _with_zero_b(s: Small, rows: list[int]) -> pd.DataFrame:
    X = s.X.copy()
    X.loc[rows, "b"] = 0.0
    X.index = [f"id{i}" for i in range(len(X))]
    return X


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_LO01_sklearn_nan_probabilities_are_refused_before_any_analyzer(small: Small) -> None:
    model = _overflowed_model(small)
    X = _with_zero_b(small, [3, 7, 11])
    y = small.y.set_axis(X.index)
    assert np.isnan(model.predict_proba(X[["a", "b"]])[[3, 7, 11]]).all()  # the premise
    assert (model.predict(X[["a", "b"]])[[3, 7, 11]] == 0).all()  # NaN became class 0

    exc = raises_typed(
        lambda: _no_analyzer_runs(
            lambda progress: audit.audit_model(
                model, X, y, sensitive_features=["sex"], analyzers=ANALYZERS, progress=progress
            )
        ),
        ModelOutputError,
        ValueError,
        "The model LogisticRegression returned NaN or infinite probabilities for 3 of 200 row(s)",
        "row position(s) 3, 7, 11 (index label(s) 'id3', 'id7', 'id11')",
        "Model outputs must be finite numbers",
    )
    assert isinstance(exc, DataValidationError)
    assert "y_score" not in str(exc)  # the user never gave one
    with pytest.raises(ModelOutputError):
        build_context(model, X, y, sensitive_features=["sex"])


def test_LO02_torch_module_with_nan_outputs(small: Small) -> None:
    torch = pytest.importorskip("torch")
    from torch import nn

    class LogFeatureNet(nn.Module):
        """A network with a log-scaled first input: NaN wherever that input is negative."""

        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(2, 1)

        def forward(self, x: Any) -> Any:
            return self.linear(torch.cat([torch.log(x[:, :1]), x[:, 1:]], dim=1))

    torch.manual_seed(0)
    net = LogFeatureNet()
    X = small.X[["a", "b"]]
    negative = np.flatnonzero(X["a"].to_numpy() < 0)
    first = ", ".join(str(r) for r in negative[:5])
    raises_typed(
        lambda: _no_analyzer_runs(
            lambda progress: audit.audit_model(
                net, X, small.y, sensitive_features=small.X["sex"], progress=progress
            )
        ),
        ModelOutputError,
        ValueError,
        f"The model LogFeatureNet returned NaN or infinite probabilities for {negative.size} "
        f"of {N_ROWS} row(s), at row position(s) {first}, ...",
    )
    # a regression network: the predictions themselves are NaN
    raises_typed(
        lambda: audit.audit_model(net, X, X["b"], task="regression"),
        ModelOutputError,
        ValueError,
        f"returned NaN or infinite predictions for {negative.size} of {N_ROWS} row(s)",
    )


def test_LO03_probabilities_outside_0_1_are_refused(small: Small) -> None:
    torch = pytest.importorskip("torch")
    from torch import nn

    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 1))  # returns logits ...
    raises_typed(  # ... declared as probabilities
        lambda: audit.audit_model(
            net, small.X[["a", "b"]], small.y, output="probabilities", analyzers=["weights"]
        ),
        ModelOutputError,
        ValueError,
        "returned probabilities outside [0, 1] for",
        "if the model returns logits or scores, say so (a torch module: output='logits')",
    )


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        pytest.param(
            {"y_pred": np.array([0.0, 1.0, np.nan, 1.0, 0.0, 1.0])},
            MissingValueError,
            "y_pred contains 1 missing value(s) (NaN/None) at row position(s) 2.",
            id="LO04-nan-in-y-pred",
        ),
        pytest.param(
            {"y_pred": np.array([0.0, 1.0, 0.0, np.inf, 0.0, 1.0])},
            MissingValueError,
            "y_pred must be finite; got 1 infinite value(s) at row position(s) 3.",
            id="LO05-inf-in-y-pred",
        ),
        pytest.param(
            {"y_score": np.array([0.1, np.nan, 0.3, 0.9, np.nan, 0.2])},
            MissingValueError,
            "y_score contains 2 missing value(s) (NaN/None) at row position(s) 1, 4.",
            id="LO06-nan-in-y-score",
        ),
        pytest.param(
            {"y_score": np.array([0.1, 0.7, 0.3, 0.9, np.inf, 0.2])},
            DataValidationError,
            "y_score must hold probabilities in [0, 1]; got 1 value(s) outside that range at "
            "row position(s) 4 (min 0.1, max inf)",
            id="LO07-inf-in-y-score",
        ),
    ],
)
def test_group_metrics_nan_or_inf_in_given_outputs(
    changes: dict[str, Any], error: type[Exception], message: str
) -> None:
    kwargs: dict[str, Any] = {
        "y_true": np.array([0, 1, 0, 1, 0, 1]),
        "y_pred": np.array([0, 1, 1, 1, 0, 0]),
        "sensitive_features": ["a", "a", "a", "b", "b", "b"],
    }
    kwargs.update(changes)
    raises_typed(lambda: group_metrics(**kwargs), error, ValueError, message)


# ------------------------------------------------------------------ labels (LB)
def test_LB01_text_labels_with_number_predictions_in_group_metrics(small: Small) -> None:
    y_true = small.y.astype(str).to_numpy()  # '0' / '1'
    y_pred = small.model.predict(small.X[["a", "b"]])  # 0 / 1
    raises_typed(
        lambda: group_metrics(y_true, y_pred, sensitive_features=small.X["sex"]),
        DataValidationError,
        ValueError,
        "y_true's labels are of type str (e.g. '0', '1')",
        "but y_pred's labels are of type int (e.g. 0, 1)",
        "labels are never converted",
        "Convert them to one type first, e.g. y_true.astype(int).",
    )
    # the other way round names the other array to convert
    raises_typed(
        lambda: group_metrics(y_pred, y_true, sensitive_features=small.X["sex"]),
        DataValidationError,
        ValueError,
        "e.g. y_pred.astype(int).",
    )
    # one type on both sides works (text labels name their positive class)
    as_text = group_metrics(
        y_true, y_pred.astype(str), sensitive_features=small.X["sex"], pos_label="1"
    )
    as_numbers = group_metrics(small.y, y_pred, sensitive_features=small.X["sex"])
    assert as_text.task == as_numbers.task == "binary"
    pd.testing.assert_frame_equal(as_text.by_group, as_numbers.by_group)


def test_LB02_text_labels_for_a_number_model_in_audit_model(small: Small) -> None:
    raises_typed(
        lambda: audit.audit_model(
            small.model, small.X, small.y.astype(str), sensitive_features=["sex"]
        ),
        DataValidationError,
        ValueError,
        "y has labels ['0', '1'] that the model never predicts; the model's classes are [0, 1].",
        "y's labels are of type str (e.g. '0', '1') but the model's classes are of type int",
        "e.g. y.astype(int).",
    )


def test_LB03_number_labels_for_a_model_trained_on_text(small: Small) -> None:
    model = LogisticRegression().fit(small.X[["a", "b"]], small.y.astype(str))
    assert model.classes_.tolist() == ["0", "1"]
    raises_typed(
        lambda: audit.audit_model(model, small.X, small.y, sensitive_features=["sex"]),
        DataValidationError,
        ValueError,
        "y's labels are of type int (e.g. 0, 1) but the model's classes are of type str",
        "e.g. y.astype(str).",
    )


class TextPredictions(LogisticRegression):
    """A classifier whose ``predict`` returns text labels while ``classes_`` are ints."""

    def predict(self, X: Any) -> np.ndarray:
        return super().predict(X).astype(str)


def test_LB04_predictions_that_are_not_among_the_classes(small: Small) -> None:
    model = TextPredictions().fit(small.X[["a", "b"]], small.y)
    assert model.classes_.tolist() == [0, 1]
    raises_typed(
        lambda: _no_analyzer_runs(
            lambda progress: audit.audit_model(
                model, small.X, small.y, sensitive_features=["sex"], progress=progress
            )
        ),
        ModelOutputError,
        ValueError,
        "The model TextPredictions predicted labels ['0', '1'] (type str) that are not among its "
        "classes [0, 1] (type int), for 200 of 200 row(s), at row position(s) 0, 1, 2, 3, 4, ...",
        "Make predict return values of the model's classes",
    )


# ------------------------------------------------------------------ groups (GR)
def _cli_files(
    folder: Path, *, model_sees_region: bool, codes: tuple[str, ...] = ("01", "1", "2")
) -> tuple[Path, Path]:
    import skops.io as sio

    rng = np.random.default_rng(3)
    n = 300
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    region = np.array(codes)[np.arange(n) % len(codes)]  # 01 and 1 are different regions
    X["region"] = region.astype(int)  # what pandas would guess: 1, 1, 2
    y = (X["a"] + rng.normal(size=n) > 0).astype(int)
    cols = ["a", "b", "region"] if model_sees_region else ["a", "b"]
    sio.dump(LogisticRegression().fit(X[cols], y), folder / "model.skops")
    text = pd.DataFrame({"a": X["a"], "b": X["b"], "region": region, "y": y})
    text.to_csv(folder / "data.csv", index=False)
    return folder / "model.skops", folder / "data.csv"


def _run(model: Path, data: Path, out: Path, sensitive: str = "region") -> int:
    return main(
        [
            "run",
            "--model",
            str(model),
            "--data",
            str(data),
            "--target",
            "y",
            "--sensitive",
            sensitive,
            "--out",
            str(out),
            "--n-boot",
            "0",
        ]
    )


@pytest.mark.parametrize("model_sees_region", [False, True], ids=["not-a-model-input", "input"])
def test_GR01_cli_reads_sensitive_codes_as_text(tmp_path: Path, model_sees_region: bool) -> None:
    model, data = _cli_files(tmp_path, model_sees_region=model_sees_region)
    assert pd.read_csv(data)["region"].nunique() == 2  # pandas' guess merges 01 and 1
    assert _run(model, data, tmp_path / "out") == EXIT_OK
    record = json.loads((tmp_path / "out" / "model.json").read_text())
    assert record["data"]["sensitive"]["region"] == {"01": 100, "1": 100, "2": 100}
    # the model still gets the typed column it was trained on (01 and 1 both as 1)
    assert ("region" in record["data"]["model_columns"]) is model_sees_region


def test_GR01b_cli_codes_that_read_the_same_keep_their_typed_column(tmp_path: Path) -> None:
    # 0/1 codes read identically as text and as numbers: the typed column is used, so a
    # model input that is the sensitive attribute is still recognised as one
    model, data = _cli_files(tmp_path, model_sees_region=True, codes=("0", "1"))
    assert _run(model, data, tmp_path / "out") == EXIT_OK
    record = json.loads((tmp_path / "out" / "model.json").read_text())
    assert record["data"]["sensitive"]["region"] == {"0": 150, "1": 150}
    assert record["data"]["sensitive_in_model"] == ["region"]


def test_GR02_read_text_columns_keeps_codes_and_other_columns_typed(tmp_path: Path) -> None:
    path = tmp_path / "codes.csv"
    path.write_text("x; region ;zip\n1.5;01;007\n2.5;1;\n3.5;2;10\n", encoding="utf-8")
    frame = read_table(path)
    assert frame["x"].dtype == np.float64 and frame["region"].tolist() == [1, 1, 2]
    text = read_text_columns(path, ["region", "zip"])
    assert text is not None and list(text.columns) == ["region", "zip"]
    assert text["region"].tolist() == ["01", "1", "2"]
    assert text["zip"].iloc[0] == "007" and pd.isna(text["zip"].iloc[1])  # empty stays missing
    frame.to_parquet(tmp_path / "codes.parquet")
    assert read_text_columns(tmp_path / "codes.parquet", ["region"]) is None  # types stored


def test_GR03_cli_missing_sensitive_code_is_still_refused(tmp_path: Path, capsys: Any) -> None:
    model, data = _cli_files(tmp_path, model_sees_region=False)
    frame = pd.read_csv(data, dtype={"region": str})
    frame.loc[5, "region"] = None
    frame.to_csv(data, index=False)
    assert _run(model, data, tmp_path / "out") == EXIT_USAGE
    assert "Sensitive feature 'region' contains 1 missing value(s)" in capsys.readouterr().err


@pytest.mark.parametrize("api", ["audit_model", "group_metrics"])
def test_GR04_dict_keys_0_and_text_0_collide(small: Small, api: str) -> None:
    sex = small.X["sex"].to_numpy()
    other = np.where(small.X["a"] > 0, "hi", "lo")
    features = {0: sex, "0": other}
    if api == "audit_model":
        call = lambda: audit.audit_model(  # noqa: E731
            small.model, small.X, small.y, sensitive_features=features, analyzers=["fairness"]
        )
    else:
        call = lambda: group_metrics(small.y, small.y, sensitive_features=features)  # noqa: E731
    raises_typed(
        call,
        DataValidationError,
        ValueError,
        core.COLLIDING_SENSITIVE.format(keys="0 (int) and '0' (str)", name="0"),
    )
    frame = pd.DataFrame({0: sex, "0": other})  # a DataFrame's columns: the same rule
    raises_typed(
        lambda: group_metrics(small.y, small.y, sensitive_features=frame),
        DataValidationError,
        ValueError,
        "sensitive_features has the keys 0 (int) and '0' (str)",
    )


@pytest.mark.parametrize("api", ["audit_model", "group_metrics"])
def test_GR05_column_mixing_1_and_text_1(small: Small, api: str) -> None:
    region = np.array([1 if i % 2 else "1" for i in range(N_ROWS)], dtype=object)
    if api == "audit_model":
        X = small.X.assign(region=region)
        call = lambda: audit.audit_model(  # noqa: E731
            small.model, X, small.y, sensitive_features=["region"], analyzers=["fairness"]
        )
    else:
        call = lambda: group_metrics(  # noqa: E731
            small.y, small.y, sensitive_features={"region": region}
        )
    exc = raises_typed(
        call,
        DataValidationError,
        ValueError,
        "Sensitive feature 'region' mixes values of different types that read the same",
        "Convert the column to one type first, e.g. .astype(str).",
    )
    assert str(exc) in (
        core.MIXED_SENSITIVE.format(name="region", first="1", second=1),
        core.MIXED_SENSITIVE.format(name="region", first=1, second="1"),
    )


def test_GR06_column_mixing_types_that_read_differently(small: Small) -> None:
    region = np.array([[1, "north", 2.5][i % 3] for i in range(N_ROWS)], dtype=object)
    raises_typed(
        lambda: audit.audit_model(
            small.model,
            small.X.assign(region=region),
            small.y,
            sensitive_features=["region"],
            analyzers=["fairness"],
        ),
        DataValidationError,
        ValueError,
        core.MIXED_TYPES_SENSITIVE.format(
            name="region", types="int, str, float", examples="1, 'north', 2.5"
        ),
    )
    # ints with floats are numbers of one kind and still audit
    numbers = np.array([[1, 2.5][i % 2] for i in range(N_ROWS)], dtype=object)
    report = audit.audit_model(
        small.model,
        small.X.assign(region=numbers),
        small.y,
        sensitive_features=["region"],
        analyzers=["fairness"],
        n_boot=0,
    )
    assert report.fairness is not None
