import numpy as np
import pytest

from audit.datasets import load_adult, load_german_credit, make_biased_classification
from audit.errors import DataValidationError


def test_adult():
    df = load_adult()
    assert df.shape == (48842, 16)
    assert df["split"].value_counts().to_dict() == {"train": 32561, "test": 16281}
    assert set(df["income"].unique()) == {0, 1} and df["income"].notna().all()
    assert abs(df["income"].mean() - 0.2393) < 1e-3
    assert set(df["sex"].unique()) == {"Male", "Female"}
    assert not df["race"].str.startswith(" ").any()
    assert load_adult(drop_missing=True).shape == (45222, 16)


def test_german_credit():
    df = load_german_credit()
    assert df.shape == (1000, 23)
    assert df["credit_risk"].value_counts().to_dict() == {1: 700, 0: 300}
    assert df["sex"].value_counts().to_dict() == {"male": 690, "female": 310}
    assert df["age_group"].value_counts().to_dict() == {">= 25": 851, "< 25": 149}
    assert not df.isna().any().any()


def test_biased_ground_truth():
    data = make_biased_classification(20000, bias=1.0, proxy_strength=0.7, random_state=1)
    X, y = data
    a = (X["group"] == "A").to_numpy()
    assert abs(np.corrcoef(X["proxy"], np.where(a, 1, -1))[0, 1] - 0.7) < 0.02
    assert abs(np.corrcoef(X["noise"], a)[0, 1]) < 0.03
    assert y[a].mean() - y[~a].mean() > 0.25
    fair = make_biased_classification(20000, bias=0.0, random_state=1)
    fa = (fair.X["group"] == "A").to_numpy()
    assert abs(fair.y[fa].mean() - fair.y[~fa].mean()) < 0.03


def test_biased_bad_arguments():
    with pytest.raises(DataValidationError, match="proxy_strength must be in"):
        make_biased_classification(10, proxy_strength=1.5)
    with pytest.raises(DataValidationError, match="weights must be 4 numbers"):
        make_biased_classification(10, weights=[1, 2])


def test_loaders_work_from_a_built_wheel(tmp_path):
    """A regular (non-editable) install carries the data inside the package."""
    import subprocess
    import sys
    import zipfile
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    try:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--no-build-isolation",
                "-q",
                "-w",
                str(tmp_path),
                str(root),
            ],
            check=True,
            capture_output=True,
        )
    except subprocess.CalledProcessError as exc:  # pragma: no cover - environment problem
        pytest.fail(exc.stderr.decode()[-2000:])
    wheel = next(tmp_path.glob("model_audit-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for needed in (
        "audit/_datasets/adult/adult.data.gz",
        "audit/_datasets/adult/adult.test.gz",
        "audit/_datasets/german_credit/german.data.gz",
        "audit/py.typed",
        "audit/report/templates/report.html.j2",
    ):
        assert needed in names
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    code = (
        "from audit.datasets import load_adult, load_german_credit;"
        "print(len(load_adult()), len(load_german_credit()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(target), "PATH": ""},
    )
    assert out.stdout.split() == ["48842", "1000"], out.stderr
