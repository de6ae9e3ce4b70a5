import json
import xml.etree.ElementTree as ET

import pytest
from gate_models import biased_report, fair_report

from audit.cli import EXIT_GATE_FAILED, EXIT_OK, EXIT_USAGE, main


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    folder = tmp_path_factory.mktemp("records")
    biased_report().to_json(folder / "biased.json")
    fair_report().to_json(folder / "fair.json")
    return folder


def test_exit_0_when_rules_hold(records, capsys):
    code = main(["check", str(records / "fair.json"), "--fail-on", "selection_rate.ratio >= 0.8"])
    assert code == EXIT_OK
    assert "selection_rate.ratio" in capsys.readouterr().out


def test_exit_1_when_a_rule_fails_and_table_printed(records, capsys):
    code = main(
        [
            "check",
            str(records / "biased.json"),
            "--fail-on",
            "selection_rate.ratio >= 0.8",
            "--fail-on",
            "tpr.difference <= 0.5",
        ]
    )
    assert code == EXIT_GATE_FAILED
    out = capsys.readouterr().out
    assert "FAIL" in out and "B vs A" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fail-on", "selection_rat.ratio >= 0.8"], "Did you mean 'selection_rate.ratio'"),
        (["--fail-on", "selection_rate >= 0.8"], "Grammar"),
        ([], "check needs --fail-on RULE"),
    ],
)
def test_exit_2_on_usage_errors(records, capsys, args, message):
    assert main(["check", str(records / "fair.json"), *args]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_exit_2_on_a_file_that_is_not_a_record(tmp_path, capsys):
    bogus = tmp_path / "x.json"
    bogus.write_text('{"hello": 1}')
    assert main(["check", str(bogus), "--fail-on", "findings.critical == 0"]) == EXIT_USAGE
    assert "not an audit record" in capsys.readouterr().err


def test_junit_xml_has_one_testcase_per_rule(records, tmp_path):
    junit = tmp_path / "gates.xml"
    rules = ["selection_rate.ratio >= 0.8", "tpr.difference <= 0.1", "findings.critical == 0"]
    argv = ["check", str(records / "biased.json"), "--junit-xml", str(junit)]
    for r in rules:
        argv += ["--fail-on", r]
    assert main(argv) == EXIT_GATE_FAILED
    root = ET.parse(junit).getroot()
    cases = root.findall(".//testcase[@classname='model-audit.rules']")
    assert [c.get("name") for c in cases] == rules  # then one testcase per finding severity
    suite = root.find("testsuite")
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert "selection_rate.ratio >= 0.8" in failed
    assert suite.get("failures") == str(len(failed))


def test_baseline_fails_on_regression_and_passes_without(records, tmp_path):
    # the two records hold different data: comparing them needs --allow-other-baseline
    other = "--allow-other-baseline"
    biased, fair = str(records / "biased.json"), str(records / "fair.json")
    assert main(["check", biased, "--baseline", fair, other]) == EXIT_GATE_FAILED
    assert main(["check", fair, "--baseline", fair]) == EXIT_OK
    assert main(["check", fair, "--baseline", biased, other]) == EXIT_OK


def test_markdown_output(records, tmp_path):
    md = tmp_path / "summary.md"
    main(
        [
            "check",
            str(records / "biased.json"),
            "--fail-on",
            "selection_rate.ratio >= 0.8",
            "--markdown",
            str(md),
        ]
    )
    text = md.read_text()
    assert "**FAILED**" in text and "`selection_rate.ratio >= 0.8`" in text


def test_severity_words_still_work(records):
    record = json.loads((records / "biased.json").read_text())
    assert record["counts"]["warning"] + record["counts"]["critical"] > 0
    assert main(["check", str(records / "biased.json"), "--fail-on", "warning"]) == EXIT_GATE_FAILED
