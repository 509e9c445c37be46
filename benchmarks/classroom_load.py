"""A classroom on one server: N browser sessions train on the Toy GAN Lab at once.

Starts one ``streamlit run app.py`` on loopback, warms it up with one session (TensorFlow's
import and the first compile are one-time costs, not per-session ones), then opens N pages
(one Chromium, one context each), presses Play in each and lets them train for a while. It
reports, per session, the steps and the plot refreshes its page showed; the server's
``/_stcore/health`` latency, sampled every 0.5 s during the run; the server's memory (RSS of
the process and its children) before, during and after; and, once every page has closed and
Streamlit's ``server.disconnectedSessionTTL`` has passed, whether anything was left behind:
training threads (named ``ganviz-train`` in /proc), sessions and models the Toy GAN Lab still
holds (its janitor's counts, written to ``GANVIZ_LIVE_STATUS``) and the process's threads.

Bars (issue 9): every session refreshes at least once a second; health answered under 1 s;
memory after close within 20% of before. PASS/FAIL is printed for each.

The browsers run on the same machine as the server, so they compete with it for the CPU:
the figures are a lower bound for a classroom whose students have their own computers.

    .venv/bin/python benchmarks/classroom_load.py [--sessions 20] [--seconds 60] [--ttl 10]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._context import machine_context  # noqa: E402
from benchmarks._procs import CHROMIUM_ARGS, PLOT_TITLE_JS, CpuWindow, descendants, stop  # noqa: E402

CHROMIUM = os.environ.get("GANVIZ_CHROMIUM", "/usr/bin/chromium")
TRAIN_THREAD = "ganviz-train"

# Poll (every 50 ms, cheap) the real-vs-fake plot's title ("step N": the live plot's iframe while
# playing, Streamlit's chart when paused) and the status line; count each change.
WATCH_JS = """() => {
""" + PLOT_TITLE_JS + """  window.__watch = {changes: [], first: null, last: null};
  let lastTitle = null;
  setInterval(() => {
    const t = performance.now(), text = plotTitle();
    if (text && text !== lastTitle) { window.__watch.changes.push(t); lastTitle = text; }
    const step = document.querySelector('.toy-status .toy-step');
    if (step) {
      const s = Number(step.textContent.replace(/[^0-9]/g, ''));
      if (window.__watch.first === null) window.__watch.first = [t, s];
      window.__watch.last = [t, s];
    }
  }, 50);
}"""


# ---- the server process ------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(ttl: int, status: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2",
               GANVIZ_LIVE_STATUS=str(status))
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.fileWatcherType", "none", "--server.disconnectedSessionTTL", str(ttl),
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if health(url)[0]:
            return proc, url
        time.sleep(0.3)
    proc.terminate()
    raise SystemExit(f"streamlit did not start; see {log}")


def health(url: str, timeout: float = 5.0) -> tuple[bool, float]:
    """(answered 200, seconds it took)."""
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=timeout) as r:
            ok = r.status == 200
    except OSError:
        ok = False
    return ok, time.perf_counter() - t0


def rss_mib(pid: int) -> float:
    """Resident memory of ``pid`` and its children, MiB."""
    total = 0
    for p in descendants(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def threads(pid: int) -> tuple[int, int]:
    """(all threads of the server process, those named ganviz-train)."""
    names = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            names.append(Path(f"/proc/{pid}/task/{task}/comm").read_text().strip())
        except OSError:
            pass
    return len(names), sum(1 for n in names if n == TRAIN_THREAD)


def live_status(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def wait_released(pid: int, status: Path, deadline_s: float) -> tuple[bool, float]:
    """Wait until no training thread runs and the janitor reports no session or model left."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < deadline_s:
        s = live_status(status)
        if threads(pid)[1] == 0 and s.get("sessions", 1) == 0 and s.get("runs", 1) == 0:
            return True, time.monotonic() - t0
        time.sleep(0.5)
    return False, time.monotonic() - t0


class Sampler(threading.Thread):
    """Health latency every ``every`` s and server RSS every second, until stopped."""

    def __init__(self, url: str, pid: int, every: float = 0.5):
        super().__init__(daemon=True)
        self.url, self.pid, self.every = url, pid, every
        self.latencies: list[float] = []
        self.failures = 0
        self.rss: list[float] = []
        self.halt = threading.Event()

    def run(self) -> None:
        next_rss = 0.0
        while not self.halt.is_set():
            t = time.monotonic()
            ok, dt = health(self.url)
            self.latencies.append(dt)
            self.failures += not ok
            if t >= next_rss:
                self.rss.append(rss_mib(self.pid))
                next_rss = t + 1.0
            self.halt.wait(max(0.0, self.every - (time.monotonic() - t)))


# ---- the browsers ------------------------------------------------------------------------
def _number(text: str) -> int:
    digits = re.sub(r"[^0-9]", "", text or "")
    return int(digits) if digits else 0


class Delivered:
    """Counts the live-plot updates the server sends one page (websocket frames that carry the
    Toy GAN Lab's live plot), whether or not the page finds the time to draw them."""

    def __init__(self, page):
        self.times: list[float] = []
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload) -> None:
        data = payload if isinstance(payload, (bytes, bytearray)) else str(payload).encode()
        if b"toy_live" in data:
            self.times.append(time.monotonic())

    def between(self, t0: float, t1: float) -> int:
        return sum(1 for t in self.times if t0 <= t <= t1)


def open_page(browser, url: str, timeout_s: float):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(timeout_s * 1000)
    delivered = Delivered(page)
    page.goto(f"{url}/Toy_GAN_Lab")
    page.locator(".toy-status .toy-step").first.wait_for()
    return context, page, delivered


def press_play(page) -> None:
    page.get_by_role("button", name=re.compile("Play")).click()
    page.get_by_role("button", name=re.compile("Pause")).wait_for()


def open_and_play(browser, url: str, timeout_s: float):
    context, page, _ = open_page(browser, url, timeout_s)
    press_play(page)
    return context, page


def warm_up(browser, url: str, seconds: float) -> None:
    context, page = open_and_play(browser, url, 240)
    deadline = time.monotonic() + 240
    while _number(page.locator(".toy-status .toy-step").first.inner_text()) == 0:
        if time.monotonic() > deadline:
            raise SystemExit("warm-up: the step counter never moved")
        time.sleep(0.3)
    time.sleep(seconds)
    context.close()


def _stop_on_sigterm() -> None:
    """`timeout` and CI send SIGTERM: unwind normally so the server and browsers are closed."""
    import signal

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, handler)


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60.0, help="training time measured")
    ap.add_argument("--ttl", type=int, default=10,
                    help="server.disconnectedSessionTTL: how long a closed page's session may "
                         "come back before its models are released (Streamlit's default is 120)")
    args = ap.parse_args()
    if not 1 <= args.sessions <= 64:
        raise SystemExit("--sessions must be 1..64")
    return args


def warm(browser, url: str, pid: int, status: Path, ttl: int) -> tuple[float, int]:
    """One session plays and leaves; returns (server RSS MiB, threads) once it is released."""
    print("warming up (one session: TensorFlow import, first compile) ...", flush=True)
    cold = rss_mib(pid)
    warm_up(browser, url, 8)
    ok, waited = wait_released(pid, status, ttl + 60)
    before, threads_before = rss_mib(pid), threads(pid)[0]
    print(f"server RSS: cold {cold:.0f} MiB, after warm-up and its release {before:.0f} MiB "
          f"(released: {ok}, {waited:.0f} s); threads {threads_before}")
    return before, threads_before


def classroom(browser, url: str, pid: int, n_sessions: int, seconds: float) -> dict:
    """Open ``n_sessions`` pages, press Play in each, watch them for ``seconds``, close them.
    Returns what was seen: per page (changes, steps), per page updates sent, health
    latencies and failures, RSS during, CPU used, and the measured span."""
    sampler = Sampler(url, pid)
    sampler.start()
    t_open = time.monotonic()
    sessions = [open_page(browser, url, 180) for _ in range(n_sessions)]
    opened = time.monotonic() - t_open
    for _, page, _ in sessions:
        press_play(page)
    played = time.monotonic() - t_open - opened
    print(f"opened {len(sessions)} pages in {opened:.0f} s, pressed Play in each in "
          f"{played:.0f} s", flush=True)
    time.sleep(5)  # every session's first refresh and its background trainer
    for _, page, _ in sessions:
        page.evaluate(WATCH_JS)
    n_lat, n_rss = len(sampler.latencies), len(sampler.rss)
    cpu = CpuWindow(pid).start()
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        # waiting through Playwright lets it deliver the websocket events as they come
        sessions[0][1].wait_for_timeout(250)
    t1 = time.monotonic()
    seen = dict(span=t1 - t0, used=cpu.stop(),
                watched=[page.evaluate("() => window.__watch") for _, page, _ in sessions],
                sent=[d.between(t0, t1) for _, _, d in sessions],
                latencies=sampler.latencies[n_lat:], during=sampler.rss[n_rss:],
                failures=sampler.failures)
    for context, _, _ in sessions:
        context.close()
    sampler.halt.set()
    return seen


def report_sessions(seen: dict) -> bool:
    """Per-session table and summary; True when every page redrew at least once a second."""
    span, sent = seen["span"], seen["sent"]
    print(f"\n{'session':>7} {'steps':>8} {'steps/s':>8} {'drawn':>6} {'drawn/s':>8} "
          f"{'longest gap s':>13} {'sent/s':>7}")
    rates = []
    for i, (w, n_sent) in enumerate(zip(seen["watched"], sent)):
        changes = w["changes"]
        (ta, sa), (tb, sb) = w["first"] or (0, 0), w["last"] or (0, 0)
        steps = sb - sa
        sps = steps / ((tb - ta) / 1000) if tb > ta else 0.0
        rate = len(changes) / span
        gaps = [(b - a) / 1000 for a, b in zip(changes, changes[1:])]
        gap = max(gaps) if gaps else span
        rates.append(rate)
        print(f"{i + 1:>7} {steps:>8,} {sps:>8,.0f} {len(changes):>6} {rate:>8.2f} "
              f"{gap:>13.2f} {n_sent / span:>7.2f}")
    sent_rates = [n / span for n in sent]
    print("drawn: plot changes seen in the page's DOM; sent: live-plot updates the server sent "
          "that page (websocket frames)")
    print(f"all sessions: drawn/s min {min(rates):.2f}, median {statistics.median(rates):.2f}; "
          f"sent/s min {min(sent_rates):.2f}, median {statistics.median(sent_rates):.2f}")
    if sum(sent):
        per = seen["used"]["server"] * span / sum(sent) * 1000
        print(f"server CPU per update sent: {per:.0f} ms (training included)")
    return min(rates) >= 1.0


def report_server(seen: dict) -> bool:
    """Health latency, CPU and memory during the run; True when health answered under 1 s."""
    lat_ms = sorted(x * 1000 for x in seen["latencies"])
    print(f"\nhealth: {len(lat_ms)} checks during the run, median "
          f"{statistics.median(lat_ms):.0f} ms, max {max(lat_ms):.0f} ms, "
          f"failed {seen['failures']}")
    print(CpuWindow.describe(seen["used"]))
    during = seen["during"]
    print(f"server RSS during: median {statistics.median(during):.0f} MiB, "
          f"max {max(during):.0f} MiB")
    return max(lat_ms) < 1000 and seen["failures"] == 0


def report_left_behind(pid: int, status: Path, ttl: int, before: float,
                       threads_before: int) -> dict[str, bool]:
    """After every page closed and the TTL passed: memory, threads, sessions and models."""
    ok, waited = wait_released(pid, status, ttl + 90)
    time.sleep(2)
    after = rss_mib(pid)
    n_threads, n_train = threads(pid)
    left = live_status(status)
    print(f"after close: released {ok} in {waited:.0f} s; RSS {after:.0f} MiB "
          f"({(after / before - 1) * 100:+.0f}% of before); threads {n_threads} (before "
          f"{threads_before}), training threads {n_train}; janitor: {left}")
    return {"memory after close within 20% of before": after <= 1.2 * before,
            "nothing left behind (threads, sessions, models)": (
                ok and n_train == 0 and left.get("sessions") == 0 and left.get("runs") == 0)}


def main() -> None:
    _stop_on_sigterm()
    args = parse_args()
    print(machine_context())
    print(f"load average (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{args.sessions} sessions (one Chromium, one context each, on this machine), "
          f"{args.seconds:.0f} s of training measured, disconnectedSessionTTL {args.ttl} s, "
          "Toy GAN Lab defaults (ring8, steps per refresh 200)")
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="ganviz-classroom-"))
    status, log = tmp / "live.json", tmp / "streamlit.log"
    proc, url = start_server(args.ttl, status, log)
    results: dict[str, bool] = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            before, threads_before = warm(browser, url, proc.pid, status, args.ttl)
            seen = classroom(browser, url, proc.pid, args.sessions, args.seconds)
            browser.close()
        results["every session refreshes >= 1/s (drawn in its page)"] = report_sessions(seen)
        results["health answered < 1 s"] = report_server(seen)
        results.update(report_left_behind(proc.pid, status, args.ttl, before, threads_before))
    finally:
        stop(proc, 15)
    print(f"\nload average after (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for bar, passed in results.items():
        print(f"{'PASS' if passed else 'FAIL'}  {bar}")
    print(f"(server log: {log})")


if __name__ == "__main__":
    main()
