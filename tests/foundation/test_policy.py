import pytest

from audit.errors import DataValidationError
from audit.policy import Policy


def test_defaults_match_design():
    p = Policy()
    assert (p.ratio_warning, p.ratio_critical) == (0.8, 0.6)
    assert (p.difference_warning, p.difference_critical) == (0.1, 0.2)
    assert p.min_count == 30 and p.weight_concentration == 0.5 and p.insufficient == "warn"


def test_from_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.model-audit]\nratio-warning = 0.9\nmin_count = 50\n"
        'rules = ["selection_rate.ratio >= 0.9"]\n'
    )
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    p = Policy.from_pyproject(sub)
    assert p.ratio_warning == 0.9 and p.min_count == 50
    assert p.rules == ("selection_rate.ratio >= 0.9",)


def test_missing_table_gives_defaults(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    assert Policy.from_pyproject(tmp_path) == Policy()


def test_bad_settings(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.model-audit]\nratio_warnin = 0.9\n")
    with pytest.raises(DataValidationError, match="Unknown policy setting 'ratio_warnin'"):
        Policy.from_pyproject(tmp_path)
    with pytest.raises(DataValidationError, match="ratio_critical must be <= ratio_warning"):
        Policy(ratio_critical=0.9)
    with pytest.raises(DataValidationError, match="'insufficient'"):
        Policy().replace(insufficient="maybe")
