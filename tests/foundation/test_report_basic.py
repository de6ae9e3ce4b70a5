import json

import pytest
from sklearn.linear_model import LogisticRegression

import audit
from audit.errors import ReportWriteError


@pytest.fixture(scope="module")
def report(biased):
    model = LogisticRegression().fit(biased.X[["proxy", "x0", "x1"]], biased.y)
    return audit.audit_model(
        model, biased.X, biased.y, sensitive_features="group", analyzers=["fairness"]
    )


def test_report_basics(report, biased):
    assert report.model["task"] == "binary" and report.data["n_rows"] == 2000
    expected = biased.X["group"].value_counts().to_dict()
    assert report.data["sensitive"] == {"group": expected}
    assert list(report.outputs) == ["fairness"]
    d = report.to_dict()
    assert d["schema_version"] == "1.0" and d["generator"] == "model-audit"
    json.dumps(d, allow_nan=False)
    assert "<h1>Model audit: LogisticRegression</h1>" in report.to_html()
    assert report.to_markdown().startswith("<!-- model-audit -->")
    assert "Model audit" in report._repr_html_()


def test_json_is_deterministic(biased):
    model = LogisticRegression().fit(biased.X[["proxy", "x0"]], biased.y)
    a = audit.audit_model(model, biased.X, biased.y, sensitive_features="group", random_state=3)
    b = audit.audit_model(model, biased.X, biased.y, sensitive_features="group", random_state=3)
    assert a.to_json() == b.to_json()


def test_writer_refuses_foreign_files_and_missing_folders(report, tmp_path):
    foreign = tmp_path / "notes.html"
    foreign.write_text("<html>my own notes</html>")
    with pytest.raises(ReportWriteError, match="not a report written by model-audit"):
        report.to_html(foreign)
    assert foreign.read_text() == "<html>my own notes</html>"
    report.to_html(foreign, overwrite=True)
    ours = tmp_path / "r.html"
    report.to_html(ours)
    report.to_html(ours)  # replacing our own report is fine
    record = tmp_path / "r.json"
    report.to_json(record)
    report.to_json(record)  # the record sorts "generator" late: still recognised as ours
    md = tmp_path / "r.md"
    report.to_markdown(md)
    report.to_markdown(md)
    with pytest.raises(ReportWriteError, match="does not exist"):
        report.to_json(tmp_path / "missing" / "r.json")
    assert not list(tmp_path.glob(".*.tmp"))


def test_unknown_analyzer(biased):
    model = LogisticRegression().fit(biased.X[["x0"]], biased.y)
    from audit.errors import DataValidationError

    with pytest.raises(DataValidationError, match="Unknown analyzer 'shapp'"):
        audit.audit_model(model, biased.X, biased.y, analyzers=["shapp"])


def test_compare(report):
    comp = audit.compare([report, report])
    assert len(comp.to_frame()) == 2
    assert "2 models side by side" in comp.to_html()
    with pytest.raises(ValueError, match="non-empty sequence of AuditReport"):
        audit.compare([])
