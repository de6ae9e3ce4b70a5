pytest_plugins = ["pytester"]

TEST_MODULE = """
import pytest
from sklearn.linear_model import LogisticRegression
from audit.datasets import make_biased_classification
from audit.gates import assert_fair

@pytest.mark.fairness
def test_{name}(model_audit):
    data = make_biased_classification(3000, bias={bias}, proxy_strength=0.9, random_state=0)
    cols = {cols}
    model = LogisticRegression().fit(data.X[cols], data.y)
    report = model_audit(model, data.X, data.y, sensitive_features="group",
                         analyzers=["fairness"], name="{name}")
    assert_fair(report)
"""

BIASED = TEST_MODULE.format(name="biased", bias=2.0, cols=["proxy", "x0", "x1"])
FAIR = TEST_MODULE.format(name="fair", bias=0.0, cols=["x0", "x1"])


def test_biased_model_fails_and_shows_groups(pytester):
    pytester.makepyfile(test_gate=BIASED)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*Fairness gate failed*",
            "*selection_rate.ratio*FAIL*B*A*",
            "*model-audit gates*",
            "FAILED*selection_rate.ratio*",
        ]
    )


def test_fair_model_passes(pytester):
    pytester.makepyfile(test_gate=FAIR)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*model-audit gates*", "*1 gates passed, 0 failed*"])


def test_pyproject_policy_changes_the_outcome(pytester):
    pytester.makepyfile(test_gate=BIASED)
    pytester.makefile(".toml", pyproject="[tool.model-audit]\nrules = ['findings.total >= 0']\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_audit_report_option_writes_html(pytester):
    pytester.makepyfile(test_gate=FAIR)
    out = pytester.path / "gate-reports"
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--audit-report={out}")
    result.assert_outcomes(passed=1)
    files = list(out.glob("*.html"))
    assert len(files) == 1 and "Model audit: fair" in files[0].read_text()


def test_plugin_is_dormant(pytester):
    pytester.makepyfile(test_plain="def test_ok():\n    assert 1 + 1 == 2\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "model-audit gates" not in result.stdout.str()
    assert (
        "fairness: a model-audit fairness gate"
        in pytester.runpytest_subprocess("--markers").stdout.str()
    )
