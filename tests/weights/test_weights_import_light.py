"""``import audit.weights`` loads neither torch, shap nor matplotlib."""

from __future__ import annotations

import subprocess
import sys


def test_import_does_not_load_heavy_modules():
    code = (
        "import sys, audit.weights, audit.analyzers.weights; "
        "print(sorted(m for m in ('torch', 'shap', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"
