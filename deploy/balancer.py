"""Run ganviz as N Streamlit replicas behind HAProxy, on one machine or several.

Streamlit keeps a session (its script state, uploads and media) in the memory of the process
whose websocket the browser opened, so a balancer must send all of one browser's requests to
one replica. HAProxy does that with a cookie it inserts itself (`GANVIZ_REPLICA`); open-source
nginx cannot. This file is the one source of that setup:

  config   write haproxy.cfg for replicas given as host:port (on this machine or others)
  replica  run one replica in the foreground (`--address 0.0.0.0` on a replica machine)
  serve    start N replicas on consecutive loopback ports and HAProxy in front of them, in the
           foreground; Ctrl-C or SIGTERM stops them all (`make serve REPLICAS=3`)

The tests (tests/test_deploy_balancer.py, tests/test_server_security.py) use these functions,
so what they prove is what `make serve` runs. See deploy/README.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STREAMLIT_CONFIG = ROOT / ".streamlit" / "config.toml"
STICKY_COOKIE = "GANVIZ_REPLICA"
REPLICA_HEADER = "X-Ganviz-Replica"
HEALTH_PATH = "/_stcore/health"
DEFAULT_MAX_UPLOAD_MB = 200  # Streamlit's own default for server.maxUploadSize
# Streamlit 1.67's page, asset and session routes (streamlit/web/server/starlette/). Left out on
# purpose: /_stcore/metrics (server internals), /_stcore/agent/ (an API a class does not need),
# /_stcore/script-health-check (off by default), /auth/ and /oauth2callback (no login here),
# /app/static/ (server.enableStaticServing is off), and every other path, which Streamlit would
# answer with its index page.
ROOT_FILES = ("/", "/index.html", "/favicon.png", "/manifest.json")
CORE_PATHS = ("/_stcore/stream", HEALTH_PATH, "/_stcore/host-config")
TREE_PREFIXES = ("/static/", "/media/", "/component/", "/_stcore/bidi-components/")
UPLOAD_PATH_REGEX = r"^/_stcore/upload_file/[0-9A-Za-z-]{1,64}/[0-9A-Za-z_-]{1,64}$"
# never in a path Streamlit serves: traversal, doubled or encoded separators, NUL
BAD_PATH_PARTS = ("..", "//", "\\\\", "%2e", "%2f", "%5c", "%00")
_PAGE_FILE = re.compile(r"[0-9]*[_ -]*(.*)\.py")


@dataclass(frozen=True)
class BalancerConfig:
    """What haproxy.cfg is written from.

    replicas: "host:port" of each Streamlit replica; named r1, r2, ... in that order (the
    sticky cookie's value and the X-Ganviz-Replica header). bind: where HAProxy listens.
    pages: URL names of the app's pages ("Toy_GAN_Lab"). max_upload_mb: server.maxUploadSize.
    stats_socket: a Unix socket for `show stat` (operators and tests), or None.
    """

    replicas: tuple[str, ...]
    bind: str = "127.0.0.1:8501"
    pages: tuple[str, ...] = ()
    max_upload_mb: int = DEFAULT_MAX_UPLOAD_MB
    stats_socket: str | None = None

    def __post_init__(self) -> None:
        if not self.replicas:
            raise ValueError("give at least one replica as host:port")
        for address in (*self.replicas, self.bind):
            split_address(address)
        for page in self.pages:
            if not re.fullmatch(r"[A-Za-z0-9_-]+", page):
                raise ValueError(f"page URL name {page!r}: only letters, digits, _ and -")


def split_address(address: str) -> tuple[str, int]:
    """("host", port) of "host:port"; ValueError with the bad part named otherwise."""
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{address!r}: give host:port, e.g. 127.0.0.1:8502 or 10.0.0.12:8501")
    return host, int(port)


def page_urls(root: Path = ROOT) -> tuple[str, ...]:
    """URL names of the app's pages ("Toy_GAN_Lab", ...): Streamlit's pages/ convention, file
    name less its number prefix and .py (as app.py's st.Page(file) calls give them)."""
    from ganviz.overview import page_files

    return tuple(_PAGE_FILE.fullmatch(Path(f).name).group(1) for f in page_files(root))


def max_upload_mb(config_file: Path = STREAMLIT_CONFIG) -> int:
    """server.maxUploadSize of the shipped Streamlit config (MiB, as Streamlit counts it)."""
    if not config_file.exists():
        return DEFAULT_MAX_UPLOAD_MB
    server = tomllib.loads(config_file.read_text()).get("server", {})
    return int(server.get("maxUploadSize", DEFAULT_MAX_UPLOAD_MB))


def _frontend(cfg: BalancerConfig) -> list[str]:
    """The frontend: refuse odd methods and paths before any replica sees them."""
    pages = " ".join(f"/{p}" for p in cfg.pages)
    return [
        "frontend ganviz",
        f"    bind {cfg.bind}",
        "    # Streamlit's own routes only; anything else would get its index page (200)",
        f"    acl st_page path {' '.join(ROOT_FILES)} {pages}".rstrip(),
        f"    acl st_core path {' '.join(CORE_PATHS)}",
        f"    acl st_tree path_beg {' '.join(TREE_PREFIXES)}",
        f"    acl st_upload path_reg {UPLOAD_PATH_REGEX}",
        f"    acl bad_path path_sub -i {' '.join(BAD_PATH_PARTS)}",
        "    acl read_method method GET HEAD",
        "    acl upload_method method PUT DELETE",
        "    # uploads (PUT) and their removal (DELETE) only at the upload route; no TRACE,",
        "    # POST or cross-origin preflight (OPTIONS): the app is served from one origin",
        "    http-request deny deny_status 405 unless read_method || upload_method st_upload",
        "    http-request deny deny_status 403 if bad_path",
        "    http-request deny deny_status 404 unless st_page || st_core || st_tree || st_upload",
        "    # as Streamlit's own check (server.maxUploadSize), before the body crosses the LAN",
        "    http-request deny deny_status 413 if st_upload"
        f" {{ req.hdr_val(content-length) gt {cfg.max_upload_mb * 2**20} }}",
        "    default_backend replicas",
    ]


def _backend(cfg: BalancerConfig) -> list[str]:
    """The replicas: sticky by cookie, checked by Streamlit's health route."""
    lines = [
        "backend replicas",
        "    # long-lived websockets: send a new student to the replica holding the fewest",
        "    balance leastconn",
        "    # HAProxy's own cookie pins a browser's page, websocket, upload and media requests",
        "    # to the replica that holds its session; the replicas never see it",
        f"    cookie {STICKY_COOKIE} insert indirect nocache httponly attr \"SameSite=Lax\"",
        "    option httpchk",
        f"    http-check send meth GET uri {HEALTH_PATH} ver HTTP/1.1 hdr Host localhost",
        "    http-check expect status 200",
        "    # a dead replica is out after 2 failed checks 1-2 s apart, back after 2 good ones",
        "    # (no on-marked-down shutdown-sessions: it also cut requests already redispatched)",
        "    default-server inter 2s fastinter 1s downinter 2s fall 2 rise 2",
        "    # which replica answered: for the tests and for an operator reading a browser's log",
        f"    http-response set-header {REPLICA_HEADER} %[srv_name]",
    ]
    for i, address in enumerate(cfg.replicas, start=1):
        lines.append(f"    server r{i} {address} check cookie r{i}")
    return lines


def render_haproxy_cfg(cfg: BalancerConfig) -> str:
    """haproxy.cfg text (HAProxy 2.6, Debian bookworm) for `cfg`."""
    stats = [f"    stats socket {cfg.stats_socket} mode 600 level user"] if cfg.stats_socket else []
    lines = [
        f"# deploy/balancer.py wrote this for {len(cfg.replicas)} replica(s): rerun it to change",
        "global",
        "    maxconn 4096",
        "    log stdout format raw local0 info",
        *stats,
        "",
        "defaults",
        "    mode http",
        "    log global",
        "    option httplog",
        "    option forwardfor",
        "    # a sticky cookie naming a dead replica falls back to a live one (a new session)",
        "    option redispatch",
        "    retries 2",
        "    timeout connect 5s",
        "    timeout client 60s",
        "    timeout server 60s",
        "    timeout http-request 10s",
        "    timeout http-keep-alive 10s",
        "    # an upgraded websocket is a tunnel: a quiet student stays connected for an hour",
        "    timeout tunnel 1h",
        "    timeout client-fin 10s",
        "",
        *_frontend(cfg),
        "",
        *_backend(cfg),
    ]
    return "\n".join(lines) + "\n"


def haproxy_binary() -> str | None:
    """Path of the haproxy executable (Debian puts it in /usr/sbin), or None."""
    return shutil.which("haproxy") or next(
        (p for p in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if os.access(p, os.X_OK)),
        None)


def check_haproxy_cfg(path: Path) -> None:
    """Run `haproxy -c` on `path`; RuntimeError with HAProxy's message if it refuses it."""
    binary = haproxy_binary()
    if binary is None:
        raise RuntimeError("haproxy is not installed: `make setup` (apt-get install haproxy)")
    done = subprocess.run([binary, "-c", "-q", "-f", str(path)], capture_output=True, text=True,
                          timeout=30)
    if done.returncode != 0:
        raise RuntimeError(f"haproxy refused {path}:\n{done.stdout}{done.stderr}")


def start_haproxy(cfg_path: Path, log: Path) -> subprocess.Popen:
    """HAProxy in the foreground (-db) in its own process group, logging to `log`."""
    check_haproxy_cfg(cfg_path)
    with open(log, "ab") as out:
        return subprocess.Popen([haproxy_binary(), "-db", "-f", str(cfg_path)], stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def replica_command(port: int, address: str = "127.0.0.1") -> list[str]:
    """`streamlit run app.py` as one replica: headless, no file watcher, no usage stats.
    Security options come from .streamlit/config.toml, read from the repository root."""
    return [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
            "--server.port", str(port), "--server.address", address,
            "--server.headless", "true", "--server.fileWatcherType", "none",
            "--browser.gatherUsageStats", "false"]


def start_replica(port: int, log: Path, address: str = "127.0.0.1") -> subprocess.Popen:
    """One replica in its own process group (so killing it kills its children too)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2")
    with open(log, "ab") as out:
        return subprocess.Popen(replica_command(port, address), cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def healthy(url: str, timeout: float = 3.0) -> bool:
    """True if `url`/_stcore/health answers 200."""
    try:
        with urllib.request.urlopen(url + HEALTH_PATH, timeout=timeout) as reply:
            return reply.status == 200
    except OSError:
        return False


def wait_healthy(urls: list[str], procs: list[subprocess.Popen], timeout: float = 180) -> dict:
    """Wait until every url is healthy; {url: seconds it took}. RuntimeError if a process
    exits or `timeout` passes first (importing TensorFlow makes a start take 10-30 s)."""
    t0, ready = time.monotonic(), {}
    while len(ready) < len(urls):
        for url, proc in zip(urls, procs):
            if url in ready:
                continue
            if proc.poll() is not None:
                raise RuntimeError(f"{url}: exited with {proc.returncode} before it was healthy")
            if healthy(url, timeout=1.0):
                ready[url] = time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            missing = sorted(set(urls) - set(ready))
            raise RuntimeError(f"not healthy after {timeout:.0f} s: {missing}")
        time.sleep(0.3)
    return ready


def stop(proc: subprocess.Popen, grace: float = 10) -> None:
    """SIGTERM a process group started here, SIGKILL it if it is still there after `grace`."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            pass


def server_states(stats_socket: str) -> dict[str, str]:
    """{"r1": "UP", "r2": "DOWN", ...} from HAProxy's `show stat` on its stats socket."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(3)
        sock.connect(stats_socket)
        sock.sendall(b"show stat\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    rows = data.decode().lstrip("# ").splitlines()
    header = rows[0].split(",")
    states = {}
    for row in rows[1:]:
        fields = dict(zip(header, row.split(",")))
        if fields.get("pxname") == "replicas" and fields.get("svname", "").startswith("r"):
            states[fields["svname"]] = fields["status"]
    return states


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (for tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(n_replicas: int, bind: str, first_port: int, workdir: Path) -> int:
    """Start `n_replicas` replicas on 127.0.0.1:first_port.. and HAProxy on `bind`; wait until
    HAProxy exits or a signal comes, then stop them all. Returns HAProxy's exit status."""
    ports = [first_port + i for i in range(n_replicas)]
    cfg = BalancerConfig(tuple(f"127.0.0.1:{p}" for p in ports), bind, page_urls(),
                         max_upload_mb(), str(workdir / "haproxy.sock"))
    cfg_path = workdir / "haproxy.cfg"
    cfg_path.write_text(render_haproxy_cfg(cfg))
    check_haproxy_cfg(cfg_path)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # runs the finally below
    procs: list[subprocess.Popen] = []
    try:
        procs += [start_replica(p, workdir / f"r{i}.log") for i, p in enumerate(ports, 1)]
        print(f"starting {n_replicas} replica(s) on ports {ports}; logs in {workdir}", flush=True)
        wait_healthy([f"http://127.0.0.1:{p}" for p in ports], procs)
        procs.append(start_haproxy(cfg_path, workdir / "haproxy.log"))
        print(f"ganviz on http://{bind} (HAProxy, {n_replicas} replicas); Ctrl-C stops",
              flush=True)
        return _watch(procs[-1], cfg)
    except KeyboardInterrupt:
        return 0
    finally:
        for proc in reversed(procs):
            stop(proc)
        print("stopped HAProxy and the replicas", flush=True)


def _watch(haproxy: subprocess.Popen, cfg: BalancerConfig) -> int:
    """Until HAProxy exits: print each replica's state when it changes (UP, DOWN, ...)."""
    seen: dict[str, str] = {}
    while haproxy.poll() is None:
        try:
            states = server_states(cfg.stats_socket)
        except OSError:
            states = seen
        for name, state in states.items():
            if seen.get(name) != state:
                print(f"{time.strftime('%H:%M:%S')} replica {name}: {state}", flush=True)
        seen = states
        time.sleep(2)
    return haproxy.returncode


def main(argv: list[str] | None = None) -> int:
    """CLI: parse and dispatch to config / replica / serve."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    conf = sub.add_parser("config", help="print haproxy.cfg for the given replicas")
    conf.add_argument("--replica", action="append", required=True, metavar="HOST:PORT")
    conf.add_argument("--bind", default="0.0.0.0:8501", metavar="HOST:PORT")
    conf.add_argument("--stats-socket", default=None, metavar="PATH")
    rep = sub.add_parser("replica", help="run one replica in the foreground")
    rep.add_argument("--port", type=int, default=8501)
    rep.add_argument("--address", default="127.0.0.1", help="0.0.0.0 for a remote balancer")
    srv = sub.add_parser("serve", help="N replicas and HAProxy on this machine")
    srv.add_argument("--replicas", type=int, default=3)
    srv.add_argument("--bind", default="0.0.0.0:8501", metavar="HOST:PORT")
    srv.add_argument("--first-port", type=int, default=8511, help="replicas' first port")
    args = parser.parse_args(argv)
    if str(ROOT) not in sys.path:  # run as `python deploy/balancer.py`: ganviz is beside us
        sys.path.insert(0, str(ROOT))
    if args.command == "config":
        print(render_haproxy_cfg(BalancerConfig(tuple(args.replica), args.bind, page_urls(),
                                                max_upload_mb(), args.stats_socket)), end="")
        return 0
    if args.command == "replica":
        env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2")
        os.chdir(ROOT)
        os.execvpe(sys.executable, replica_command(args.port, args.address), env)
    if not 1 <= args.replicas <= 64:
        parser.error(f"--replicas must be 1..64, got {args.replicas}")
    with tempfile.TemporaryDirectory(prefix="ganviz-serve-") as workdir:
        return serve(args.replicas, args.bind, args.first_port, Path(workdir))


if __name__ == "__main__":
    sys.exit(main())
