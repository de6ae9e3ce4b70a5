import subprocess
import sys


def test_import_audit_loads_no_torch_shap_or_sklearn():
    code = (
        "import sys, audit, audit.fairness, audit.weights, audit.gates, audit.errors,"
        " audit.policy, audit.findings;"
        "bad=[m for m in ('torch','shap','sklearn','matplotlib') if m in sys.modules];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_public_names_resolve():
    import audit

    for name in audit.__all__:
        assert getattr(audit, name) is not None
