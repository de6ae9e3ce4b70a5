"""pytest plugin of model-audit (entry point ``pytest11: model_audit``).

Dormant unless used: it imports nothing heavy at start-up, adds the ``fairness``
marker, the ``--audit-report DIR`` option, the fixtures ``audit_policy`` and
``model_audit``, and a terminal summary of the gates that ran.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

# Rewrite asserts in the helpers, so a failing gate shows pytest's introspection.
pytest.register_assert_rewrite("audit.gates._assert")

_RECORDS = pytest.StashKey[list]()
_REPORTS = pytest.StashKey[list]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--audit-report DIR``."""
    group = parser.getgroup("model-audit")
    group.addoption(
        "--audit-report",
        action="store",
        default=None,
        metavar="DIR",
        help="model-audit: write the HTML report of every audit a gate judged into DIR",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker and start collecting gates (nothing heavy is imported)."""
    config.addinivalue_line("markers", "fairness: a model-audit fairness gate")
    config.stash[_RECORDS] = []
    config.stash[_REPORTS] = []

    def listener(name: str, result: Any, subject: Any) -> None:
        current = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0]
        config.stash[_RECORDS].append((f"{current}: {name}" if current else name, result))
        if hasattr(subject, "to_html"):
            config.stash[_REPORTS].append(subject)

    config._model_audit_listener = listener  # type: ignore[attr-defined]
    from audit.gates._listeners import gate_listeners

    gate_listeners.append(listener)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop collecting."""
    from audit.gates._listeners import gate_listeners

    listener = getattr(config, "_model_audit_listener", None)
    if listener in gate_listeners:
        gate_listeners.remove(listener)


@pytest.fixture(scope="session")
def audit_policy(pytestconfig: pytest.Config) -> Any:
    """The project's policy, read from ``[tool.model-audit]`` of the rootdir's pyproject.toml."""
    from audit.policy import Policy

    return Policy.from_pyproject(Path(str(pytestconfig.rootpath)))


@pytest.fixture
def model_audit(audit_policy: Any) -> Any:
    """A callable ``model_audit(model, X, y, **kw)`` that audits with the project policy."""
    import audit

    def run(model: Any, X: Any, y: Any = None, **kwargs: Any) -> Any:
        kwargs.setdefault("policy", audit_policy)
        return audit.audit_model(model, X, y, **kwargs)

    return run


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """List the gates that ran, and write reports for ``--audit-report``."""
    records = config.stash.get(_RECORDS, [])
    if not records:
        return
    tr = terminalreporter
    tr.section("model-audit gates")
    counts = {"passed": 0, "failed": 0, "insufficient": 0}
    for name, result in records:
        if not result.passed:
            state = "failed"
        elif result.insufficient:
            state = "insufficient"
        else:
            state = "passed"
        counts[state] += 1
        tr.write_line(f"{state.upper():<13} {name}")
    tr.write_line(
        f"{counts['passed']} gates passed, {counts['failed']} failed, "
        f"{counts['insufficient']} with insufficient evidence"
    )
    out = config.getoption("--audit-report")
    if out:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        for i, report in enumerate(config.stash.get(_REPORTS, []), start=1):
            safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in report.model["name"])
            path = folder / f"gate-{i:02d}-{safe}.html"
            report.to_html(path, overwrite=False)
            tr.write_line(f"audit report: {path}")
