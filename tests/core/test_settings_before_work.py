"""Every setting is checked before any work: the Policy, analyzer options and the CLI.

A bad value raises :class:`audit.errors.InvalidParameterError` (or makes the CLI
exit 2) naming the setting, the value received and what is allowed, before a
model is loaded, a prediction made or a file written.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
from sklearn.linear_model import LogisticRegression

import audit
from audit.cli import EXIT_GATE_FAILED, EXIT_OK, EXIT_USAGE, main
from audit.errors import InvalidParameterError
from audit.policy import Policy
from audit.rules import FAIRNESS_METRICS, known_fact_names

FEATURES = [
    "duration_months",
    "credit_amount",
    "installment_rate",
    "residence_since",
    "age",
    "existing_credits",
    "people_liable",
]
TARGET = "credit_risk"
SENSITIVE = "sex,age_group"


class CountingLogisticRegression(LogisticRegression):
    """A real, fitted logistic regression that counts its prediction calls."""

    calls = 0

    def predict(self, X):  # type: ignore[no-untyped-def]
        type(self).calls += 1
        return super().predict(X)

    def predict_proba(self, X):  # type: ignore[no-untyped-def]
        type(self).calls += 1
        return super().predict_proba(X)

    def decision_function(self, X):  # type: ignore[no-untyped-def]
        type(self).calls += 1
        return super().decision_function(X)


@pytest.fixture(scope="module")
def german():
    from audit.datasets import load_german_credit

    return load_german_credit()


@pytest.fixture(scope="module")
def files(german, tmp_path_factory):
    """A real model saved with skops and the German credit data as CSV."""
    import skops.io as sio

    folder = tmp_path_factory.mktemp("settings_cli")
    model = LogisticRegression(max_iter=1000).fit(german[FEATURES], german[TARGET])
    sio.dump(model, folder / "model.skops")
    german[[*FEATURES, "sex", "age_group", TARGET]].to_csv(folder / "data.csv", index=False)
    (folder / "a_file.txt").write_text("not a folder\n")
    return folder


# --------------------------------------------------------------------------- Policy

BAD_POLICY_VALUES = [
    ("ratio_warning", math.nan),
    ("ratio_warning", math.inf),
    ("ratio_warning", -0.5),
    ("ratio_warning", 0.0),
    ("ratio_warning", 1.5),
    ("ratio_warning", "0.8"),
    ("ratio_warning", True),
    ("ratio_critical", math.nan),
    ("ratio_critical", 0.0),
    ("difference_warning", -0.1),
    ("difference_warning", math.nan),
    ("difference_critical", 1.5),
    ("difference_critical", math.inf),
    ("min_count", -1),
    ("min_count", 2.5),
    ("min_count", 30.0),
    ("min_count", True),
    ("min_count", "30"),
    ("n_boot", -1),
    ("n_boot", 10.5),
    ("n_boot", False),
    ("ci", 0.0),
    ("ci", 1.0),
    ("ci", 95),
    ("ci", math.nan),
    ("ratio_metrics", ("selction_rate",)),
    ("ratio_metrics", ("selection_rate", "tpr_rate")),
    ("ratio_metrics", 5),
    ("difference_metrics", ("fpr", "demographic_parity")),
    ("difference_metrics", (1, 2)),
    ("insufficient", "maybe"),
    ("insufficient", None),
    ("weight_concentration", 1.5),
    ("sensitive_weight_share", -0.01),
    ("proxy_association", math.nan),
    ("proxy_top_k", -2),
    ("attribution_gap", 0.5),
    ("attribution_gap", math.inf),
    ("rules", ("selection_rate >= 0.8",)),
    ("rules", ("selction_rate.ratio >= 0.8",)),
    ("rules", (3,)),
]


@pytest.mark.parametrize(("field", "value"), BAD_POLICY_VALUES, ids=repr)
def test_bad_policy_value_names_the_field_and_the_value(field, value):
    with pytest.raises(InvalidParameterError) as info:
        Policy(**{field: value})
    message = str(info.value)
    assert field in message
    shown = value[-1] if isinstance(value, tuple) else value
    assert repr(shown) in message or str(shown) in message


@pytest.mark.parametrize(("field", "value"), BAD_POLICY_VALUES[::4], ids=repr)
def test_replace_checks_like_the_constructor(field, value):
    with pytest.raises(InvalidParameterError, match=field):
        Policy().replace(**{field.replace("_", "-"): value})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ratio_critical": 0.9}, "ratio_critical must be <= ratio_warning; got 0.9 > 0.8"),
        ({"difference_critical": 0.05}, "difference_critical must be >= difference_warning"),
        ({"ratio_warning": 0.5}, "ratio_critical must be <= ratio_warning; got 0.6 > 0.5"),
    ],
)
def test_thresholds_in_the_wrong_order(changes, message):
    with pytest.raises(InvalidParameterError, match=message):
        Policy(**changes)


def test_unknown_metric_suggests_the_closest_and_lists_the_allowed():
    with pytest.raises(InvalidParameterError) as info:
        Policy(ratio_metrics=("selection_rate", "precison"))
    message = str(info.value)
    assert "'ratio_metrics'" in message and "'precison'" in message
    assert "Did you mean 'precision'?" in message
    assert all(name in message for name in FAIRNESS_METRICS)


def test_unknown_rule_metric_suggests_the_closest():
    with pytest.raises(InvalidParameterError, match=r"Did you mean 'selection_rate\.ratio'"):
        Policy(rules=("selction_rate.ratio >= 0.8",))


def test_good_values_are_kept_and_normalised():
    policy = Policy(
        ratio_metrics=["auc", "selection_rate"],
        difference_metrics="mae",
        rules=["weights.top_share <= 0.5", "findings.insufficient_evidence == 0"],
        min_count=0,
        difference_warning=0,
        difference_critical=1,
    )
    assert policy.ratio_metrics == ("auc", "selection_rate")
    assert policy.difference_metrics == ("mae",)
    assert policy.rules == ("weights.top_share <= 0.5", "findings.insufficient_evidence == 0")
    assert isinstance(policy.difference_warning, float)
    hash(policy)  # frozen and hashable: every field is a tuple or a scalar


def test_the_metric_names_are_the_fairness_engines():
    from audit.fairness import BINARY_METRICS, REGRESSION_METRICS, SCORE_METRICS

    assert FAIRNESS_METRICS == (*BINARY_METRICS, *SCORE_METRICS, *REGRESSION_METRICS)
    default = Policy()
    assert set(default.ratio_metrics) | set(default.difference_metrics) <= set(FAIRNESS_METRICS)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("ci = 1.5\n", "'ci' must be a number in (0, 1)"),
        ("min-count = -3\n", "'min_count' must be an int >= 0"),
        ("ratio_metrics = ['selction_rate']\n", "Did you mean 'selection_rate'"),
        ("rules = ['tpr.diference <= 0.1']\n", "Did you mean 'tpr.difference'"),
        ("rules = 'findings.critical = 0'\n", "Cannot parse rule"),
        ("insufficient = 'skip'\n", "'insufficient' must be one of 'warn', 'fail', 'pass'"),
    ],
)
def test_from_pyproject_checks_every_value(tmp_path, toml, message):
    (tmp_path / "pyproject.toml").write_text("[tool.model-audit]\n" + toml)
    with pytest.raises(InvalidParameterError) as info:
        Policy.from_pyproject(tmp_path)
    assert message in str(info.value)


def test_importing_and_building_the_policy_stays_light():
    code = (
        "import sys, audit.policy; audit.policy.Policy(ratio_metrics=('auc',),"
        " rules=('tpr.difference <= 0.1',));"
        "print(','.join(m for m in ('pandas', 'numpy', 'audit.fairness') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# ----------------------------------------------------------------- known fact names


def test_every_fact_an_audit_publishes_is_a_known_name(german):
    model = LogisticRegression(max_iter=1000).fit(german[FEATURES], german[TARGET])
    report = audit.audit_model(
        model,
        german[[*FEATURES, "sex", "age_group"]],
        german[TARGET],
        sensitive_features=["sex", "age_group"],
        analyzers=["fairness", "weights"],
        n_boot=0,
        random_state=0,
    )
    facts = set(report.facts())
    assert {"selection_rate.ratio", "weights.top_share", "findings.critical"} <= facts
    assert facts <= known_fact_names(), sorted(facts - known_fact_names())


# ------------------------------------------------------------------ analyzer options


@pytest.mark.parametrize(
    ("options", "must_name"),
    [
        ({"atributions": {}}, ["'atributions'", "attributions", "fairness", "proxies"]),
        ({"attributions": {"rows": 10}}, ["'rows'", "max_rows", "explainer"]),
    ],
    ids=["misspelt-analyzer", "unknown-option"],
)
def test_bad_analyzer_options_fail_before_any_prediction(german, options, must_name):
    model = CountingLogisticRegression(max_iter=1000).fit(german[FEATURES], german[TARGET])
    CountingLogisticRegression.calls = 0
    with pytest.raises(InvalidParameterError) as info:
        audit.audit_model(
            model,
            german[[*FEATURES, "sex"]],
            german[TARGET],
            sensitive_features=["sex"],
            analyzer_options=options,
        )
    assert all(name in str(info.value) for name in must_name), str(info.value)
    assert CountingLogisticRegression.calls == 0


def test_the_counting_model_does_count(german):
    """The check above is meaningful: an audit of the same model does predict."""
    model = CountingLogisticRegression(max_iter=1000).fit(german[FEATURES], german[TARGET])
    CountingLogisticRegression.calls = 0
    audit.audit_model(
        model,
        german[[*FEATURES, "sex"]],
        german[TARGET],
        sensitive_features=["sex"],
        analyzers=["fairness"],
    )
    assert CountingLogisticRegression.calls > 0


# ------------------------------------------------------------------------------- CLI


@pytest.fixture
def work_log(monkeypatch):
    """Records whether the CLI loaded a model, read data or started an audit."""
    import audit._audit
    import audit._tabular
    import audit.loading

    log: list[str] = []
    for module, name in (
        (audit.loading, "load_model"),
        (audit._tabular, "read_table"),
        (audit._audit, "audit_model"),
    ):
        original = getattr(module, name)

        def spy(*args, _name=name, _original=original, **kwargs):
            log.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, spy)
    return log


def _run_argv(files: Path, out: Path, *extra: str) -> list[str]:
    return [
        "run",
        "--model",
        str(files / "model.skops"),
        "--data",
        str(files / "data.csv"),
        "--target",
        TARGET,
        "--sensitive",
        SENSITIVE,
        "--n-boot",
        "0",
        "--out",
        str(out),
        *extra,
    ]


def _usage_error(capsys, code: int) -> str:
    err = capsys.readouterr().err
    assert code == EXIT_USAGE, err
    assert "Traceback" not in err and err.strip()
    return err


def test_misspelt_fail_on_metric_exits_2_before_any_work(files, tmp_path, capsys, work_log):
    out = tmp_path / "out"
    out.mkdir()
    code = main(_run_argv(files, out, "--fail-on", "selction_rate.ratio >= 0.8"))
    err = _usage_error(capsys, code)
    assert "'selction_rate.ratio'" in err and "Did you mean 'selection_rate.ratio'?" in err
    assert work_log == []  # no model loaded, no data read, no audit
    assert list(out.iterdir()) == []  # no report written (and no probe left behind)


@pytest.mark.parametrize(
    ("rule", "closest"),
    [
        ("weights.top_shar <= 0.5", "weights.top_share"),
        ("findings.critcal == 0", "findings.critical"),
        ("equalized_odds.diff <= 0.1", "equalized_odds.difference"),
        ("tpr.differnce <= 0.1", "tpr.difference"),
    ],
)
def test_every_family_of_fact_names_is_checked(files, tmp_path, capsys, work_log, rule, closest):
    code = main(_run_argv(files, tmp_path / "out", "--fail-on", rule))
    assert f"Did you mean {closest!r}?" in _usage_error(capsys, code)
    assert work_log == [] and not (tmp_path / "out").exists()


def test_junit_xml_that_cannot_be_created_exits_2_before_the_audit(
    files, tmp_path, capsys, work_log
):
    junit = files / "a_file.txt" / "ci" / "gates.xml"  # under a regular file
    out = tmp_path / "out"
    code = main(
        _run_argv(files, out, "--fail-on", "selection_rate.ratio >= 0.8", "--junit-xml", str(junit))
    )
    err = _usage_error(capsys, code)
    assert f"Cannot write --junit-xml {junit}" in err and "a_file.txt is a file" in err
    assert work_log == [] and not out.exists()


def test_markdown_that_is_a_folder_exits_2_before_the_audit(files, tmp_path, capsys, work_log):
    folder = tmp_path / "summary"
    folder.mkdir()
    code = main(_run_argv(files, tmp_path / "out", "--markdown", str(folder)))
    assert "it is a folder" in _usage_error(capsys, code)
    assert work_log == [] and not (tmp_path / "out").exists()


def test_out_under_a_file_exits_2_before_the_audit(files, tmp_path, capsys, work_log):
    out = files / "a_file.txt" / "reports"
    err = _usage_error(capsys, main(_run_argv(files, out)))
    assert f"Cannot create the output folder {out}" in err and "is a file" in err
    assert work_log == []


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--model", "nope.skops", "Model file not found"),
        ("--data", "nope.csv", "Data file not found"),
        ("--baseline", "nope.json", "Cannot read the baseline"),
    ],
)
def test_missing_input_files_exit_2_before_anything_is_loaded(
    files, tmp_path, capsys, work_log, flag, value, message
):
    argv = _run_argv(files, tmp_path / "out")
    if flag in argv:
        argv[argv.index(flag) + 1] = str(tmp_path / value)
    else:
        argv += [flag, str(tmp_path / value)]
    assert message in _usage_error(capsys, main(argv))
    assert work_log == [] and not (tmp_path / "out").exists()


def test_bad_rule_in_the_config_exits_2_before_the_audit(files, tmp_path, capsys, work_log):
    config = tmp_path / "pyproject.toml"
    config.write_text("[tool.model-audit]\nrules = ['selection_rate.ration >= 0.8']\n")
    code = main(_run_argv(files, tmp_path / "out", "--config", str(config)))
    err = _usage_error(capsys, code)
    assert "'rules'" in err and "Did you mean 'selection_rate.ratio'?" in err
    assert work_log == []


def test_good_settings_run_and_outputs_land_in_new_folders(files, tmp_path, capsys):
    junit = tmp_path / "ci" / "nested" / "gates.xml"
    markdown = tmp_path / "ci" / "summary.md"
    argv = _run_argv(
        files,
        tmp_path / "out",
        "--fail-on",
        "findings.total >= 0",
        "--junit-xml",
        str(junit),
        "--markdown",
        str(markdown),
    )
    assert main(argv) == EXIT_OK, capsys.readouterr().err
    assert junit.read_text().startswith("<?xml") and "findings.total" in markdown.read_text()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["model.html", "model.json"]
    assert not [p for p in tmp_path.rglob(".model-audit-probe-*")]


def test_known_fact_the_run_did_not_publish_fails_the_gate(files, tmp_path, capsys):
    """A valid name with no value in this run (dead units of a torch model) is 'missing'."""
    argv = _run_argv(files, tmp_path / "out", "--fail-on", "weights.dead_fraction <= 0.5")
    assert main(argv) == EXIT_GATE_FAILED
    assert "MISSING" in capsys.readouterr().out


def test_check_validates_names_and_outputs_before_writing(files, tmp_path, capsys):
    out = tmp_path / "out"
    # only the record is wanted here; without --fail-on none the default gate fails on criticals
    assert main(_run_argv(files, out, "--fail-on", "none")) == EXIT_OK
    record = str(out / "model.json")
    junit = tmp_path / "gates.xml"
    code = main(
        ["check", record, "--fail-on", "selction_rate.ratio >= 0.8", "--junit-xml", str(junit)]
    )
    assert "Did you mean 'selection_rate.ratio'?" in _usage_error(capsys, code)
    assert not junit.exists()
    bad_junit = files / "a_file.txt" / "gates.xml"
    code = main(
        ["check", record, "--fail-on", "findings.total >= 0", "--junit-xml", str(bad_junit)]
    )
    assert "Cannot write --junit-xml" in _usage_error(capsys, code)


def test_demo_refuses_an_output_folder_under_a_file_before_training(files, capsys):
    out = files / "a_file.txt" / "demo"
    err = _usage_error(capsys, main(["demo", "--no-torch", "--out", str(out)]))
    assert f"Cannot create the output folder {out}" in err
