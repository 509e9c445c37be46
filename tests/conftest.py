import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def wait_until(predicate, timeout: float = 30.0) -> bool:
    """Poll ``predicate`` every 20 ms until it holds or ``timeout`` seconds pass; returns its
    last value (for threads the tests cannot join: trainers, the janitor)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()
