"""The README's first Python example runs as written (in a temporary folder)."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_python_example(tmp_path, monkeypatch):
    text = README.read_text(encoding="utf-8")
    block = re.search(r"## Python\n\n```python\n(.*?)```", text, re.S)
    assert block, "the README must keep its Python example"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reports").mkdir()
    namespace: dict = {}
    exec(compile(block.group(1), "README.md", "exec"), namespace)
    report = namespace["report"]
    assert report.fairness is not None and len(report.fairness.by_group) >= 2
    assert (tmp_path / "reports" / "adult.html").stat().st_size > 10_000
    assert (tmp_path / "reports" / "adult.json").is_file()

    weights_block = re.search(r"continuing the example above\):\n\n```python\n(.*?)```", text, re.S)
    assert weights_block, "the README must keep its weight-tools example"
    exec(compile(weights_block.group(1), "README.md", "exec"), namespace)
    table = namespace["result"].table
    assert {"original", "modified", "difference"} <= set(table.columns)
    assert namespace["tracker"].to_frame()["epoch"].nunique() == 5
    tokens = namespace["token_weights"](namespace["text_model"], k=10)
    assert len(tokens) >= 20
