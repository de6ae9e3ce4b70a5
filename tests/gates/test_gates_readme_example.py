"""The README's pytest example runs as written."""

import re
from pathlib import Path

pytest_plugins = ["pytester"]

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_pytest_example_runs(pytester):
    text = README.read_text(encoding="utf-8")
    block = re.search(r"```python\n(# tests/test_fairness_gate.py\n.*?)```", text, re.S)
    assert block, "the README must keep its pytest example"
    pytester.makepyfile(test_fairness_gate=block.group(1))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) + outcomes.get("failed", 0) == 1
    assert "error" not in outcomes and "errors" not in outcomes
    result.stdout.fnmatch_lines(["*model-audit gates*"])
