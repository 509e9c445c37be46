"""A classroom on one server, simulated at the protocol level: N students on the Toy GAN Lab.

Each student is a real Streamlit session over the websocket browsers use
(``benchmarks/_stclient.py``: Streamlit's own ``BackMsg`` / ``ForwardMsg`` protobufs, no
drawing), so the machine's cores go to the server and not to N Chromiums (FACTS.md: 20 pages
needed ~4 cores of browser work here). A student opens the page, changes a few widgets
(steps per refresh, G's manifold), presses Play, lets the live fragment tick (its timer sends
the fragment reruns at the ``run_every`` the server asked for, as the browser's does), and at
the end pauses, resets and leaves.

Reported per session: updates delivered per second (a status line whose step counter changed),
the gap between updates (median, p95) and training steps/s (from the step counter). For the
server: CPU of the process tree, RSS before / during / after, ``/_stcore/health`` latency
every 0.5 s (median, p99), errors (exceptions in deltas, broken websockets), and once every
student left and ``server.disconnectedSessionTTL`` passed, the threads and ``ganviz-train``
threads left. The server helpers are ``benchmarks/classroom_load.py``'s.

Modes:
    --sessions N --seconds S          one class (bars: every session >= 1 update/s, p95 gap
                                      <= 2 s, health p99 < 1 s, no error, RSS after within 20%
                                      of before, no training thread left)
    --step-until-fail                 classes of --start, +--step, ... until a bar fails
    --hostile-share 0.25              a light class, then the same class with a quarter on the
                                      heaviest settings: light students' steps/s ratio (bar 2)
    --lone                            one student on the default ring8 recipe (the page's
                                      default speed limit; --lone-spr N sets it), Play until
                                      9,000 steps vs ``python -m ganviz toy`` (bar 1.3x); with
                                      --browser a real Chromium student does the same after it
    --soak-minutes M --churn          students join and leave for M minutes; RSS and threads
                                      every 10 s (--plot OUT.png)
    --browser                         one real Chromium student in the class, compared with
                                      the simulated ones (messages sent and received)

    .venv/bin/python benchmarks/classroom_ws.py --sessions 10 --seconds 30 --json out.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._context import machine_context  # noqa: E402
from benchmarks._procs import CpuWindow, stop  # noqa: E402
from benchmarks._stclient import StreamlitSession  # noqa: E402
from benchmarks.classroom_load import (  # noqa: E402
    Sampler,
    live_status,
    rss_mib,
    start_server,
    threads,
    wait_released,
)

PAGE = "Toy_GAN_Lab"
LIGHT_QUERY = "dataset=ring8"
# the heaviest networks and batch the lab's widgets allow, fastest speed limit
HEAVY_QUERY = ("dataset=ring8&g_depth=6&g_width=512&d_depth=6&d_width=512&batch_size=4096"
               "&spr=2000")
LONE_QUERY = "dataset=ring8"  # the default recipe at the page's default speed limit
BARS = {"updates_per_s": 1.0, "p95_gap_s": 2.0, "health_p99_s": 1.0, "rss_growth": 0.20}
PAGE_TIMEOUT_S = 240.0


# ---- one student ---------------------------------------------------------------------------
async def open_student(url: str, query: str, name: str, heavy: bool = False) -> StreamlitSession:
    """Open the page, change a few widgets as a student exploring does, press Play."""
    s = StreamlitSession(url, PAGE, query, name=name)
    await s.connect()
    if not await s.wait_for(lambda: s.has_widget("toy_play") and s.steps, PAGE_TIMEOUT_S):
        raise RuntimeError(f"{name}: the page never showed ({s.closed_error or 'timeout'})")
    changes = [("toy_show_manifold", {"bool_value": True})]
    if heavy:
        changes.append(("toy_show_arrows", {"bool_value": True}))
    else:
        changes.append(("toy_spr", {"string_array_value": ["200"]}))
    for key, value in changes:
        done = s.finished
        await s.set(key, **value)
        await s.wait_for(lambda d=done: s.finished > d, PAGE_TIMEOUT_S)
    await s.click("toy_play")
    return s


async def leave(s: StreamlitSession, pause_and_reset: bool = True) -> None:
    """Pause, Reset and close the tab (bounded: a slow server cannot hold the student)."""
    if pause_and_reset and s.closed_error is None:
        try:
            if s.playing:
                done = s.finished
                await s.click("toy_play")
                await s.wait_for(lambda: s.finished > done and s.playing is False, 30)
            await s.click("toy_reset")
            await s.wait_for(lambda: s.step == 0, 30)
        except Exception as exc:  # the report counts it; leaving must go on
            s.exceptions.append(f"leaving: {type(exc).__name__}: {exc}")
    await s.close()


def session_figures(s: StreamlitSession, t0: float, t1: float) -> dict:
    """Updates/s, gaps between updates (edges of the window included) and steps/s of ``s``
    in [t0, t1]."""
    span = t1 - t0
    ups = [t for t in s.updates if t0 <= t <= t1]
    marks = [t0, *ups, t1]
    gaps = sorted(b - a for a, b in zip(marks, marks[1:]))
    inside = [(t, n) for t, n in s.steps if t0 <= t <= t1]
    short = _pct(gaps, 95) > BARS["p95_gap_s"] or len(ups) < span * BARS["updates_per_s"]
    sps = 0.0
    if len(inside) >= 2 and inside[-1][0] > inside[0][0]:
        sps = (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])
    return {"name": s.name, "updates_per_s": len(ups) / span,
            "gap_median_s": statistics.median(gaps), "gap_p95_s": _pct(gaps, 95),
            "steps_per_s": sps, "step": s.step, "errors": len(s.exceptions) + bool(s.closed_error),
            "error_text": (s.exceptions + [s.closed_error or ""])[0],
            "alerts": list(dict.fromkeys(s.alerts))[-3:], **s.counts,
            # what happened to a session short of a bar (the window starts at 0 s)
            "events": ([f"{t - t0:+.2f} {what}" for t, what in s.events if t0 - 5 <= t <= t1]
                       if short else [])}


def _pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of ``values``; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


# ---- the server ----------------------------------------------------------------------------
class Server:
    """``streamlit run app.py`` on loopback with the janitor's status file (classroom_load)."""

    def __init__(self, ttl: int):
        self.ttl = ttl
        self.tmp = Path(tempfile.mkdtemp(prefix="ganviz-classroom-ws-"))
        self.status, self.log = self.tmp / "live.json", self.tmp / "streamlit.log"
        self.proc, self.url = start_server(ttl, self.status, self.log)
        self.pid = self.proc.pid

    def released(self, extra_s: float = 90) -> tuple[bool, float]:
        return wait_released(self.pid, self.status, self.ttl + extra_s)

    def left_behind(self) -> dict:
        """RSS, threads and the janitor's counts now."""
        n_threads, n_train = threads(self.pid)
        return {"rss_mib": rss_mib(self.pid), "threads": n_threads, "train_threads": n_train,
                "janitor": live_status(self.status)}

    def stop(self) -> None:
        stop(self.proc, 15)


async def warm_up(server: Server) -> dict:
    """One student plays 8 s and leaves (TensorFlow's import and the first compile are one-time
    costs); returns the server's state once it is released: the 'before' of every bar."""
    print("warming up (one simulated student) ...", flush=True)
    s = await open_student(server.url, LIGHT_QUERY, "warm-up")
    await s.wait_for(lambda: s.step > 0, PAGE_TIMEOUT_S)
    await asyncio.sleep(8)
    await leave(s)
    ok, waited = server.released()
    before = server.left_behind()
    print(f"after warm-up: released {ok} in {waited:.0f} s, RSS {before['rss_mib']:.0f} MiB, "
          f"threads {before['threads']}", flush=True)
    return before


# ---- one real browser in the class ---------------------------------------------------------
class BrowserStudent:
    """One Chromium page (Playwright, async) doing what the simulated students do; its
    websocket frames are parsed with the same ForwardMsg reader (a passive StreamlitSession)
    and its BackMsgs counted, so the two can be compared."""

    def __init__(self, url: str, query: str = LIGHT_QUERY):
        self.url, self.query = url, query
        self.seen = StreamlitSession(url, PAGE, query, name="browser", passive=True)
        self.sent = {"reruns_sent": 0, "auto_reruns_sent": 0, "bytes_out": 0,
                     "widget_states_sent": 0}
        self._pw = self._browser = self.page = None

    def _frame_in(self, payload) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if isinstance(payload, (bytes, bytearray)):
            msg = ForwardMsg()
            msg.ParseFromString(payload)
            self.seen.counts["bytes_in"] += len(payload)
            self.seen.handle(msg)

    def _frame_out(self, payload) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        if isinstance(payload, (bytes, bytearray)):
            msg = BackMsg()
            msg.ParseFromString(payload)
            self.sent["bytes_out"] += len(payload)
            if msg.WhichOneof("type") == "rerun_script":
                self.sent["reruns_sent"] += 1
                self.sent["auto_reruns_sent"] += msg.rerun_script.is_auto_rerun
                self.sent["widget_states_sent"] += len(msg.rerun_script.widget_states.widgets)

    async def open(self, explore: bool = True) -> None:
        """Open the page; ``explore``: switch G's manifold on and press Play."""
        import re

        from playwright.async_api import async_playwright

        from benchmarks._procs import CHROMIUM_ARGS
        from benchmarks.classroom_load import CHROMIUM

        self._pw = await async_playwright().start()
        self._browser = await self._pw.chromium.launch(executable_path=CHROMIUM,
                                                        args=CHROMIUM_ARGS)
        self.page = await self._browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.set_default_timeout(PAGE_TIMEOUT_S * 1000)
        self.page.on("websocket", lambda ws: (ws.on("framereceived", self._frame_in),
                                              ws.on("framesent", self._frame_out)))
        await self.page.goto(f"{self.url}/{PAGE}?{self.query}")
        await self.page.locator(".toy-status .toy-step").first.wait_for()
        if not explore:
            return
        await self.page.get_by_text("G's manifold").click()
        await asyncio.sleep(2)
        await self.page.get_by_role("button", name=re.compile("Play")).click()

    async def play(self) -> None:
        import re

        await self.page.get_by_role("button", name=re.compile("Play")).click()

    async def leave(self) -> None:
        import re

        try:
            await self.page.get_by_role("button", name=re.compile("Pause")).click(timeout=30_000)
            await self.page.get_by_role("button", name="Reset").click(timeout=30_000)
            await asyncio.sleep(1)
        except Exception as exc:  # counted; the browser is closed anyway
            self.seen.exceptions.append(f"leaving: {type(exc).__name__}: {exc}")
        await self._browser.close()
        await self._pw.stop()


def compare_browser(browser: dict, simulated: list[dict]) -> dict:
    """The browser's figures next to the simulated students' medians: a faithful simulation
    sends fragment reruns at the same rate and receives the same bytes per update."""
    keys = ("auto_reruns_per_s", "fragment_runs_per_s", "updates_per_s", "bytes_in_per_update",
            "steps_per_s", "bytes_out_per_rerun", "widgets_per_rerun")
    sim = {k: statistics.median(s[k] for s in simulated) for k in keys}
    print("\nfaithfulness: the real browser vs the simulated students' median")
    print(f"{'':>24} {'browser':>10} {'simulated':>10} {'ratio':>6}")
    for k in keys:
        ratio = browser[k] / sim[k] if sim[k] else float("nan")
        print(f"{k:>24} {browser[k]:>10.2f} {sim[k]:>10.2f} {ratio:>6.2f}")
    return {"browser": {k: browser[k] for k in keys}, "simulated_median": sim}


# ---- one class -----------------------------------------------------------------------------
async def open_class(url: str, n: int, n_heavy: int, parallel: int = 4) -> list:
    """``n`` students (the first ``n_heavy`` on the heaviest settings), ``parallel`` opening at
    once, as a class arriving over a minute rather than in one instant."""
    gate = asyncio.Semaphore(parallel)

    async def one(i: int):
        async with gate:
            heavy = i < n_heavy
            return await open_student(url, HEAVY_QUERY if heavy else LIGHT_QUERY,
                                      f"{'heavy' if heavy else 'light'}-{i + 1}", heavy)

    return list(await asyncio.gather(*(one(i) for i in range(n))))


def _extend(fig: dict, s: StreamlitSession, span: float, counts0: dict) -> dict:
    """Rates of the counters over the window (counts0: the counters at its start)."""
    d = {k: s.counts[k] - counts0.get(k, 0) for k in s.counts}
    fig.update(auto_reruns_per_s=d["auto_reruns_sent"] / span,
               fragment_runs_per_s=d["fragment_runs"] / span,
               bytes_in_per_update=d["bytes_in"] / max(1.0, fig["updates_per_s"] * span),
               bytes_out_per_rerun=d["bytes_out"] / max(1, d["reruns_sent"]),
               widgets_per_rerun=d["widget_states_sent"] / max(1, d["reruns_sent"]))
    return fig


async def run_class(server: Server, n: int, seconds: float, n_heavy: int = 0,
                    with_browser: bool = False) -> dict:
    """Open a class, measure ``seconds`` of it playing, make everyone leave; the figures."""
    sampler = Sampler(server.url, server.pid)
    sampler.start()
    t_open = time.monotonic()
    browser = BrowserStudent(server.url) if with_browser else None
    if browser:
        await browser.open()
    students = await open_class(server.url, n, n_heavy)
    opened = time.monotonic() - t_open
    await asyncio.sleep(5)  # each student's first refresh and its trainer thread
    everyone = students + ([browser.seen] if browser else [])
    counts0 = [dict(s.counts) for s in everyone]
    if browser:  # what the browser sent is counted from its frames, not by the reader
        counts0[-1].update(browser.sent)
    n_lat, n_rss, cpu0 = len(sampler.latencies), len(sampler.rss), time.process_time()
    cpu = CpuWindow(server.pid).start()
    t0 = time.monotonic()
    await asyncio.sleep(seconds)
    t1 = time.monotonic()
    used, own_cpu = cpu.stop(), (time.process_time() - cpu0) / (t1 - t0)
    if browser:
        browser.seen.counts.update(browser.sent)
    figs = [_extend(session_figures(s, t0, t1), s, t1 - t0, c0)
            for s, c0 in zip(everyone, counts0)]
    await asyncio.gather(*(leave(s) for s in students))
    if browser:
        await browser.leave()
    sampler.halt.set()
    return {"sessions": n, "heavy": n_heavy, "opened_s": opened, "span_s": t1 - t0,
            "per_session": figs, "cpu": used, "generator_cpu": own_cpu,
            "health_s": sampler.latencies[n_lat:], "health_failures": sampler.failures,
            "rss_during": sampler.rss[n_rss:], "browser": with_browser}


def report_class(seen: dict, before: dict, after: dict, released: bool) -> dict:
    """Print the per-session table and the server's figures; returns the bars, PASS/FAIL."""
    figs = seen["per_session"]
    print(f"\n{seen['sessions']} students ({seen['heavy']} heavy"
          f"{', + 1 real browser' if seen['browser'] else ''}), opened in "
          f"{seen['opened_s']:.0f} s, measured {seen['span_s']:.0f} s")
    print(f"{'session':>9} {'updates/s':>9} {'gap med':>8} {'gap p95':>8} {'steps/s':>8} "
          f"{'step':>7} {'reruns/s':>8} {'kB/upd':>7} {'errors':>6}")
    for f in figs:
        print(f"{f['name']:>9} {f['updates_per_s']:>9.2f} {f['gap_median_s']:>8.2f} "
              f"{f['gap_p95_s']:>8.2f} {f['steps_per_s']:>8.1f} {f['step']:>7,} "
              f"{f['auto_reruns_per_s']:>8.2f} {f['bytes_in_per_update'] / 1024:>7.1f} "
              f"{f['errors']:>6}" + (f"  {f['error_text'][:80]}" if f["errors"] else ""))
    lat = sorted(seen["health_s"])
    health = {"median_ms": statistics.median(lat) * 1000, "p99_ms": _pct(lat, 99) * 1000,
              "max_ms": lat[-1] * 1000, "failures": seen["health_failures"]}
    during = seen["rss_during"]
    print(f"health: {len(lat)} checks, median {health['median_ms']:.0f} ms, p99 "
          f"{health['p99_ms']:.0f} ms, max {health['max_ms']:.0f} ms, failed "
          f"{health['failures']}")
    print(CpuWindow.describe(seen["cpu"]) + f"; this load generator {seen['generator_cpu']:.2f}")
    print(f"server RSS: before {before['rss_mib']:.0f} MiB, during median "
          f"{statistics.median(during):.0f} max {max(during):.0f}, after {after['rss_mib']:.0f} "
          f"({(after['rss_mib'] / before['rss_mib'] - 1) * 100:+.0f}%); threads before "
          f"{before['threads']}, after {after['threads']}, ganviz-train after "
          f"{after['train_threads']}; janitor {after['janitor']} (released: {released})")
    sim = [f for f in figs if f["name"] != "browser"]
    bars = {
        "every session >= 1 update/s": min(f["updates_per_s"] for f in sim) >= 1.0,
        "every session p95 gap <= 2 s": max(f["gap_p95_s"] for f in sim) <= 2.0,
        "health p99 < 1 s, none failed": health["p99_ms"] < 1000 and not health["failures"],
        "no error": sum(f["errors"] for f in figs) == 0,
        "RSS after within 20% of before": after["rss_mib"] <= 1.2 * before["rss_mib"],
        "no training thread left": released and after["train_threads"] == 0,
    }
    for bar, ok in bars.items():
        print(f"{'PASS' if ok else 'FAIL'}  {bar}")
    light = [f["steps_per_s"] for f in sim if f["name"].startswith("light")]
    return {"bars": bars, "health": health, "light_steps_per_s_median":
            statistics.median(light) if light else 0.0,
            "updates_per_s_min": min(f["updates_per_s"] for f in sim),
            "gap_p95_max_s": max(f["gap_p95_s"] for f in sim)}


async def one_class(server: Server, before: dict, n: int, seconds: float, n_heavy: int = 0,
                    with_browser: bool = False) -> dict:
    """Run a class, wait for its release, report; the figures and bars."""
    seen = await run_class(server, n, seconds, n_heavy, with_browser)
    released, waited = server.released()
    await asyncio.sleep(2)
    after = server.left_behind()
    print(f"(released {released} {waited:.0f} s after the last student left)")
    result = report_class(seen, before, after, released)
    if with_browser:
        browser = next(f for f in seen["per_session"] if f["name"] == "browser")
        sim = [f for f in seen["per_session"] if f["name"] != "browser"]
        result["faithfulness"] = compare_browser(browser, sim)
    seen.pop("health_s")
    return {**result, "seen": seen, "before": before, "after": after}


# ---- the modes -------------------------------------------------------------------------------
async def step_until_fail(server: Server, before: dict, args) -> list[dict]:
    """Classes of args.start, args.start + args.step, ... students until a bar fails."""
    rows = []
    for n in range(args.start, args.max_sessions + 1, args.step):
        r = await one_class(server, before, n, args.seconds)
        rows.append(r)
        before = server.left_behind()
        if not all(r["bars"].values()):
            break
    print(f"\n{'students':>8} {'min upd/s':>9} {'max p95 gap':>11} {'health p99 ms':>13} "
          f"{'steps/s (median)':>16} {'all bars':>8}")
    for r in rows:
        print(f"{r['seen']['sessions']:>8} {r['updates_per_s_min']:>9.2f} "
              f"{r['gap_p95_max_s']:>11.2f} {r['health']['p99_ms']:>13.0f} "
              f"{r['light_steps_per_s_median']:>16.0f} "
              f"{'PASS' if all(r['bars'].values()) else 'FAIL':>8}")
    passing = [r for r in rows if all(r["bars"].values())]
    if passing:
        best = passing[-1]
        print(f"largest class meeting every bar: {best['seen']['sessions']} students, "
              f"{best['light_steps_per_s_median']:.0f} steps/s each (median)")
    return rows


async def hostile(server: Server, before: dict, args) -> dict:
    """The same class light, then with args.hostile_share of it on the heaviest settings."""
    n_heavy = max(1, round(args.sessions * args.hostile_share))
    calm = await one_class(server, before, args.sessions, args.seconds)
    rough = await one_class(server, server.left_behind(), args.sessions, args.seconds, n_heavy)
    a, b = calm["light_steps_per_s_median"], rough["light_steps_per_s_median"]
    factor = a / b if b else float("inf")
    print(f"\nhostile mix: light students' steps/s (median) {a:.0f} alone, {b:.0f} with "
          f"{n_heavy} heavy: falls by x{factor:.2f} (bar: at most x2)")
    print(f"{'PASS' if factor <= 2 else 'FAIL'}  light students' rate falls by at most x2")
    return {"calm": calm, "hostile": rough, "fall_factor": factor}


async def lone(server: Server, target: int, query: str, browser: bool) -> dict:
    """One student on ring8 (``query``): Play until ``target`` steps, a simulated student and
    (``browser``) then a real Chromium one, each alone; then the CLI on the same recipe, with
    the server idle. Bar: the simulated student's time <= 1.3 x the CLI's training time."""
    s = StreamlitSession(server.url, PAGE, query, name="lone")
    await s.connect()
    if not await s.wait_for(lambda: s.has_widget("toy_play") and s.steps, PAGE_TIMEOUT_S):
        raise RuntimeError(f"the page never showed ({s.closed_error or 'timeout'})")
    sim = await _time_to_target(s, lambda: s.click("toy_play"), target)
    await leave(s)
    released, _ = server.released()
    seen = {"simulated": sim}
    if browser:
        b = BrowserStudent(server.url, query)
        await b.open(explore=False)
        seen["browser"] = await _time_to_target(b.seen, b.play, target)
        await b.leave()
        server.released()
    cli = run_cli(target)
    print(f"\nlone student, /{PAGE}?{query}: Play until {target:,} steps")
    for who, fig in seen.items():
        fig["ratio"] = fig["app_seconds"] / cli["train_seconds"]
        print(f"  {who:>9}: {'reached' if fig['reached'] else 'NOT reached'} "
              f"{fig['app_seconds']:.1f} s after Play (first step shown after "
              f"{fig['first_step_s']:.1f} s; {fig['steps_per_s']:.0f} steps/s), ratio to the CLI "
              f"{fig['ratio']:.2f}, errors {fig['errors']}")
    print(f"CLI `python -m ganviz toy --dataset ring8 --steps {target}`: train_seconds "
          f"{cli['train_seconds']:.1f} s ({cli['steps_per_second']:.0f} steps/s), wall "
          f"{cli['wall_seconds']:.1f} s, process {cli['process_s']:.1f} s")
    ok = sim["reached"] and sim["ratio"] <= 1.3
    print(f"{'PASS' if ok else 'FAIL'}  one simulated student reaches {target:,} steps within "
          "1.3x the CLI's training time")
    return dict(seen, cli=cli, ratio=sim["ratio"], released=released)


async def _time_to_target(s: StreamlitSession, press_play, target: int) -> dict:
    """Press Play and time the step counter ``s`` reads until it shows ``target``."""
    start_step = s.step
    t_play = time.monotonic()
    await press_play()
    reached = await s.wait_for(lambda: s.step >= target, 600)
    app_s, reached_step = time.monotonic() - t_play, s.step
    first = next((t for t, n in s.steps if t >= t_play and n > start_step), t_play) - t_play
    return {"app_seconds": app_s, "reached": reached, "first_step_s": first,
            "steps_per_s": (reached_step - start_step) / app_s,
            "errors": len(s.exceptions) + bool(s.closed_error)}


def run_cli(steps: int) -> dict:
    """``python -m ganviz toy --dataset ring8 --steps N --json``: its JSON plus process time."""
    cmd = [sys.executable, "-m", "ganviz", "toy", "--dataset", "ring8", "--steps", str(steps),
           "--json", "--no-progress"]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT))
    t0 = time.monotonic()
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
                         check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["process_s"] = time.monotonic() - t0
    return result


async def soak(server: Server, before: dict, args) -> dict:
    """``args.sessions`` students for ``args.soak_minutes``; with ``--churn`` each stays
    20-90 s, leaves and is replaced 1-5 s later. RSS and threads sampled every 10 s."""
    rng, end = random.Random(0), time.monotonic() + args.soak_minutes * 60
    samples: list[dict] = []
    sampler = Sampler(server.url, server.pid)
    sampler.start()
    stats = {"joined": 0, "left": 0, "errors": 0, "error_text": []}

    async def seat(i: int) -> None:
        while time.monotonic() < end - 10:
            s = await open_student(server.url, LIGHT_QUERY, f"seat{i}-{stats['joined']}")
            stats["joined"] += 1
            stay = rng.uniform(20, 90) if args.churn else end - time.monotonic()
            await asyncio.sleep(max(1.0, min(stay, end - time.monotonic())))
            await leave(s)
            stats["left"] += 1
            errors = s.exceptions + ([s.closed_error] if s.closed_error else [])
            stats["errors"] += len(errors)
            stats["error_text"] += errors[:1]
            await asyncio.sleep(rng.uniform(1, 5))

    async def sample() -> None:
        t0 = time.monotonic()
        while time.monotonic() < end + 5:
            samples.append({"t_s": time.monotonic() - t0, **server.left_behind()})
            await asyncio.sleep(10)

    await asyncio.gather(sample(), *(seat(i) for i in range(args.sessions)))
    sampler.halt.set()
    released, waited = server.released()
    after = server.left_behind()
    samples.append({"t_s": samples[-1]["t_s"] + waited if samples else 0.0, **after})
    lat = sorted(sampler.latencies)
    print(f"\nsoak {args.soak_minutes:g} min, {args.sessions} seats, churn {args.churn}: "
          f"{stats['joined']} joined, {stats['left']} left, errors {stats['errors']}; health "
          f"median {statistics.median(lat) * 1000:.0f} ms, p99 {_pct(lat, 99) * 1000:.0f} ms")
    print(f"RSS before {before['rss_mib']:.0f} MiB, max {max(x['rss_mib'] for x in samples):.0f}"
          f", after {after['rss_mib']:.0f}; threads before {before['threads']}, max "
          f"{max(x['threads'] for x in samples)}, after {after['threads']}, ganviz-train after "
          f"{after['train_threads']} (released {released})")
    bars = {"no error": stats["errors"] == 0, "health p99 < 1 s": _pct(lat, 99) < 1.0,
            "RSS after within 20% of before": after["rss_mib"] <= 1.2 * before["rss_mib"],
            "no training thread left": released and after["train_threads"] == 0}
    for bar, ok in bars.items():
        print(f"{'PASS' if ok else 'FAIL'}  {bar}")
    if args.plot:
        plot_soak(samples, before, args.plot)
    return {"samples": samples, "stats": stats, "after": after, "released": released, "bars": bars,
            "health_median_ms": statistics.median(lat) * 1000,
            "health_p99_ms": _pct(lat, 99) * 1000}


def plot_soak(samples: list[dict], before: dict, out: str) -> None:
    """RSS (MiB) and threads (all, ganviz-train) over the soak, one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = [s["t_s"] / 60 for s in samples]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 5.5), sharex=True)
    ax1.plot(t, [s["rss_mib"] for s in samples], color="tab:blue")
    ax1.axhline(before["rss_mib"] * 1.2, color="grey", ls="--", lw=1, label="before + 20%")
    ax1.set_ylabel("server RSS, MiB")
    ax1.legend(loc="best")
    ax2.plot(t, [s["threads"] for s in samples], label="all threads")
    ax2.plot(t, [s["train_threads"] for s in samples], label="ganviz-train")
    ax2.set_ylabel("threads")
    ax2.set_xlabel("minutes")
    ax2.legend(loc="center right")
    fig.suptitle("Soak: students joining and leaving (benchmarks/classroom_ws.py)")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"plot: {out}")


# ---- the command line ------------------------------------------------------------------------
def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=10, help="students (seats in a soak)")
    ap.add_argument("--seconds", type=float, default=30.0, help="training time measured")
    ap.add_argument("--ttl", type=int, default=10, help="server.disconnectedSessionTTL, s")
    ap.add_argument("--step-until-fail", action="store_true")
    ap.add_argument("--start", type=int, default=10)
    ap.add_argument("--step", type=int, default=10)
    ap.add_argument("--max-sessions", type=int, default=80)
    ap.add_argument("--hostile-share", type=float, default=0.0)
    ap.add_argument("--lone", action="store_true")
    ap.add_argument("--lone-steps", type=int, default=9000)
    ap.add_argument("--lone-spr", type=int, help="--lone: steps per refresh (default: the page's)")
    ap.add_argument("--soak-minutes", type=float, default=0.0)
    ap.add_argument("--churn", action="store_true")
    ap.add_argument("--browser", action="store_true", help="one real Chromium student as well")
    ap.add_argument("--json", help="write every figure to this file")
    ap.add_argument("--plot", help="soak: PNG of RSS and threads")
    args = ap.parse_args()
    if not 1 <= args.sessions <= 200 or not 1 <= args.max_sessions <= 200:
        raise SystemExit("--sessions and --max-sessions must be 1..200")
    if not 0 <= args.hostile_share < 1:
        raise SystemExit("--hostile-share must be in [0, 1)")
    if not 0 <= args.soak_minutes <= 240 or not 1 <= args.seconds <= 3600:
        raise SystemExit("--soak-minutes must be 0..240 and --seconds 1..3600")
    return args


async def run(args: argparse.Namespace, server: Server) -> dict:
    if args.lone:
        await warm_up(server)
        query = LONE_QUERY + (f"&spr={args.lone_spr}" if args.lone_spr else "")
        return {"lone": await lone(server, args.lone_steps, query, args.browser)}
    before = await warm_up(server)
    if args.soak_minutes:
        return {"soak": await soak(server, before, args)}
    if args.step_until_fail:
        return {"steps": await step_until_fail(server, before, args)}
    if args.hostile_share:
        return {"hostile": await hostile(server, before, args)}
    return {"class": await one_class(server, before, args.sessions, args.seconds,
                                     with_browser=args.browser)}


def main() -> None:
    from benchmarks.classroom_load import _stop_on_sigterm

    _stop_on_sigterm()
    args = parse_args()
    print(machine_context())
    print(f"load average (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"simulated students over Streamlit's websocket (benchmarks/_stclient.py); "
          f"disconnectedSessionTTL {args.ttl} s; Toy GAN Lab, ring8")
    server = Server(args.ttl)
    try:
        result = asyncio.run(run(args, server))
    finally:
        server.stop()
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"(server log: {server.log})")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, default=str))
        print(f"figures: {args.json}")


if __name__ == "__main__":
    main()
