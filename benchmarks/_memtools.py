"""Peak-memory helpers shared by the benchmark scripts (Linux: /proc/self/status)."""

from __future__ import annotations

__all__ = ["read_status", "release_free_memory"]


def read_status(key: str) -> int:
    """A byte count from ``/proc/self/status`` (e.g. ``"VmHWM"``), or -1 when absent."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return -1


def release_free_memory() -> None:
    """Hand freed heap memory back to the OS so that new allocations show in the RSS."""
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except ImportError:  # pragma: no cover
        pass
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        pass
