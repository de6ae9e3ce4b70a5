"""CI outputs a team can rely on: ownership, output sets, verdicts in every file, escaping.

* every writer replaces only what model-audit wrote, with one exact check
  (``model-audit-fake`` is not ours), and refuses with a typed error otherwise;
* the files of one run land as a set under the folder's lock, whatever runs
  write into the same folder at the same time;
* the Markdown and JUnit files always carry the verdict and the findings, and
  the baseline comparison reports what appeared, disappeared, or is not
  comparable (other data, other sensitive attributes);
* user strings cannot break out of a Markdown cell or make JUnit malformed.
"""

from __future__ import annotations

import json
import re
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from audit.cli import EXIT_GATE_FAILED, EXIT_OK, EXIT_USAGE, main
from audit.errors import OutputExistsError, ReportWriteError
from audit.facts import Fact
from audit.gates import check_rules, junit_xml, markdown_summary
from audit.report import (
    output_lock,
    write_outputs_atomic,
    write_text_atomic,
    written_by_model_audit,
)

RULE = "selection_rate.ratio >= 0.8"


@pytest.fixture(scope="module")
def records(tmp_path_factory, biased_audit, fair_audit):
    folder = tmp_path_factory.mktemp("ci_records")
    biased_audit.to_json(folder / "biased.json")
    fair_audit.to_json(folder / "fair.json")
    return folder


def _check(*args: str) -> list[str]:
    return ["check", *args]


# ------------------------------------------------------------------ ownership

OURS = {
    "report.html": '<!DOCTYPE html>\n<head>\n<meta name="generator" content="model-audit 0.3.1">',
    "compare.html": '<!DOCTYPE html>\n<head>\n<meta name="generator" content="model-audit">',
    "record.json": '{"schema_version": "1.0", "generator": "model-audit"}',
    "summary.md": "<!-- model-audit -->\n## model-audit gates\n",
    "gates.xml": '<?xml version="1.0" encoding="utf-8"?>\n<!-- model-audit -->\n<testsuites/>\n',
    "empty.md": "",
}
NOT_OURS = {
    "fake.html": '<!DOCTYPE html>\n<head>\n<meta name="generator" content="model-audit-fake">',
    "fake2.html": '<!DOCTYPE html><head><meta name="generator" content="model-auditor 1.0">',
    "fake.json": '{"generator": "model-audit-fake"}',
    "fake.md": "<!-- model-audit-fake -->\nhello\n",
    "late.md": "# My project\n\n<!-- model-audit -->\n",
    "README.md": "# My project\n\nHand-written.\n",
    "pytest.xml": '<?xml version="1.0" encoding="utf-8"?>\n<testsuites name="model-audit"/>\n',
    "notes.txt": "model-audit\n",
}


@pytest.mark.parametrize("name", sorted(OURS))
def test_files_model_audit_wrote_are_recognised_exactly(tmp_path, name):
    path = tmp_path / name
    path.write_text(OURS[name], encoding="utf-8")
    assert written_by_model_audit(path)
    write_text_atomic(path, "<!-- model-audit -->\nnew\n")
    assert path.read_text() == "<!-- model-audit -->\nnew\n"


@pytest.mark.parametrize("name", sorted(NOT_OURS))
def test_any_other_file_is_refused_with_a_typed_error(tmp_path, name):
    path = tmp_path / name
    path.write_text(NOT_OURS[name], encoding="utf-8")
    assert not written_by_model_audit(path)
    with pytest.raises(OutputExistsError) as info:
        write_text_atomic(path, "replaced")
    assert isinstance(info.value, ReportWriteError) and isinstance(info.value, FileExistsError)
    assert str(path) in str(info.value) and "--force" in str(info.value)
    assert "overwrite=True" in str(info.value)
    assert path.read_text(encoding="utf-8") == NOT_OURS[name]
    write_text_atomic(path, "replaced", overwrite=True)
    assert path.read_text() == "replaced"


def test_every_report_writer_uses_the_exact_check(tmp_path, fair_audit):
    import audit

    fake = NOT_OURS["fake.html"]
    for name, write in (
        ("a.html", fair_audit.to_html),
        ("a.json", fair_audit.to_json),
        ("a.md", fair_audit.to_markdown),
        ("c.html", audit.compare([fair_audit]).to_html),
    ):
        path = tmp_path / name
        path.write_text(fake)
        with pytest.raises(OutputExistsError, match="--force"):
            write(path)
        assert path.read_text() == fake
        write(path, overwrite=True)
        assert written_by_model_audit(path)
        write(path)  # ours now: replaced without asking


def test_gate_files_are_marked_and_replaced_on_the_next_run(records, tmp_path):
    junit, md = tmp_path / "gates.xml", tmp_path / "summary.md"
    argv = _check(str(records / "fair.json"), "--fail-on", RULE)
    argv += ["--junit-xml", str(junit), "--markdown", str(md)]
    assert main(argv) == EXIT_OK
    assert junit.read_text().splitlines()[1] == "<!-- model-audit -->"
    assert md.read_text().splitlines()[0] == "<!-- model-audit -->"
    assert written_by_model_audit(junit) and written_by_model_audit(md)
    assert main(argv) == EXIT_OK  # its own files: replaced, no --force needed


@pytest.mark.parametrize("flag", ["--markdown", "--junit-xml"])
def test_check_refuses_a_hand_written_file_unless_forced(records, tmp_path, capsys, flag):
    readme = tmp_path / "README.md"
    readme.write_text("# My project\n")
    argv = _check(str(records / "biased.json"), "--fail-on", RULE, flag, str(readme))
    assert main(argv) == EXIT_USAGE  # was: README.md became a gate summary
    err = capsys.readouterr().err
    assert f"Refusing to overwrite {readme}" in err and "--force" in err
    assert readme.read_text() == "# My project\n"
    assert main([*argv, "--force"]) == EXIT_GATE_FAILED
    assert written_by_model_audit(readme)


def test_the_empty_step_summary_of_a_ci_job_may_be_written(records, tmp_path):
    summary = tmp_path / "step_summary"
    summary.touch()  # GitHub creates $GITHUB_STEP_SUMMARY empty
    argv = _check(str(records / "fair.json"), "--fail-on", RULE, "--markdown", str(summary))
    assert main(argv) == EXIT_OK
    assert "**PASSED**" in summary.read_text()


# ------------------------------------------------------------------ output sets


def test_concurrent_writers_never_leave_a_mixed_set(tmp_path):
    """Six writers, 25 sets each, into one folder; a reader holding the lock checks each pair."""
    folder = tmp_path / "out"
    folder.mkdir()
    html, record = folder / "model.html", folder / "model.json"
    errors: list[BaseException] = []
    mixed: list[tuple[str, str]] = []
    done = threading.Event()

    def page(run: str) -> str:
        return (
            '<!DOCTYPE html>\n<html><head>\n<meta name="generator" content="model-audit 1.0">\n'
            f"<title>{run}</title></head><body>{'x' * 20000}</body></html>\n"
        )

    def writer(k: int) -> None:
        try:
            for i in range(25):
                run = f"run-{k}-{i}"
                text = json.dumps({"generator": "model-audit", "run": run, "pad": "y" * 20000})
                write_outputs_atomic({html: page(run), record: text})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def reader() -> None:
        while not done.is_set():
            with output_lock(folder):
                if html.exists() and record.exists():
                    shown = re.search(r"<title>(.*)</title>", html.read_text()).group(1)
                    stored = json.loads(record.read_text())["run"]
                    if shown != stored:
                        mixed.append((shown, stored))

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(6)]
    watcher = threading.Thread(target=reader)
    watcher.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    watcher.join()
    assert errors == [] and mixed == []
    shown = re.search(r"<title>(.*)</title>", html.read_text()).group(1)
    assert shown == json.loads(record.read_text())["run"]
    assert sorted(p.name for p in folder.iterdir()) == ["model.html", "model.json"]


def test_the_lock_holder_may_write_and_others_wait(tmp_path):
    events: list[str] = []

    def other() -> None:
        write_text_atomic(tmp_path / "b.md", "<!-- model-audit -->\nb\n")
        events.append("other wrote")

    def holder() -> None:
        with output_lock(tmp_path):
            write_text_atomic(tmp_path / "a.md", "<!-- model-audit -->\na\n")  # re-entrant
            waiting = threading.Thread(target=other)
            waiting.start()
            waiting.join(timeout=0.5)
            events.append("holder done")
        waiting.join(timeout=10)

    thread = threading.Thread(target=holder)
    thread.start()
    thread.join(timeout=20)
    assert not thread.is_alive()
    assert events == ["holder done", "other wrote"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md", "b.md"]  # no lock left


def test_a_set_with_one_foreign_file_writes_nothing(tmp_path):
    (tmp_path / "a.json").write_text('{"generator": "model-audit"}')
    (tmp_path / "b.html").write_text("<!DOCTYPE html><p>mine</p>")
    with pytest.raises(OutputExistsError, match=r"b\.html"):
        write_outputs_atomic(
            {tmp_path / "a.json": '{"generator": "model-audit", "v": 2}', tmp_path / "b.html": "x"}
        )
    assert json.loads((tmp_path / "a.json").read_text()) == {"generator": "model-audit"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.html"]


def test_a_set_is_one_folder_of_distinct_files(tmp_path):
    (tmp_path / "sub").mkdir()
    with pytest.raises(ReportWriteError, match="one folder at a time"):
        write_outputs_atomic({tmp_path / "a.md": "", tmp_path / "sub" / "b.md": ""})
    with pytest.raises(ReportWriteError, match="same file"):
        write_outputs_atomic({tmp_path / "a.md": "1", str(tmp_path / "a.md"): "2"})


# ------------------------------------------------------------------ verdicts in every file


def test_junit_and_markdown_carry_verdict_and_findings_without_rules(records, tmp_path):
    junit, md = tmp_path / "gates.xml", tmp_path / "summary.md"
    biased = str(records / "biased.json")
    argv = _check(biased, "--baseline", biased, "--junit-xml", str(junit), "--markdown", str(md))
    assert main(argv) == EXIT_OK
    record = json.loads(Path(biased).read_text())
    suite = ET.parse(junit).getroot().find("testsuite")
    assert int(suite.get("tests")) > 0
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["verdict"] == record["verdict"] and props["gate"] == "none"
    assert props["findings.critical"] == str(record["counts"]["critical"])
    severity_cases = suite.findall("testcase[@classname='model-audit.findings']")
    assert [c.get("name").split()[0] for c in severity_cases] == ["critical", "warning", "info"]
    critical = severity_cases[0]
    assert critical.get("name") == f"critical findings: {record['counts']['critical']}"
    assert critical.find("failure") is None  # informational: the gate decides
    listed = critical.findtext("system-out")
    for f in record["findings"]:
        if f["severity"] == "critical":
            assert f["title"] in listed
    text = md.read_text()
    assert f"verdict **{record['verdict'].upper()}**" in text
    assert "### Findings" in text and "**PASSED** (no rule gated; no regression" in text
    assert "gate: the baseline comparison only" in text
    assert text.count("\n| critical |") == record["counts"]["critical"]


def test_junit_is_never_empty(fair_audit):
    root = ET.fromstring(junit_xml(None, record=fair_audit.to_dict()))
    assert root.find("testsuite").get("tests") == "3"


def test_markdown_shows_a_failed_gate_with_its_findings(records, tmp_path):
    md = tmp_path / "summary.md"
    argv = _check(str(records / "biased.json"), "--fail-on", RULE, "--markdown", str(md))
    assert main(argv) == EXIT_GATE_FAILED
    text = md.read_text()
    assert "**FAILED**" in text and "`selection_rate.ratio >= 0.8`" in text
    assert "| critical |" in text and "gate: --fail-on" in text


# ------------------------------------------------------------------ baseline


def _edited(records: Path, tmp_path: Path, name: str, edit) -> Path:
    record = json.loads((records / "biased.json").read_text())
    edit(record)
    path = tmp_path / name
    path.write_text(json.dumps(record))
    return path


def test_baseline_reports_metrics_that_appeared_or_disappeared(records, tmp_path, capsys):
    def drop_tpr(record):
        del record["facts"]["tpr.difference"]

    def no_value_for_fpr(record):
        record["facts"]["fpr.difference"]["value"] = None

    baseline = _edited(records, tmp_path, "old.json", drop_tpr)
    current = _edited(records, tmp_path, "new.json", no_value_for_fpr)
    md, junit = tmp_path / "s.md", tmp_path / "g.xml"
    argv = _check(str(current), "--baseline", str(baseline), "--markdown", str(md))
    assert main([*argv, "--junit-xml", str(junit)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "appeared since the baseline: tpr.difference" in out
    assert "disappeared since the baseline (not compared): fpr.difference" in out
    assert "0 regression(s)" in out and "gate passed" in out
    text = md.read_text()
    assert "appeared (not in the baseline): `tpr.difference`" in text
    assert "disappeared (not compared): `fpr.difference`" in text
    skipped = [
        c.get("name")
        for c in ET.parse(junit).getroot().iter("testcase")
        if c.find("skipped") is not None
    ]
    assert skipped == ["fpr.difference"]


def test_check_prints_a_summary_when_nothing_regressed(records, capsys):
    fair = str(records / "fair.json")
    assert main(_check(fair, "--baseline", fair)) == EXIT_OK
    out = capsys.readouterr().out
    assert "record: fair: verdict" in out
    assert re.search(r"baseline .*fair\.json: \d+ metric\(s\) compared .* 0 regression", out)
    assert "gate passed" in out


@pytest.mark.parametrize(
    ("name", "edit", "message"),
    [
        (
            "other_sensitive.json",
            lambda r: r["data"].update(sensitive={"race": {"a": 1}}),
            "audited the sensitive attribute(s) ['race'] and this audit ['group']",
        ),
        (
            "other_data.json",
            lambda r: r["data"].update(data_hash="0123456789abcdef"),
            "was computed on other data (data hash 0123456789abcdef",
        ),
    ],
)
def test_a_baseline_of_other_data_is_refused_unless_allowed(
    records, tmp_path, capsys, name, edit, message
):
    baseline = _edited(records, tmp_path, name, edit)
    argv = _check(str(records / "biased.json"), "--baseline", str(baseline))
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert message in err and "--allow-other-baseline" in err
    assert main([*argv, "--allow-other-baseline"]) == EXIT_OK


# ------------------------------------------------------------------ escaping per sink

EVIL_GROUPS = (
    "A\r## All fairness gates PASSED\rvs [click](http://evil) ![i](http://x.png) <img src=x> | B"
)


def _evil_gate():
    facts = {
        "selection_rate.ratio": Fact("selection_rate.ratio", 0.5, groups=EVIL_GROUPS),
        "tpr[a\rb].difference": Fact("tpr[a\rb].difference", 0.05, groups="x\x1b[31m\x07y"),
    }
    return check_rules([RULE, "tpr[a\rb].difference <= 0.1"], facts)


def test_markdown_user_strings_stay_in_their_cell():
    record = {
        "model": {"name": "m\n# PASSED"},
        "verdict": "critical",
        "counts": {"critical": 1, "warning": 0, "info": 0, "insufficient_evidence": 0},
        "findings": [
            {"severity": "critical", "title": "t\u2028## ok", "subject": "<b>|[x](y)</b>"}
        ],
    }
    text = markdown_summary(_evil_gate(), record=record)
    assert "\r" not in text and "\x1b" not in text and "\u2028" not in text
    headings = [line for line in text.split("\n") if line.startswith("#")]
    assert headings == ["## model-audit gates", "### Findings"]
    assert "**FAILED**" in text and "**PASSED**" not in text
    plain = re.sub(r"`[^`]*`", "", text)  # code spans (the rules) show text as it is
    assert not re.search(r"(?<!\\)\]\(", plain)  # no link or image syntax
    assert not re.search(r"(?<!\\)<(?!!-- model-audit -->)", plain)  # no raw tag
    for line in text.split("\n"):
        if line.startswith("| ") and not line.startswith("|---"):
            cells = re.split(r"(?<!\\)\|", line)[1:-1]
            assert len(cells) in (3, 4), line  # pipes inside values are escaped


def test_junit_stays_well_formed_with_control_characters():
    record = {
        "model": {"name": "m\x00\x1b[2J"},
        "verdict": "critical",
        "counts": {"critical": 1},
        "findings": [{"severity": "critical", "title": "t\x0b\x1f", "subject": "s\ud800"}],
    }
    text = junit_xml(_evil_gate(), record=record)
    root = ET.fromstring(text.encode("utf-8"))
    names = [c.get("name") for c in root.iter("testcase")]
    assert "tpr[a\nb].difference <= 0.1" in names or "tpr[a\rb].difference <= 0.1" in names
    out = root.find(".//testcase[@classname='model-audit.findings']/system-out").text
    assert "\\x0b" in out and "\\x1f" in out and "\\ud800" in out
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert props["model"] == "m\\x00\\x1b[2J"
