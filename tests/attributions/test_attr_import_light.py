"""Importing the attribution package does not import shap or torch."""

from __future__ import annotations

import subprocess
import sys


def test_import_does_not_load_shap_or_torch():
    code = (
        "import sys, audit.attributions, audit.importance, audit.proxies; "
        "print('shap' in sys.modules, 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
