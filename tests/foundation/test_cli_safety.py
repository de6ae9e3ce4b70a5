"""``model-audit run`` is safe to put in CI: gates, outputs, printing and errors.

* never silent: without ``--fail-on`` or policy rules, ``run`` fails on critical
  findings, and every run says which gate applied and how to change it;
* never over a file model-audit did not write (``--force`` to replace it), checked
  before any work; the outputs of concurrent runs into one folder never mix;
* user strings (group values, model, column and file names) print inert: no
  escape sequence reaches the terminal, rich markup prints as written;
* errors before work: rule names, output paths, columns and the baseline's
  sensitive attributes are checked before the model is loaded.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sklearn.linear_model import LogisticRegression

import audit.loading
from audit._terminal_text import term_text
from audit.cli import EXIT_GATE_FAILED, EXIT_OK, EXIT_USAGE, main
from audit.datasets import make_biased_classification

EXTRA = [f"extra_{i:02d}" for i in range(30)]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A biased and a fair model (skops) and their data (CSV), with many extra columns."""
    import skops.io as sio

    folder = tmp_path_factory.mktemp("cli_safety")
    for name, bias, cols in (
        ("biased", 1.0, ["proxy", "x0", "x1"]),
        ("fair", 0.0, ["x0", "x1", "x2", "x3"]),
    ):
        data = make_biased_classification(
            600, bias=bias, proxy_strength=0.8 if bias else 0.0, random_state=0
        )
        frame = data.X.assign(y=data.y, **dict.fromkeys(EXTRA, 0.0), zzz_label=data.y)
        model = LogisticRegression().fit(frame[cols], frame["y"])
        sio.dump(model, folder / f"{name}.skops")
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


@pytest.fixture
def loads(monkeypatch):
    """The model files the CLI loaded (it must load none when a setting is wrong)."""
    loaded: list[str] = []
    real = audit.loading.load_model

    def counting(path, **kwargs):
        loaded.append(str(path))
        return real(path, **kwargs)

    monkeypatch.setattr(audit.loading, "load_model", counting)
    return loaded


def _run(files: Path, out: Path, *extra: str, model: str = "biased") -> list[str]:
    return [
        "run",
        "--model",
        str(files / f"{model}.skops"),
        "--data",
        str(files / f"{model}.csv"),
        "--target",
        "y",
        "--sensitive",
        "group",
        "--out",
        str(out),
        "--n-boot",
        "50",
        *extra,
    ]


# ------------------------------------------------------------------ never silent


def test_default_gate_fails_on_critical_findings_and_says_so(files, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(_run(files, out)) == EXIT_GATE_FAILED  # was: exit 0 on a CRITICAL verdict
    printed = capsys.readouterr().out
    assert "gate: default, fail on critical findings (findings.critical == 0)" in printed
    assert "--fail-on RULE|warning|info|none" in printed and "gate failed" in printed
    assert json.loads((out / "biased.json").read_text())["counts"]["critical"] > 0


def test_default_gate_passes_without_critical_findings(files, tmp_path, capsys):
    assert main(_run(files, tmp_path / "out", model="fair")) == EXIT_OK
    printed = capsys.readouterr().out
    assert "gate: default" in printed and "gate passed" in printed


def test_fail_on_none_turns_the_gate_off_and_says_so(files, tmp_path, capsys):
    assert main(_run(files, tmp_path / "out", "--fail-on", "none")) == EXIT_OK
    assert "gate: none (--fail-on none)" in capsys.readouterr().out


def test_fail_on_none_cannot_be_combined(files, tmp_path, capsys, loads):
    argv = _run(files, tmp_path / "out", "--fail-on", "none", "--fail-on", "critical")
    assert main(argv) == EXIT_USAGE
    assert "--fail-on none turns the gate off" in capsys.readouterr().err
    assert loads == []


def test_policy_rules_replace_the_default_gate(files, tmp_path, capsys):
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.model-audit]\nrules = ["findings.total >= 0"]\n')
    assert main(_run(files, tmp_path / "out", "--config", str(config))) == EXIT_OK
    printed = capsys.readouterr().out
    assert f"gate: the rules of [tool.model-audit] in {config}" in printed
    assert "findings.total >= 0" in printed


def test_markdown_and_junit_of_a_run_carry_verdict_and_findings(files, tmp_path):
    md, junit = tmp_path / "ci" / "summary.md", tmp_path / "ci" / "gates.xml"
    argv = _run(files, tmp_path / "out", "--markdown", str(md), "--junit-xml", str(junit))
    assert main(argv) == EXIT_GATE_FAILED
    text = md.read_text()
    assert "verdict **CRITICAL**" in text and "| critical |" in text and "**FAILED**" in text
    xml = junit.read_text()
    assert 'name="findings.critical == 0"' in xml and 'name="verdict" value="critical"' in xml
    assert 'tests="0"' not in xml


# ------------------------------------------------------------------ outputs

FOREIGN = {
    "biased.html": '<!DOCTYPE html>\n<head>\n<meta name="generator" content="model-audit-fake">',
    "biased.json": '{"generator": "model-audit-fake"}',
}


@pytest.mark.parametrize("name", sorted(FOREIGN))
def test_run_never_overwrites_a_file_it_did_not_write(files, tmp_path, capsys, loads, name):
    out = tmp_path / "out"
    out.mkdir()
    (out / name).write_text(FOREIGN[name])
    assert main(_run(files, out)) == EXIT_USAGE  # was: replaced (prefix match)
    err = capsys.readouterr().err
    assert f"Refusing to overwrite {out / name}" in err and "--force" in err
    assert (out / name).read_text() == FOREIGN[name]
    assert loads == []  # refused before any work
    assert sorted(p.name for p in out.iterdir()) == [name]
    assert main(_run(files, out, "--force")) == EXIT_GATE_FAILED
    assert (out / name).read_text() != FOREIGN[name]


@pytest.mark.parametrize("flag", ["--markdown", "--junit-xml"])
def test_run_never_overwrites_a_hand_written_summary(files, tmp_path, capsys, loads, flag):
    readme = tmp_path / "README.md"
    readme.write_text("# Project\n\nWritten by hand.\n")
    assert main(_run(files, tmp_path / "out", flag, str(readme))) == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"Refusing to overwrite {readme}" in err and "--force" in err
    assert readme.read_text() == "# Project\n\nWritten by hand.\n"
    assert loads == [] and not (tmp_path / "out").exists()


def test_two_outputs_on_one_file_are_refused(files, tmp_path, capsys, loads):
    out = tmp_path / "out"
    assert main(_run(files, out, "--markdown", str(out / "biased.json"))) == EXIT_USAGE
    assert "are the same file" in capsys.readouterr().err and loads == []


def test_three_concurrent_runs_leave_one_consistent_set(files, tmp_path):
    out = tmp_path / "out"
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "audit", *_run(files, out, "--fail-on", "none", "--name", name)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("run_one", "run_two", "run_three")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == EXIT_OK, err
    record = json.loads((out / "biased.json").read_text())
    title = re.search(r"<title>Model audit — (.*?)</title>", (out / "biased.html").read_text())
    assert title is not None and title.group(1) == record["model"]["name"]
    assert record["model"]["name"] in ("run_one", "run_two", "run_three")
    assert sorted(p.name for p in out.iterdir()) == ["biased.html", "biased.json"]


# ------------------------------------------------------------------ terminal


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\", "click"),
        ("\x1b]8;;http://evil.example\x07click\x1b]8;;\x07", "click"),
        ("\x9b2Jx", "x"),
        ("a\rb", "a\\rb"),
        ("bell\x07", "bell\\x07"),
        ("left\u202eright", "left\\u202eright"),
        ("lone \x1b", "lone \\x1b"),
        ("[torch] [bold]x[/bold]", "[torch] [bold]x[/bold]"),
    ],
)
def test_term_text_removes_escapes_and_shows_controls(raw, shown):
    assert term_text(raw) == shown


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font:UserWarning")
def test_user_strings_print_inert(files, tmp_path, capsys):
    import pandas as pd

    frame = pd.read_csv(files / "biased.csv")
    evil = {
        "A": "\x1b[31mA\x1b[0m [torch]",
        "B": "\x1b]8;;http://evil.example\x1b\\B\x1b]8;;\x1b\\\rOK",
    }
    frame["group"] = frame["group"].map(evil)
    data = tmp_path / "evil.csv"
    frame.to_csv(data, index=False, quoting=csv.QUOTE_NONNUMERIC)  # pandas leaves \r unquoted
    out = tmp_path / "out\x1b]8;;http://evil.example\x07x\x1b]8;;\x07"
    argv = _run(files, out, "--fail-on", "selection_rate.ratio >= 0.8", "--name", "[bold]m")
    argv[argv.index("--data") + 1] = str(data)
    assert main(argv) == EXIT_GATE_FAILED
    captured = capsys.readouterr()
    printed = captured.out + captured.err
    assert "\x1b" not in printed and "\x07" not in printed and "\r" not in printed
    assert "[bold]m" in printed  # rich markup in a user string prints as written
    assert "A [torch]" in printed and "B\\rOK" in printed  # the gate table's groups
    assert "report: " + str(tmp_path / "outx") in printed  # the file name, link removed


def test_error_messages_print_inert(files, tmp_path, capsys):
    argv = _run(files, tmp_path / "out")
    argv[argv.index("--data") + 1] = str(tmp_path / "missing\x1b[2J\r.csv")
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\r" not in err and "Data file not found" in err


# ------------------------------------------------------------------ errors before work


def test_unknown_metric_from_every_rule_source_is_refused_before_loading(
    files, tmp_path, capsys, loads
):
    argv = _run(files, tmp_path / "out", "--fail-on", "selection_rate.ration >= 0.8")
    assert main(argv) == EXIT_USAGE
    assert "Did you mean 'selection_rate.ratio'?" in capsys.readouterr().err
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.model-audit]\nrules = ["findings.critcal == 0"]\n')
    assert main(_run(files, tmp_path / "out", "--config", str(config))) == EXIT_USAGE
    assert "Did you mean 'findings.critical'?" in capsys.readouterr().err
    assert loads == [] and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("flag", "value", "closest"),
    [("--target", "zzz_labl", "zzz_label"), ("--sensitive", "grop", "group")],
)
def test_wrong_column_suggests_from_all_columns_and_lists_them(
    files, tmp_path, capsys, loads, flag, value, closest
):
    argv = _run(files, tmp_path / "out")
    argv[argv.index(flag) + 1] = value
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"Unknown column {value!r}" in err and f"Did you mean {closest!r}?" in err
    for column in (*EXTRA, "zzz_label", "group", "y"):  # every column, none hidden
        assert repr(column) in err
    assert loads == []  # checked before the model is loaded


def test_baseline_of_other_sensitive_attributes_is_refused_before_loading(
    files, tmp_path, capsys, loads
):
    baseline = tmp_path / "old.json"
    assert main(_run(files, tmp_path / "first", "--fail-on", "none")) == EXIT_OK
    record = json.loads((tmp_path / "first" / "biased.json").read_text())
    record["data"]["sensitive"] = {"race": {"x": 1}}
    baseline.write_text(json.dumps(record))
    loads.clear()
    assert main(_run(files, tmp_path / "out", "--baseline", str(baseline))) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "audited the sensitive attribute(s) ['race']" in err
    assert "--allow-other-baseline" in err and loads == []


def test_baseline_of_other_data_is_refused_before_writing(files, tmp_path, capsys):
    first = tmp_path / "first"
    assert main(_run(files, first, "--fail-on", "none", model="fair")) == EXIT_OK
    out = tmp_path / "out"
    argv = _run(files, out, "--baseline", str(first / "fair.json"))
    assert main(argv) == EXIT_USAGE  # the biased data is other data
    assert "was computed on other data" in capsys.readouterr().err
    assert not out.exists()
    assert main([*argv, "--allow-other-baseline"]) == EXIT_GATE_FAILED
    assert "regression" in capsys.readouterr().out
