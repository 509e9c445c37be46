"""Where a benchmark's CPU and memory go, read from /proc (Linux): the server process (and
its named threads) and the browser processes, so a figure can say who used the cores."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# JS: the real-vs-fake plot's title ("step N"): the live plot's iframe while playing, else
# Streamlit's own chart (shared by browser_live.py and classroom_load.py)
PLOT_TITLE_JS = """  const plotTitle = () => {
    for (const frame of document.querySelectorAll('iframe')) {
      let doc = null;
      try { doc = frame.contentDocument; } catch (e) { continue; }
      const t = doc && doc.querySelector('.ganviz-live-plot .gtitle');
      if (t) return t.textContent;
    }
    const t = document.querySelector('.stPlotlyChart .gtitle');
    return t ? t.textContent : null;
  };
"""

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def stop(proc, timeout: float = 10) -> None:
    """Terminate a child process (a Streamlit server), killing it if it does not exit."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()


def descendants(pid: int) -> list[int]:
    """``pid`` and all its children, grandchildren, ..."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                children = Path(f"/proc/{p}/task/{task}/children").read_text().split()
                todo.extend(int(c) for c in children)
        except OSError:
            pass
    return out


def _stat_seconds(path: str) -> float:
    """user + system CPU seconds from a /proc .../stat file (0 if gone)."""
    try:
        fields = Path(path).read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def cpu_seconds(pids: list[int]) -> float:
    return sum(_stat_seconds(f"/proc/{p}/stat") for p in pids)


def thread_cpu_seconds(pid: int, name: str) -> float:
    """CPU seconds of ``pid``'s threads whose OS name is ``name`` (e.g. ganviz-train)."""
    total = 0.0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0.0
    for task in tasks:
        try:
            if Path(f"/proc/{pid}/task/{task}/comm").read_text().strip() == name:
                total += _stat_seconds(f"/proc/{pid}/task/{task}/stat")
        except OSError:
            pass
    return total


def browser_pids() -> list[int]:
    """Chromium processes started by this benchmark (descendants of this process)."""
    out = []
    for p in descendants(os.getpid())[1:]:
        try:
            if "chrom" in Path(f"/proc/{p}/comm").read_text():
                out.append(p)
        except OSError:
            pass
    return out


class CpuWindow:
    """CPU used (in cores: CPU seconds per wall second) between ``start()`` and ``stop()`` by
    the server, its training threads, and this benchmark's browsers."""

    def __init__(self, server_pid: int, train_thread: str = "ganviz-train"):
        self.server_pid, self.train_thread = server_pid, train_thread

    def _sample(self) -> tuple[float, float, float, float]:
        import time

        return (time.monotonic(), cpu_seconds(descendants(self.server_pid)),
                thread_cpu_seconds(self.server_pid, self.train_thread), cpu_seconds(browser_pids()))

    def start(self) -> CpuWindow:
        self._start = self._sample()
        return self

    def stop(self) -> dict[str, float]:
        end = self._sample()
        wall = end[0] - self._start[0]
        names = ("server", "training", "browser")
        return {n: (b - a) / wall for n, a, b in zip(names, self._start[1:], end[1:])}

    @staticmethod
    def describe(used: dict[str, float]) -> str:
        # the ganviz-train threads mostly wait: XLA runs the training loop on TensorFlow's
        # own pool threads, which count under "server"
        return (f"CPU in cores: server {used['server']:.2f} (training included), browser "
                f"{used['browser']:.2f}; the machine has {os.cpu_count()}")
