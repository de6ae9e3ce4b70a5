"""Thread pools sized to the machine: no oversubscription when model-audit fits or evaluates.

BLAS (OpenBLAS, MKL), OpenMP (scikit-learn's histogram gradient boosting,
torch's kernels) and torch's intra-op pool each start one thread per CPU of the
machine, whatever else runs on it. When another process keeps a core busy, a
pool of that size has more threads than free cores, and OpenMP's threads,
which wait for one another at every barrier, spend their time waiting for the
one that is not scheduled: fitting the demo's gradient-boosting model took 63 s
with two threads on a 2-core machine with one core busy, 6.7 s with one thread.

:func:`limited_threads` sizes every pool for the duration of a block
(``with limited_threads(): ...``), through threadpoolctl for the BLAS and
OpenMP libraries already loaded and ``torch.set_num_threads`` when torch is
already imported (torch is never imported here), and restores the previous
sizes afterwards. :func:`thread_budget` says how many threads that is:

1. ``n`` when the caller gives it;
2. else the environment variable ``MODEL_AUDIT_THREADS`` (a positive int;
   anything else is an :class:`~audit.errors.InvalidParameterError`; empty
   means unset);
3. else the CPUs this process may use (:func:`available_cpus`: its CPU
   affinity, or ``os.cpu_count()`` where there is none, capped by a cgroup CPU
   quota) less the other processes running now (:func:`other_running`), at
   least 1, and never more than the pools hold already, so an enclosing
   ``threadpool_limits``, ``OMP_NUM_THREADS`` or ``torch.set_num_threads``
   stays in force.

``n`` and ``MODEL_AUDIT_THREADS`` set the pools exactly, also above the CPU count.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from audit.errors import InvalidParameterError

__all__ = [
    "BAD_THREADS",
    "BAD_THREADS_ENV",
    "THREADS_ENV",
    "available_cpus",
    "limited_threads",
    "other_running",
    "thread_budget",
]

THREADS_ENV = "MODEL_AUDIT_THREADS"
BAD_THREADS_ENV = (
    "the environment variable " + THREADS_ENV + " must be a positive int "
    "(the number of threads model-audit may use); got {value!r}."
)
BAD_THREADS = "n must be None or an int >= 1 (a number of threads); got {value!r}."

_CGROUP_V2 = Path("/sys/fs/cgroup/cpu.max")
_CGROUP_V1 = (
    Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"),
    Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us"),
)
_SAMPLES = 3  # snapshots of the run queue; the fewest others seen counts
_SAMPLE_GAP_S = 0.005


def _cgroup_quota() -> int | None:
    """CPUs a cgroup CPU quota allows (rounded up), or None without a quota."""
    try:
        if _CGROUP_V2.exists():
            quota, period = _CGROUP_V2.read_text().split()[:2]
            return None if quota == "max" else max(1, math.ceil(int(quota) / int(period)))
        quota_path, period_path = _CGROUP_V1
        if quota_path.exists():
            quota_us = int(quota_path.read_text())
            period_us = int(period_path.read_text())
            return None if quota_us <= 0 else max(1, math.ceil(quota_us / period_us))
    except (OSError, ValueError, ZeroDivisionError):
        return None
    return None


def available_cpus() -> int:
    """The CPUs this process may run on.

    Its CPU affinity (``os.sched_getaffinity(0)``) where the platform has one,
    else ``os.cpu_count()``; capped by the cgroup CPU quota of a container
    (``cpu.max``, or ``cpu.cfs_quota_us`` of cgroup v1) when there is one.

    Returns
    -------
    int
        At least 1.
    """
    getaffinity = getattr(os, "sched_getaffinity", None)
    cpus = len(getaffinity(0)) if getaffinity is not None else (os.cpu_count() or 1)
    quota = _cgroup_quota()
    return max(1, min(cpus, quota) if quota is not None else cpus)


def _own_running_threads() -> int:
    """This process's threads in state R (running or runnable), at least 1 (the caller)."""
    running = 0
    for stat in Path("/proc/self/task").glob("*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the thread ended meanwhile
            continue
        # "tid (comm) S ...": comm may hold spaces and parentheses, the state follows the last ")"
        if text.rpartition(")")[2].split()[:1] == ["R"]:
            running += 1
    return max(1, running)


def _others_now() -> int:
    """Threads of other processes running or runnable now (Linux's run queue)."""
    own = _own_running_threads()
    running = int(Path("/proc/loadavg").read_text().split()[3].split("/")[0])
    return max(0, running - own)


def other_running() -> int:
    """How many CPUs other processes keep busy now.

    On Linux, the threads of the whole machine that are running or runnable
    (the ``R/T`` field of ``/proc/loadavg``) less this process's own (those in
    state ``R`` under ``/proc/self/task``): the fewest of three snapshots 5 ms
    apart, so a process that keeps a core busy counts and a short-lived one
    (or a thread of ours going to sleep between two reads) seldom does. This is
    what runs now, not the load average, which follows a change over about a
    minute and counts this process's own threads. Elsewhere the one-minute load
    average less one (this process), rounded; 0 where there is neither.

    Returns
    -------
    int
        At least 0.
    """
    try:
        fewest = _others_now()
        for _ in range(_SAMPLES - 1):
            if fewest == 0:
                break
            time.sleep(_SAMPLE_GAP_S)
            fewest = min(fewest, _others_now())
        return fewest
    except (OSError, ValueError, IndexError):
        pass
    try:
        return max(0, round(os.getloadavg()[0]) - 1)
    except (OSError, AttributeError):  # no load average (Windows)
        return 0


def _env_threads() -> int | None:
    """``MODEL_AUDIT_THREADS`` as a positive int, None when unset or empty."""
    value = os.environ.get(THREADS_ENV)
    if value is None or not value.strip():
        return None
    try:
        threads = int(value.strip())
    except ValueError:
        raise InvalidParameterError(BAD_THREADS_ENV.format(value=value)) from None
    if threads < 1:
        raise InvalidParameterError(BAD_THREADS_ENV.format(value=value))
    return threads


def _check_n(n: object) -> int | None:
    if n is None:
        return None
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InvalidParameterError(BAD_THREADS.format(value=n))
    return n


def _current_pool_size() -> int | None:
    """The smallest pool now: BLAS / OpenMP libraries loaded and torch if imported."""
    from threadpoolctl import threadpool_info

    sizes = [info["num_threads"] for info in threadpool_info() if info.get("num_threads")]
    torch = sys.modules.get("torch")
    if torch is not None and hasattr(torch, "get_num_threads"):
        sizes.append(torch.get_num_threads())
    return min(sizes) if sizes else None


def thread_budget(n: int | None = None) -> int:
    """How many threads :func:`limited_threads` gives each pool (see the module's docstring).

    Parameters
    ----------
    n : int, optional
        A number of threads, used as given.

    Returns
    -------
    int
        At least 1.

    Raises
    ------
    InvalidParameterError
        ``n`` is not a positive int, or ``MODEL_AUDIT_THREADS`` is set to
        something other than a positive int.
    """
    explicit = _check_n(n)
    if explicit is not None:
        return explicit
    from_env = _env_threads()
    if from_env is not None:
        return from_env
    cpus = available_cpus()
    threads = max(1, min(cpus, cpus - other_running()))
    current = _current_pool_size()
    return min(threads, current) if current is not None else threads


@contextmanager
def limited_threads(n: int | None = None) -> Iterator[int]:
    """Size the BLAS, OpenMP and torch thread pools to the machine for a block.

    Parameters
    ----------
    n : int, optional
        Threads per pool; by default ``MODEL_AUDIT_THREADS`` or what
        :func:`thread_budget` finds free.

    Yields
    ------
    int
        The number of threads each pool was given.

    Raises
    ------
    InvalidParameterError
        ``n`` or ``MODEL_AUDIT_THREADS`` is not a positive int (before any
        pool changes).

    Notes
    -----
    Only libraries loaded when the block starts are limited (threadpoolctl
    finds them among the loaded shared libraries), and torch only when it is
    already imported: import what the block uses first. The previous sizes
    are restored when the block ends, also on an error.
    """
    from threadpoolctl import threadpool_limits

    threads = thread_budget(n)
    torch = sys.modules.get("torch")
    set_torch = torch is not None and hasattr(torch, "set_num_threads")
    # read torch's size first: with OpenMP, torch reports the pool threadpoolctl is about to set
    before = torch.get_num_threads() if set_torch else None
    with threadpool_limits(limits=threads):
        if set_torch:
            torch.set_num_threads(threads)
        try:
            yield threads
        finally:
            if set_torch:
                torch.set_num_threads(before)
