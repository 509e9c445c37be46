"""Releasing the models of browser sessions that have gone for good (no streamlit).

A page keeps one ``LiveSession`` per browser session (its jobs, its ``PlayState``, its
messages) and registers it with the process-wide ``SessionRegistry`` (``registry()``). A
janitor thread, alive only while sessions are registered, releases every session whose
browser has been disconnected longer than Streamlit keeps a session for it to come back. The
janitor and the page's own script run both touch a session, so both do it under the
session's ``lock``: a page holds it for each of its runs, and the janitor never waits long
for it (a busy session is tried again at the next sweep).

``GANVIZ_LIVE_STATUS``, read on the registry's first use: a path where the janitor writes its
counts as JSON (for load tests; unset: nowhere).
"""

from __future__ import annotations

import gc
import json
import os
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ganviz.live.play import PlayState
from ganviz.live.scheduler import StopReason, live_trainer_threads, name_os_thread

SWEEP_S = 2.0              # how often the janitor looks for sessions gone for good
RELEASE_WAIT_S = 1.0       # the janitor waits at most this long for a page's run to end
RELEASED_NOTICE = ("This page was away long enough for the server to free its training; "
                   "it starts again from step 0.")

_JOBS: weakref.WeakSet = weakref.WeakSet()  # every live job that holds a model


def track(job) -> None:
    """Count ``job`` (anything with a ``released`` flag) in ``SessionRegistry.stats``."""
    _JOBS.add(job)


def models_held() -> int:
    """Tracked jobs that still hold a model."""
    return sum(1 for j in list(_JOBS) if not j.released)


def return_free_memory() -> bool:
    """Hand the C heap's free pages back to the OS (glibc's ``malloc_trim``). A heavy session's
    activations (batch 4,096 x width 512: 8 MiB each) stay in malloc's arenas after its models
    are freed; three such sessions left +590 MiB of RSS, +370 MiB after a trim, and a second
    round of them reuses that memory rather than growing it (measured in session 12). False
    where the C library has no ``malloc_trim`` (not glibc)."""
    try:
        import ctypes

        return bool(ctypes.CDLL(None).malloc_trim(0))
    except (OSError, AttributeError):
        return False


@dataclass(eq=False)
class LiveSession:
    """What a page keeps for one browser session, released as a whole by the janitor.

    Subclasses add their jobs and implement ``jobs()`` and ``drop_models()``. ``lock`` (an
    RLock: a page's callbacks, script and fragments nest) guards the session against the
    janitor; ``notices`` are shown once by the page; ``is_connected`` asks the server whether
    the browser is still there (None: a session without a browser, e.g. under AppTest)."""

    play: PlayState = field(default_factory=PlayState)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    released: bool = False
    is_connected: Callable[[], bool] | None = None
    notices: list[str] = field(default_factory=list)

    @property
    def playing(self) -> bool:
        return self.play.playing

    def jobs(self) -> list:
        raise NotImplementedError

    def drop_models(self) -> None:
        """Let go of every job (called with training stopped)."""
        raise NotImplementedError

    def release(self, wait_s: float = RELEASE_WAIT_S) -> bool:
        """The browser has been gone longer than Streamlit keeps a session for it to come back:
        stop training and drop the models (called by the janitor thread). Returns False,
        changing nothing, while a run of the page holds the session."""
        if not self.lock.acquire(timeout=wait_s):
            return False
        try:
            self.play.stop(StopReason.RELEASED)
            self.drop_models()
            self.released = True
            self.notices.append(RELEASED_NOTICE)
        finally:
            self.lock.release()
        return True


@dataclass
class _Session:
    owner: weakref.ref
    is_connected: Callable[[], bool]
    release_after_s: float
    gone_since: float | None = None


class SessionRegistry:
    """Sessions that hold live jobs, so that a browser gone for good releases its models.

    A page registers its session with an ``owner`` (anything with ``release()``; held weakly),
    an ``is_connected`` callable (the page asks Streamlit's runtime) and ``release_after_s``
    (Streamlit's ``server.disconnectedSessionTTL``: how long a closed tab may come back to its
    session). A janitor thread, alive only while sessions are registered, calls ``sweep`` every
    ``sweep_s`` seconds; ``sweep`` releases each session disconnected for longer than its
    ``release_after_s`` and forgets owners Python has already freed. An owner whose
    ``release()`` returns False is busy: it stays registered and is tried at the next sweep.
    ``stats`` counts what is left (and the janitor writes it to ``status_path`` as JSON)."""

    def __init__(self, sweep_s: float = SWEEP_S, status_path: str | None = None):
        self.sweep_s = sweep_s
        self.status_path = status_path
        self.released = 0
        self._lock = threading.Lock()
        self._sessions: dict[str, _Session] = {}
        self._janitor: threading.Thread | None = None

    def register(self, session_id: str, owner, is_connected: Callable[[], bool],
                 release_after_s: float, janitor: bool = True) -> None:
        with self._lock:
            self._sessions[session_id] = _Session(weakref.ref(owner), is_connected, release_after_s)
            if janitor and (self._janitor is None or not self._janitor.is_alive()):
                self._janitor = threading.Thread(target=self._janitor_loop, name="ganviz-janitor",
                                                 daemon=True)
                self._janitor.start()

    def __len__(self) -> int:
        return len(self._sessions)

    def sweep(self, now: float | None = None) -> int:
        """Release the sessions disconnected for longer than their grace. Returns how many."""
        now = time.monotonic() if now is None else now
        gone = self._due(now)
        released = 0
        for session_id, entry, owner in gone:
            if owner.release() is False:  # busy: keep it for the next sweep
                with self._lock:
                    self._sessions.setdefault(session_id, entry)
                continue
            released += 1
        if released:
            self.released += released
            gc.collect()  # networks sit in reference cycles (Keras/TF objects): free them now
            return_free_memory()
        return released

    def _due(self, now: float) -> list[tuple[str, _Session, object]]:
        """Take out of the registry the sessions whose grace has run out."""
        due = []
        with self._lock:
            for session_id, entry in list(self._sessions.items()):
                owner = entry.owner()
                if owner is None:
                    del self._sessions[session_id]
                    continue
                try:
                    connected = entry.is_connected()
                except Exception:  # the runtime is shutting down: nobody can come back
                    connected = False
                if connected:
                    entry.gone_since = None
                    continue
                entry.gone_since = now if entry.gone_since is None else entry.gone_since
                if now - entry.gone_since >= entry.release_after_s:
                    due.append((session_id, entry, owner))
                    del self._sessions[session_id]
        return due

    def stats(self) -> dict[str, int]:
        """sessions registered, LiveTrainer threads alive, live jobs holding a model ("runs"),
        sessions released so far."""
        return {"sessions": len(self._sessions), "trainers": live_trainer_threads(),
                "runs": models_held(), "released": self.released}

    def _janitor_loop(self) -> None:
        name_os_thread("ganviz-janitor")
        while True:
            time.sleep(self.sweep_s)
            self.sweep()
            self._write_status()
            with self._lock:
                if not self._sessions:
                    self._janitor = None
                    return

    def _write_status(self) -> None:
        if not self.status_path:
            return
        try:
            tmp = f"{self.status_path}.tmp"
            Path(tmp).write_text(json.dumps(dict(self.stats(), time=time.time())))
            os.replace(tmp, self.status_path)
        except OSError:
            pass


_shared_lock = threading.Lock()
_shared_registry: SessionRegistry | None = None


def registry() -> SessionRegistry:
    """The process-wide registry the pages register with (built on first use)."""
    global _shared_registry
    with _shared_lock:
        if _shared_registry is None:
            _shared_registry = SessionRegistry(status_path=os.environ.get("GANVIZ_LIVE_STATUS"))
        return _shared_registry


def reset_registry() -> None:
    """Forget the shared registry: the next ``registry()`` builds a new one."""
    global _shared_registry
    with _shared_lock:
        _shared_registry = None
