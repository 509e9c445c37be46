"""Live training in a real browser: steps/s shown and how often the real-vs-fake plot refreshes.

Starts ``streamlit run app.py`` on a free port, opens the Toy GAN Lab in Debian's Chromium with
the bench config (``ganviz.toy.presets.BENCH``: ring8, batch 256, 2 x 32 leaky ReLU, latent 2)
through a shareable link, presses Play and, after a warm-up, watches the page for a while:

- steps/s shown: the status line's own number (wall-clock steps/s over its last 3 s), median
  of the samples, and the step counter's rise over the window as a cross-check;
- plot refreshes/s: how often the real-vs-fake plot's title ("step N") changes in the DOM,
  sampled every animation frame in the page (while playing the plot is the live plot, an
  iframe of the same origin; paused, Streamlit's chart), and the longest gap between changes.

"Steps per refresh" is the page's speed limit: at most that many steps per 0.2 s refresh tick,
i.e. 5 x spr steps/s (training runs on a background thread, not in the refresh). So >= 1,000
steps/s needs spr >= 200, with headroom from 300.

Target (issue 4): >= 1,000 steps/s shown while the plot refreshes >= 4 times a second. The
browser runs on the same machine as the server and the training: all share its cores.

    .venv/bin/python benchmarks/browser_live.py [--seconds 20] [--spr 200 300 500 1000]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._context import machine_context  # noqa: E402
from benchmarks._procs import CHROMIUM_ARGS, PLOT_TITLE_JS, CpuWindow, stop  # noqa: E402

CHROMIUM = os.environ.get("GANVIZ_CHROMIUM", "/usr/bin/chromium")

WATCH_JS = """() => {
  // the real-vs-fake plot: the live plot's iframe while playing, else Streamlit's own chart
""" + PLOT_TITLE_JS + """  window.__bench = {titles: [], steps: []};
  let lastTitle = null, lastStatus = null;
  const loop = () => {
    const t = performance.now();
    const text = plotTitle();
    if (text && text !== lastTitle) { window.__bench.titles.push([t, text]); lastTitle = text; }
    const status = document.querySelector('.toy-status');
    const s = status ? status.textContent : null;
    if (s && s !== lastStatus) {
      lastStatus = s;
      const step = status.querySelector('.toy-step'), rate = status.querySelector('.toy-rate');
      window.__bench.steps.push([t, step ? step.textContent : '', rate ? rate.textContent : '']);
    }
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _number(text: str) -> float | None:
    digits = re.sub(r"[^0-9.]", "", text or "")
    return float(digits) if digits else None


def start_server() -> tuple[subprocess.Popen, str, Path]:
    script = ROOT / "app.py"
    tmp = Path(tempfile.mkdtemp(prefix="ganviz-bench-"))
    if not script.exists():  # before the home page exists: a stand-in next to the real pages
        (tmp / "app.py").write_text("import streamlit as st\nst.title('ganviz')\n")
        (tmp / "pages").symlink_to(ROOT / "pages", target_is_directory=True)
        script = tmp / "app.py"
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2")
    log = open(tmp / "streamlit.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script),
                             "--server.headless", "true", "--server.port", str(port),
                             "--server.fileWatcherType", "none"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url, tmp
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit(f"streamlit did not start; see {tmp / 'streamlit.log'}")


def measure(browser, url: str, spr: int, seconds: float, warmup: float, server_pid: int) -> dict:
    from ganviz.toy.config import ToyConfig
    from ganviz.toy.presets import BENCH
    from ganviz.ui.toy_link import encode

    params = encode(ToyConfig(**BENCH).replace(steps=1_000_000), "ring8-default",
                    steps_per_refresh=spr)
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(180_000)
    page.goto(f"{url}/Toy_GAN_Lab?{urlencode(params)}")
    page.locator(".toy-status .toy-step").first.wait_for()
    page.locator(".stPlotlyChart .gtitle").first.wait_for()
    page.get_by_role("button", name=re.compile("Play")).click()
    deadline = time.monotonic() + 180  # the first Play compiles the loop (once per server)
    while time.monotonic() < deadline:
        if (_number(page.locator(".toy-status .toy-step").first.inner_text()) or 0) > 0:
            break
        time.sleep(0.2)
    time.sleep(warmup)
    page.evaluate(WATCH_JS)
    cpu = CpuWindow(server_pid).start()
    time.sleep(seconds)
    used = cpu.stop()
    data = page.evaluate("() => window.__bench")
    page.get_by_role("button", name=re.compile("Pause")).click()
    context.close()

    titles = data["titles"]
    steps = [(t, _number(s), _number(r)) for t, s, r in data["steps"]]
    span = seconds
    refreshes = max(0, len(titles) - 1)
    gaps = [(b[0] - a[0]) / 1000 for a, b in zip(titles, titles[1:])]
    rates = [r for _, _, r in steps if r is not None]
    counted = [(t, s) for t, s, _ in steps if s is not None]
    counter_rate = ((counted[-1][1] - counted[0][1]) / ((counted[-1][0] - counted[0][0]) / 1000)
                    if len(counted) >= 2 and counted[-1][0] > counted[0][0] else float("nan"))
    return {"spr": spr, "plot_refreshes_per_s": refreshes / span,
            "steps_per_s_shown": statistics.median(rates) if rates else float("nan"),
            "steps_per_s_counter": counter_rate, "samples": len(rates),
            "longest_gap_s": max(gaps) if gaps else float("nan"), "cpu": used}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=20.0, help="measurement window per setting")
    ap.add_argument("--warmup", type=float, default=5.0)
    ap.add_argument("--spr", type=int, nargs="+", default=[200, 300, 500, 1000],
                    help="steps per refresh to try (each in a fresh browser session)")
    args = ap.parse_args()
    print(machine_context())
    print(f"load average (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("config: ganviz.toy.presets.BENCH (ring8, batch 256, 2x32 leaky ReLU, latent 2), "
          f"refresh timer 0.2 s, window {args.seconds:.0f} s after {args.warmup:.0f} s warm-up")
    from playwright.sync_api import sync_playwright

    proc, url, tmp = start_server()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            print(f"{'steps/refresh':>13} {'steps/s shown':>14} {'steps/s counter':>16} "
                  f"{'plot refreshes/s':>17} {'longest gap s':>14}  target met")
            for spr in args.spr:
                r = measure(browser, url, spr, args.seconds, args.warmup, proc.pid)
                ok = r["steps_per_s_shown"] >= 1000 and r["plot_refreshes_per_s"] >= 4
                print(f"{r['spr']:>13} {r['steps_per_s_shown']:>14,.0f} "
                      f"{r['steps_per_s_counter']:>16,.0f} "
                      f"{r['plot_refreshes_per_s']:>17.2f} {r['longest_gap_s']:>14.2f}  "
                      f"{'yes' if ok else 'no'}", flush=True)
                print(f"{'':>13} {CpuWindow.describe(r['cpu'])}", flush=True)
            browser.close()
    finally:
        stop(proc, 10)
    print(machine_context().replace("machine:", "after:"))
    print(f"load average after (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
