import pytest
from html_probe import Probe
from report_models import planted_disparity_report


@pytest.fixture(scope="module")
def report():
    return planted_disparity_report(n_boot=200)


@pytest.fixture(scope="module")
def probe(report):
    return Probe(report.to_html())


def test_flags_first_then_sections(report, probe):
    for needed in ("verdict", "flags", "section-model-card", "section-fairness", "evidence"):
        assert needed in probe.ids
    html = report.to_html()
    assert (
        html.index('id="verdict"')
        < html.index('id="flags"')
        < html.index('id="section-model-card"')
    )


def test_the_planted_disparity_is_flagged(report, probe):
    codes = [f["data-code"] for f in probe.flags]
    assert "disparity_ratio" in codes and "disparity_difference" in codes
    assert report.verdict == "critical"
    assert f"{report.counts['critical']} critical" in probe.text


def test_every_flag_links_to_its_evidence(report, probe):
    assert len(probe.flags) == len(report.findings)
    for i in range(1, len(report.findings) + 1):
        assert f"evidence-{i}" in probe.links and f"evidence-{i}" in probe.ids
    assert set(probe.links) <= probe.ids


def test_group_table_with_cis_and_insufficient_marks(report, probe):
    text = probe.text
    gm = report.fairness
    assert gm.n_boot == 200
    low = gm.ci_low["selection_rate"].iloc[0]
    assert f"[{100 * low:.1f}%," in text  # rates as percentages, intervals too
    marginals = report.outputs["fairness"].extras["marginals"]
    assert set(marginals) == {"group", "region"}
    assert "By group alone" in text and "By region alone" in text
    assert "Disparity against the 0.8–1.25 tolerance band" in text
    assert "<svg" in report.to_html()


def test_no_scripts_and_no_external_references(probe):
    assert "script" not in probe.tags
    assert probe.external == []


def test_insufficient_cells_are_marked():
    import numpy as np

    report = planted_disparity_report(n=400)
    gm = report.fairness
    assert (~gm.sufficient.to_numpy()).any()
    html = report.to_html()
    assert 'class="insufficient"' in html and "†" in html
    assert np.isfinite(gm.by_group["selection_rate"]).all()
