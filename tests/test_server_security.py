"""Security of a shared deployment (issue 21 part 7), proved on a real server behind HAProxy.

The shipped .streamlit/config.toml turns XSRF protection on, keeps cross-origin access off and
caps uploads at the app's own largest limit; deploy/balancer.py's HAProxy passes only the
paths Streamlit serves. Each test reads the setting and then shows its effect on one replica
started by `streamlit run app.py` from the repository root (so it reads the shipped file),
directly and through HAProxy.

Streamlit's option names read backwards here: `server.enableCORS = true` is CORS *protection*
on, i.e. cross-origin access off; `false` would send `Access-Control-Allow-Origin: *` and
accept a websocket from any site (Streamlit 1.67 only warns, it does not override it).
"""

from __future__ import annotations

import asyncio
import select
import socket
import time
import tomllib
from urllib.parse import urlsplit

import pytest
import requests

from deploy import balancer
from tests import aio
from tests.test_deploy_balancer import Student, open_session, start_cluster, stop_cluster, upload

CONFIG = balancer.STREAMLIT_CONFIG
FOREIGN_ORIGIN = "http://evil.example"
# (method, raw path, status HAProxy answers): each one named and handled
HOSTILE_REQUESTS = (
    ("GET", "/../etc/passwd", 403),
    ("GET", "/static/../../etc/passwd", 403),
    ("GET", "/static/%2e%2e/%2e%2e/etc/passwd", 403),
    ("GET", "/media/..%2f..%2fetc%2fpasswd", 403),
    ("GET", "//etc/passwd", 403),
    ("GET", "/static/x%00.js", 403),
    ("GET", "/admin", 404),
    ("GET", "/.git/config", 404),
    ("GET", "/server-status", 404),
    ("GET", "/_stcore/metrics", 404),
    ("GET", "/_stcore/agent/openapi.json", 404),
    ("GET", "/_stcore/script-health-check", 404),
    ("GET", "/auth/login", 404),
    ("GET", "/app/static/secrets.toml", 404),
    ("GET", "/Toy_GAN_Lab/../../etc/passwd", 403),
    ("TRACE", "/", 405),
    ("PUT", "/", 405),
    ("DELETE", "/_stcore/health", 405),
    ("POST", "/_stcore/upload_file/s/f", 405),
    ("OPTIONS", "/_stcore/upload_file/s/f", 405),
    ("PUT", "/_stcore/upload_file/../../x", 405),
    ("POST", "/_stcore/agent/mcp", 405),
)

pytestmark = pytest.mark.skipif(
    balancer.haproxy_binary() is None,
    reason="haproxy is not installed; `make setup` installs it (apt-get install haproxy)")


def _server_options() -> dict:
    return tomllib.loads(CONFIG.read_text())["server"]


def test_shipped_config_turns_xsrf_on_and_cross_origin_access_off():
    options = tomllib.loads(CONFIG.read_text())
    assert options["server"]["enableXsrfProtection"] is True
    assert options["server"]["enableCORS"] is True  # CORS protection on: see the module doc
    assert "corsAllowedOrigins" not in options["server"]  # no site is trusted
    assert options["runner"]["postScriptGC"] is False  # kept from before


def test_max_upload_size_is_the_apps_largest_upload_limit():
    """Streamlit's cap (MiB) equals the largest limit the app itself enforces on an upload,
    so no upload the app would take is refused, and none it would refuse is buffered."""
    from ganviz.image.uploads import MAX_TOTAL_BYTES
    from ganviz.judge.inputs import MAX_KERAS_BYTES
    from ganviz.toy.datasets import MAX_CSV_BYTES
    from ganviz.toy.model_zip import MAX_ZIP_BYTES
    from ganviz.ui.scorecard import MAX_UPLOAD_BYTES

    limits = {"toy model .zip": MAX_ZIP_BYTES, "toy CSV": MAX_CSV_BYTES,
              "scorecard file": MAX_UPLOAD_BYTES, ".keras generator": MAX_KERAS_BYTES,
              "image .zip (unpacked)": MAX_TOTAL_BYTES}
    assert _server_options()["maxUploadSize"] * 2**20 == max(limits.values()), limits
    assert balancer.max_upload_mb() == _server_options()["maxUploadSize"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One replica and HAProxy in front of it: (replica url, balancer url, log folder)."""
    workdir = tmp_path_factory.mktemp("security")
    cluster = start_cluster(workdir, 1)
    replica_port = balancer.split_address(_replica_address(workdir))[1]
    yield f"http://127.0.0.1:{replica_port}", cluster.url, workdir
    stop_cluster(cluster)


def _replica_address(workdir) -> str:
    """r1's host:port, read back from the haproxy.cfg start_cluster wrote."""
    for line in (workdir / "haproxy.cfg").read_text().splitlines():
        if line.strip().startswith("server r1 "):
            return line.split()[2]
    raise AssertionError("no server r1 in haproxy.cfg")


async def _student_with_session(base: str, keep_reading: bool = True) -> Student:
    """A browser's first steps: health (sets the XSRF cookie), websocket, a script run."""
    student = Student("security")
    reply = await asyncio.to_thread(student.http.get, base + balancer.HEALTH_PATH, timeout=20)
    assert reply.cookies.get("_streamlit_xsrf"), "health set no XSRF cookie: is XSRF off?"
    await open_session(base, student, keep_reading)
    return student


@pytest.mark.parametrize("via", ["replica", "balancer"])
def test_upload_without_the_xsrf_pair_is_refused(server, via):
    aio.run(_xsrf_cases(server[0] if via == "replica" else server[1]))


async def _xsrf_cases(base: str) -> None:
    """403 unless the _streamlit_xsrf cookie and an equal X-Xsrftoken header both come."""
    student = await _student_with_session(base)
    try:
        token = student.http.cookies.get("_streamlit_xsrf")
        url = f"{base}/_stcore/upload_file/{student.session_id}/f1"
        files = {"file": ("points.csv", b"x,y\n0,1\n")}
        other = requests.get(base + balancer.HEALTH_PATH, timeout=20).cookies["_streamlit_xsrf"]
        cases = {"no cookie, no header": ({}, {}),
                 "cookie, no header": ({"_streamlit_xsrf": token}, {}),
                 "header, no cookie": ({}, {"X-Xsrftoken": token}),
                 "another browser's token": ({"_streamlit_xsrf": token}, {"X-Xsrftoken": other})}
        for name, (cookies, headers) in cases.items():
            reply = requests.put(url, files=files, cookies=cookies, headers=headers, timeout=20)
            assert reply.status_code == 403, (name, reply.status_code, reply.text)
        assert await upload(base, student) == 204  # the pair a browser sends
    finally:
        await student.ws.close()


def _raw(base: str, head: str, body_chunks=(), timeout: float = 30) -> tuple[int, dict]:
    """Send a hand-written request (`head` without the final blank line), then body chunks
    until the server answers; (status, lower-case headers). For what `requests` would
    normalise away (.., %2e, odd methods) or could not stream."""
    host, port = urlsplit(base).hostname, urlsplit(base).port
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(f"{head}\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
        deadline = time.monotonic() + timeout
        for chunk in body_chunks:
            if select.select([sock], [], [], 0)[0] or time.monotonic() > deadline:
                break  # answered (413) before the body ended, as a server should
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 65536:
            part = sock.recv(4096)
            if not part:
                break
            data += part
    lines = data.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), headers


def test_upload_over_max_upload_size_is_refused(server):
    aio.run(_oversize_cases(*server[:2]))
    # the chunked body was cut by Streamlit's streaming cap, not by some other error
    assert "exceeded the size limit while streaming" in (server[2] / "r1.log").read_text()


async def _oversize_cases(replica: str, balancer_url: str) -> None:
    """413 from Streamlit for a declared oversize body and for a chunked one that never
    declares its size (the lying client); 413 from HAProxy before any replica sees it."""
    limit = _server_options()["maxUploadSize"] * 2**20
    student = await _student_with_session(replica)
    try:
        token = student.http.cookies.get("_streamlit_xsrf")
        head = (f"PUT /_stcore/upload_file/{student.session_id}/big HTTP/1.1\r\n"
                f"Cookie: _streamlit_xsrf={token}\r\nX-Xsrftoken: {token}\r\n"
                "Content-Type: multipart/form-data; boundary=b")
        declared = f"{head}\r\nContent-Length: {limit + 1}"
        assert _raw(replica, declared, [b"-" * 4096])[0] == 413
        status, headers = _raw(balancer_url, declared, [b"-" * 4096])
        assert status == 413 and balancer.REPLICA_HEADER.lower() not in headers
        part = b"--b\r\nContent-Disposition: form-data; name=f; filename=a.csv\r\n\r\n"
        mib = b"0" * 2**20
        chunked = (_http_chunk(part), *(_http_chunk(mib) for _ in range(limit // 2**20 + 8)))
        assert _raw(replica, f"{head}\r\nTransfer-Encoding: chunked", chunked, 120)[0] == 413
    finally:
        await student.ws.close()


def _http_chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def test_foreign_origin_gets_no_cors_and_no_websocket(server):
    """A page on another site can neither read replies (no Access-Control-Allow-Origin) nor
    open the websocket (403); Streamlit logs no 'enableCORS=false' warning."""
    for base in server[:2]:
        for path in ("/", balancer.HEALTH_PATH, "/_stcore/host-config"):
            reply = requests.get(base + path, headers={"Origin": FOREIGN_ORIGIN}, timeout=20)
            assert reply.status_code == 200
            assert "access-control-allow-origin" not in reply.headers, (base, path)
        aio.run(_foreign_websocket(base.replace("http://", "ws://")))
    log = (server[2] / "r1.log").read_text()
    assert "server.enableCORS=false" not in log


async def _foreign_websocket(url: str) -> None:
    import websockets

    with pytest.raises(websockets.exceptions.InvalidStatus, match="403"):
        await websockets.connect(url + "/_stcore/stream", subprotocols=["streamlit"],
                                 origin=FOREIGN_ORIGIN, open_timeout=20)


def test_balancer_refuses_what_streamlit_does_not_serve(server):
    """Each hostile request gets HAProxy's own 403/404/405 (no replica header): the replica
    never sees it. Streamlit itself would answer most with its index page (200)."""
    balancer_url = server[1]
    for method, path, expected in HOSTILE_REQUESTS:
        status, headers = _raw(balancer_url, f"{method} {path} HTTP/1.1")
        assert (status, balancer.REPLICA_HEADER.lower() in headers) == (expected, False), \
            (method, path, status)
    assert _raw(server[0], "GET /admin HTTP/1.1")[0] == 200  # why the balancer must filter


def test_balancer_passes_every_page_and_asset_streamlit_serves(server):
    """The pages Streamlit announces (its navigation message) are exactly the balancer's
    list, and each page, root file and a bundled script pass with 200."""
    names = aio.run(_announced_pages(server[1]))
    assert set(names) - {""} == set(balancer.page_urls()), names
    index = requests.get(server[1] + "/", timeout=20).text
    script = index.split('src="./', 1)[1].split('"', 1)[0]
    paths = [*balancer.ROOT_FILES, *(f"/{n}" for n in names if n), f"/{script}",
             balancer.HEALTH_PATH, "/_stcore/host-config"]
    for path in paths:
        reply = requests.get(server[1] + path, timeout=20)
        assert reply.status_code == 200 and reply.headers[balancer.REPLICA_HEADER] == "r1", path


async def _announced_pages(base: str) -> list[str]:
    """url_pathname of every page in the ForwardMsg.navigation of a script run."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    student = await _student_with_session(base, keep_reading=False)
    try:
        for _ in range(200):
            msg = ForwardMsg()
            msg.ParseFromString(await asyncio.wait_for(student.ws.recv(), 60))
            if msg.WhichOneof("type") == "navigation":
                return [page.url_pathname for page in msg.navigation.app_pages]
        raise AssertionError("no navigation message in 200 messages")
    finally:
        await student.ws.close()
