"""Additivity is judged row by row, relative to each row, and says whether it is exact.

The former tolerance, 0.1 times the largest output of any row, let a sampled
explainer miss by 3.0 on one row as soon as another row's output was 30 or
more. Now each row has its own tolerance, a failure names the worst rows, and
the result (and the report) says whether additivity is exact or approximate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

import audit
from audit.adapters import make_adapter
from audit.attributions import (
    ADDITIVITY_CODE,
    ADDITIVITY_RTOL,
    EXACT_EXPLAINERS,
    attribution_findings,
    check_additivity,
    explain,
)
from audit.attributions._deep import explain_gradient
from audit.attributions._job import ExplainJob
from audit.report._section_explain import attributions_section

STEP_ROW = 5
HUGE_ROW = 9
STEP = 3.0


class StepNet(torch.nn.Module):
    """A linear part plus a step of 3.0 when ``a > 2.5``.

    The step has no gradient, so expected gradients cannot attribute it: a row
    past the step misses by about 3.0, a real, large additivity miss.
    """

    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(3, 1)
        with torch.no_grad():
            self.linear.weight.copy_(torch.tensor([[0.5, 0.5, 0.5]]))
            self.linear.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x) + STEP * (x[:, :1] > 2.5).float()


def _step_frame(n: int = 120, huge: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.standard_normal((n, 3)).clip(-2, 2), columns=["a", "b", "c"])
    X.loc[STEP_ROW] = [3.0, -3.0, -3.0]  # past the step; linear part -1.5, output 1.5
    if huge:
        X.loc[HUGE_ROW] = [0.0, 100.0, 0.0]  # output 50: a smooth, well explained row
    return X.astype(np.float32)


def _mlp() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))


# ------------------------------------------------- a large miss next to a huge output


def test_gradient_row_with_a_large_miss_is_flagged_next_to_a_huge_output():
    X = _step_frame(huge=True)
    adapter = make_adapter(StepNet())
    matrix = adapter.transform(X).matrix
    background = np.delete(matrix, [STEP_ROW, HUGE_ROW], axis=0)  # sampling noise stays small
    job = ExplainJob(
        adapter=adapter,
        matrix=matrix,
        background=background,
        sources=("a", "b", "c"),
        background_size=100,
        random_state=0,
        progress=False,
    )
    raw = explain_gradient(job)  # expected gradients on the real module
    output = raw.model_output[:, 0]
    miss = np.abs(raw.base_values + raw.values.sum(axis=1) - raw.model_output)[:, 0]
    assert output[HUGE_ROW] == pytest.approx(50.0, rel=1e-4)
    assert 2.5 < miss[STEP_ROW] < 0.1 * np.abs(output).max()  # the former tolerance passed it

    check = check_additivity(
        raw.explainer,
        raw.values,
        raw.base_values,
        raw.model_output,
        row_positions=np.arange(len(X)),
        output_names=tuple(raw.output.names),
    )
    assert not check.exact and check.kind == "approximate"
    assert not check.passed
    worst = check.worst_rows(failed_only=True)
    assert [row["row"] for row in worst] == [STEP_ROW]
    assert worst[0]["miss"] == pytest.approx(miss[STEP_ROW])
    assert worst[0]["allowed"] < worst[0]["miss"]
    assert check.max_relative_error == pytest.approx(check.relative_miss[STEP_ROW, 0])
    assert check.miss[HUGE_ROW, 0] <= check.allowed[HUGE_ROW, 0]  # the huge row is fine


def test_explain_names_the_row_in_the_result_the_finding_and_the_sentence():
    X = _step_frame()
    result = explain(StepNet(), X, explainer="gradient", background_size=50)
    assert result.explainer == "gradient"
    assert not result.additivity_ok and not result.additivity_exact
    (finding,) = [f for f in attribution_findings(result) if f.code == ADDITIVITY_CODE]
    assert finding.evidence["worst_rows"] == [STEP_ROW]
    assert finding.evidence["kind"] == "approximate"
    assert finding.evidence["n_failed_rows"] == 1
    assert f"row {STEP_ROW}: miss" in finding.message
    sentence = result.additivity.describe()
    assert sentence.startswith("Additivity is approximate (max miss ")
    assert f"on row {STEP_ROW}" in sentence and "1 row(s) beyond their tolerance" in sentence
    record = result.to_dict()["additivity"]
    assert record["kind"] == "approximate" and record["passed"] is False
    assert record["worst_rows"][0]["row"] == STEP_ROW
    assert record["max_relative_error"] == pytest.approx(result.additivity_max_relative_error)


def test_check_is_per_row_on_plain_numbers():
    output = np.array([[1000.0], [1.0], [2.0], [-1.5], [0.5]])
    base = np.zeros_like(output)
    values = output[:, None, :].copy()
    values[1, 0, 0] += 3.0  # row 1 misses by 3 next to a row whose output is 1000
    check = check_additivity(
        "gradient", values, base, output, row_positions=np.array([10, 11, 12, 13, 14])
    )
    assert not check.passed and check.n_failed == 1
    assert check.worst()["row"] == 11 and check.worst()["miss"] == pytest.approx(3.0)
    # the same miss on the huge row is small relative to it: within tolerance
    values = output[:, None, :].copy()
    values[0, 0, 0] += 3.0
    assert check_additivity("gradient", values, base, output, row_positions=np.arange(5)).passed


def test_rows_with_output_at_zero_do_not_explode():
    output = np.array([[0.0], [0.0], [0.0], [2.0], [-2.0], [1.0]])
    base = np.zeros_like(output)
    values = output[:, None, :] + 1e-9  # rounding-sized misses on every row
    check = check_additivity("linear", values, base, output, row_positions=np.arange(6))
    assert check.passed
    assert np.isfinite(check.max_relative_error) and check.max_relative_error < 1e-6
    # a constant model: no spread, output at the base value
    flat = np.zeros((4, 1))
    check = check_additivity("tree", flat[:, None, :], flat, flat, row_positions=np.arange(4))
    assert check.passed and check.max_relative_error == 0.0


def test_a_given_tolerance_is_absolute_on_every_row():
    output = np.array([[100.0], [1.0]])
    values = output[:, None, :] + np.array([[[0.5]], [[0.05]]])
    check = check_additivity(
        "gradient", values, np.zeros_like(output), output, row_positions=np.arange(2), tolerance=0.1
    )
    assert not check.passed and check.worst_rows(failed_only=True)[0]["row"] == 0
    assert np.all(check.allowed == 0.1) and "0.1 on every row (given)" in check.rule


# ----------------------------------------------------------------- exact explainers


@pytest.mark.parametrize(
    "model",
    [LogisticRegression(max_iter=1000), HistGradientBoostingClassifier(max_iter=10)],
    ids=["linear", "tree"],
)
def test_exact_explainers_report_exact(biased, model):
    X = biased.X.drop(columns=["group"]).iloc[:300]
    model.fit(X, biased.y.iloc[:300])
    result = explain(model, X)
    assert result.explainer in {"linear", "tree"} and result.explainer in EXACT_EXPLAINERS
    assert result.additivity_exact and result.additivity.kind == "exact"
    assert result.additivity_ok and result.additivity_max_relative_error < 1e-6
    record = result.to_dict()["additivity"]
    assert record["kind"] == "exact" and record["worst_rows"] == []
    assert result.additivity.describe().startswith("Additivity is exact (max miss ")


def test_sampled_gradients_on_a_smooth_net_are_approximate_and_pass():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.standard_normal((150, 3)).astype(np.float32), columns=["a", "b", "c"])
    result = explain(_mlp(), X, explainer="gradient")
    assert result.additivity.kind == "approximate"
    assert result.additivity_ok, result.additivity.worst_rows()
    assert 0 < result.additivity_max_relative_error < ADDITIVITY_RTOL["gradient"]


# ---------------------------------------------------------------------- the report


def test_report_says_additivity_is_approximate():
    X = _step_frame()
    y = (X["a"] > 0).astype(int).to_numpy()
    report = audit.audit_model(
        StepNet(),
        X,
        y,
        analyzers=["attributions"],
        analyzer_options={"attributions": {"explainer": "gradient", "progress": False}},
    )
    section = attributions_section(report)
    notes = [b.content for b in section.blocks if b.kind == "note"]
    assert any(n.startswith("Additivity is approximate (max miss ") for n in notes)
    html = report.to_html()
    assert "Additivity is approximate (max miss " in html
    assert f"on row {STEP_ROW}" in html
