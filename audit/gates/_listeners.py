"""Callbacks told about every gate that runs (the pytest plugin registers one)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["gate_listeners"]

gate_listeners: list[Callable[[str, Any, Any], None]] = []
