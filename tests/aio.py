"""Running a coroutine from a test, whatever else the test session runs."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any


def run(coro: Coroutine) -> Any:
    """``asyncio.run(coro)`` on a thread of its own: the browser tests' Playwright (sync API,
    one browser for the whole session) keeps an event loop running in the main thread, where
    a plain ``asyncio.run`` then refuses to start."""
    out: dict[str, Any] = {}

    def target() -> None:
        try:
            out["value"] = asyncio.run(coro)
        except BaseException as exc:  # handed to the caller below
            out["error"] = exc

    thread = threading.Thread(target=target, name="test-asyncio")
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out.get("value")
