"""Waiting in tests: poll a condition until a deadline, never sleep for a fixed time."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

__all__ = ["free_port", "wait_for"]


def wait_for(
    check: Callable[[], Any], *, timeout: float = 30.0, what: str = "", interval: float = 0.05
) -> Any:
    """The first truthy value of `check()`; AssertionError naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)  # polling interval, not a synchronisation delay


def free_port() -> int:
    """A port free right now, for servers that cannot bind port 0 and report it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
