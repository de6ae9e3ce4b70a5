"""Thread pools sized to the machine (audit._threads): limits applied, restored, overridable."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sklearn.ensemble  # noqa: F401  (loads scikit-learn's OpenMP runtime)
from threadpoolctl import threadpool_info, threadpool_limits

import audit
from audit import _threads
from audit._threads import (
    BAD_THREADS,
    BAD_THREADS_ENV,
    THREADS_ENV,
    available_cpus,
    limited_threads,
    other_running,
    thread_budget,
)
from audit.errors import InvalidParameterError


def _pools() -> dict[str, int]:
    """num_threads of every BLAS / OpenMP library loaded, by file."""
    return {info["filepath"]: info["num_threads"] for info in threadpool_info()}


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    monkeypatch.delenv(THREADS_ENV, raising=False)


def test_both_kinds_of_pool_are_loaded():
    apis = {info["user_api"] for info in threadpool_info()}
    assert {"blas", "openmp"} <= apis


def test_limits_every_pool_inside_and_restores_after():
    before = _pools()
    with limited_threads(1) as threads:
        assert threads == 1
        inside = _pools()
    assert set(inside) == set(before)
    assert set(inside.values()) == {1}
    assert _pools() == before


def test_restores_after_an_error():
    before = _pools()
    with pytest.raises(RuntimeError, match="boom"), limited_threads(1):
        raise RuntimeError("boom")
    assert _pools() == before


def test_default_budget_is_within_the_cpus_and_applied():
    before = _pools()
    with limited_threads() as threads:
        assert 1 <= threads <= available_cpus()
        assert threads <= min(before.values())
        assert set(_pools().values()) == {threads}
    assert _pools() == before


def test_environment_variable_is_honoured(monkeypatch):
    monkeypatch.setenv(THREADS_ENV, "1")
    assert thread_budget() == 1
    with limited_threads() as threads:
        assert threads == 1
        assert set(_pools().values()) == {1}


def test_environment_variable_sets_the_pools_exactly(monkeypatch):
    monkeypatch.setenv(THREADS_ENV, " 3 ")
    with threadpool_limits(1):  # an override is not capped by the pools' size
        assert thread_budget() == 3


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5", "2 threads"])
def test_bad_environment_value_is_a_typed_error(monkeypatch, value):
    monkeypatch.setenv(THREADS_ENV, value)
    before = _pools()
    with pytest.raises(InvalidParameterError) as error, limited_threads():
        pass
    assert str(error.value) == BAD_THREADS_ENV.format(value=value)
    assert THREADS_ENV in str(error.value) and repr(value) in str(error.value)
    assert _pools() == before


def test_empty_environment_value_means_unset(monkeypatch):
    monkeypatch.setenv(THREADS_ENV, "")
    assert 1 <= thread_budget() <= available_cpus()


@pytest.mark.parametrize("n", [0, -1, True, 1.5, "2"])
def test_bad_n_is_a_typed_error(n):
    with pytest.raises(InvalidParameterError) as error:
        thread_budget(n)
    assert str(error.value) == BAD_THREADS.format(value=n)


def test_explicit_n_beats_the_environment(monkeypatch):
    monkeypatch.setenv(THREADS_ENV, "1")
    assert thread_budget(2) == 2


@pytest.mark.parametrize(
    ("cpus", "others", "pools", "expected"),
    [(4, 0, 8, 4), (4, 1, 8, 3), (4, 3, 8, 1), (4, 9, 8, 1), (4, 1, 2, 2), (4, 0, None, 4)],
)
def test_budget_is_the_free_cpus_capped_by_the_pools(monkeypatch, cpus, others, pools, expected):
    monkeypatch.setattr(_threads, "available_cpus", lambda: cpus)
    monkeypatch.setattr(_threads, "other_running", lambda: others)
    monkeypatch.setattr(_threads, "_current_pool_size", lambda: pools)
    assert thread_budget() == expected


def test_an_enclosing_limit_stays_in_force():
    with threadpool_limits(1), limited_threads() as threads:
        assert threads == 1
        assert set(_pools().values()) == {1}


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="no CPU affinity here")
def test_available_cpus_is_at_most_the_affinity():
    assert 1 <= available_cpus() <= len(os.sched_getaffinity(0))


@pytest.mark.parametrize(
    ("text", "expected"), [("max 100000\n", None), ("150000 100000\n", 2), ("50000 100000", 1)]
)
def test_cgroup_quota(monkeypatch, tmp_path, text, expected):
    cpu_max = tmp_path / "cpu.max"
    cpu_max.write_text(text)
    monkeypatch.setattr(_threads, "_CGROUP_V2", cpu_max)
    assert _threads._cgroup_quota() == expected


def test_cgroup_v1_quota(monkeypatch, tmp_path):
    quota, period = tmp_path / "quota", tmp_path / "period"
    quota.write_text("-1\n")
    period.write_text("100000\n")
    monkeypatch.setattr(_threads, "_CGROUP_V2", tmp_path / "absent")
    monkeypatch.setattr(_threads, "_CGROUP_V1", (quota, period))
    assert _threads._cgroup_quota() is None
    quota.write_text("300000\n")
    assert _threads._cgroup_quota() == 3


@pytest.mark.skipif(not Path("/proc/loadavg").exists(), reason="no Linux run queue")
def test_a_busy_process_counts_as_other_running():
    busy = subprocess.Popen(
        [sys.executable, "-c", "print('ready', flush=True)\nwhile True: pass"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert busy.stdout.readline().strip() == "ready"
        time.sleep(0.05)
        assert other_running() >= 1
    finally:
        busy.kill()
        busy.wait()


def test_torch_threads_limited_and_restored():
    torch = pytest.importorskip("torch")
    original = torch.get_num_threads()
    try:
        torch.set_num_threads(3)
        with limited_threads(1):
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 3
        with pytest.raises(RuntimeError, match="boom"), limited_threads(2):
            assert torch.get_num_threads() == 2
            raise RuntimeError("boom")
        assert torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(original)


def test_audit_runs_its_analyzers_inside_the_limit(monkeypatch, biased):
    from sklearn.linear_model import LogisticRegression

    X, y = biased.X[["x0", "x1"]], biased.y
    model = LogisticRegression().fit(X, y)
    monkeypatch.setenv(THREADS_ENV, "1")
    before = _pools()
    seen = []
    audit.audit_model(
        model,
        X,
        y,
        sensitive_features=biased.X["group"],
        analyzers=["fairness"],
        n_boot=0,
        progress=lambda step: seen.append(set(_pools().values())),
    )
    assert seen == [{1}]
    assert _pools() == before


def test_audit_refuses_a_bad_environment_value(monkeypatch, biased):
    from sklearn.linear_model import LogisticRegression

    X, y = biased.X[["x0", "x1"]], biased.y
    model = LogisticRegression().fit(X, y)
    monkeypatch.setenv(THREADS_ENV, "many")
    with pytest.raises(InvalidParameterError, match=THREADS_ENV):
        audit.audit_model(model, X, y, sensitive_features=biased.X["group"], analyzers=["fairness"])
