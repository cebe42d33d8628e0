"""The README's varnish VCL, run by a real varnishd in front of the app: what a shared cache keeps.

The VCL is read from README.md (the ```vcl block), with the app's port put in
``.port``. The app runs without FEEDSVC_SITE_URL, allows the public host the VCL
sets and trusts 127.0.0.1 (varnish) for X-Forwarded-*. Each check is one of the
README's comments: forged Host and X-Forwarded-* change no cached byte and make no
new cache object, cache-busting query strings share the feed's object, A-IM never
reaches the app, and an expired copy is served for stale-if-error when the app is
down (varnish's default VCL answers 503 once stale-while-revalidate has passed).

Skipped where varnishd is missing (CI installs it and fails instead).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from .servers import LOOPBACK, ROOT, STOP_TIMEOUT, _tail, free_port, granian_app, stop_process

pytestmark = pytest.mark.integration

PUBLIC = "news.example.org"
MAX_AGE, SWR = 1, 1
TIMEOUT = 5.0
_SBIN = os.pathsep.join(["/usr/sbin", "/usr/local/sbin", "/usr/bin"])


def readme_vcl(app_port: int) -> str:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```vcl\n(.*?)```", text, re.S)
    assert block, "README.md has no ```vcl block"
    vcl = block.group(1).replace('.port = "8000";', f'.port = "{app_port}";')
    assert f'.port = "{app_port}"' in vcl and f'"{PUBLIC}"' in vcl
    return vcl.replace("set req.grace = 60s;", f"set req.grace = {SWR}s;")


def varnishd() -> str:
    exe = shutil.which("varnishd") or shutil.which("varnishd", path=_SBIN)
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("varnishd is not installed; .ci/run installs varnish")
        pytest.skip("varnishd is not installed (apt-get install varnish); CI runs this test")
    return exe


@contextmanager
def varnish(tmp_path: Path, vcl: str):
    exe = varnishd()
    port = free_port()
    (tmp_path / "feedsvc.vcl").write_text(vcl)
    log = tmp_path / "varnishd.log"
    command = [exe, "-F", "-j", "none", "-a", f"{LOOPBACK}:{port}", "-T", "none", "-f", str(tmp_path / "feedsvc.vcl")]
    command += ["-n", str(tmp_path / "varnish"), "-s", "malloc,32m"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while "Child launched OK" not in log.read_text(errors="replace"):
            assert proc.poll() is None, f"varnishd exited:\n{_tail(log)}"
            assert time.monotonic() < deadline, f"varnishd did not start:\n{_tail(log)}"
            time.sleep(0.05)
        # Its health probe must have seen the app up before a request can reach it (a busy machine
        # can make the first probe time out; varnish then answers 503 until the next one).
        while get(port, "/healthz")[0] != 200:
            assert time.monotonic() < deadline + 20, f"varnish never found the app healthy:\n{_tail(log)}"
            time.sleep(0.2)
        yield port
    finally:
        stop_process(proc, STOP_TIMEOUT)
        print(f"--- varnishd.log ---\n{_tail(log)}")


def get(port: int, path: str, **headers) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=TIMEOUT)
    try:
        conn.request("GET", path, headers={"Host": PUBLIC, **headers})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def app_requests(log: Path, path: str) -> list[dict]:
    lines = []
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("path") == path:
                lines.append(entry)
    return lines


def test_the_readme_vcl_keeps_the_cache_clean_and_serves_stale_if_error(tmp_path):
    varnishd()
    env = {
        "FEEDSVC_ALLOWED_HOSTS": PUBLIC,
        "FEEDSVC_TRUSTED_PROXIES": LOOPBACK,
        "FEEDSVC_MAX_AGE": str(MAX_AGE),
        "FEEDSVC_STALE_WHILE_REVALIDATE": str(SWR),
        "FEEDSVC_STALE_IF_ERROR": "3600",
    }
    with granian_app(tmp_path, env, name="behind-varnish") as app, varnish(tmp_path, readme_vcl(app.port)) as port:
        # Forged headers first, as an attacker would, to be the one who fills the cache.
        forged = {
            "Host": "evil.example",
            "X-Forwarded-Host": "evil.example",
            "X-Forwarded-Proto": "javascript",
            "X-Forwarded-Prefix": "/phish",
            "X-Forwarded-For": "6.6.6.6",
        }
        status, _, poisoned = get(port, "/feed.atom", **forged)
        assert status == 200
        status, headers, clean = get(port, "/feed.atom")
        assert status == 200 and clean == poisoned
        assert f'href="https://{PUBLIC}/feed.atom" rel="self"'.encode() in clean
        assert b"evil" not in clean and b"phish" not in clean and b"javascript" not in clean
        fetched = len(app_requests(app.log, "/feed.atom"))
        for n in range(20):  # rotating Hosts and cache-busting query strings: one object, no new fetch
            status, _, body = get(port, f"/feed.atom?_={1700000000000 + n}", Host=f"h{n}.example")
            assert status == 200 and body == clean
        assert len(app_requests(app.log, "/feed.atom")) == fetched
        assert all(line["remote"] != "6.6.6.6" for line in app_requests(app.log, "/feed.atom"))

        # A-IM is the client's business, never the cache's.
        get(port, "/feed.json", **{"A-IM": "feed", "If-None-Match": '"x"'})
        assert [line["a_im"] for line in app_requests(app.log, "/feed.json")] == [None]

        # The app goes down: past max-age + stale-while-revalidate, the copy is served for stale-if-error.
        status, _, missing = get(port, "/no-such-page")
        assert status == 404
        app.stop()
        time.sleep(MAX_AGE + SWR + 2.5)  # expired, past s-w-r, and the probe has marked the app sick
        status, headers, stale = get(port, "/feed.atom")
        assert status == 200 and stale == clean, f"{status} {headers}"
        assert int(headers.get("Age", "0")) > MAX_AGE + SWR
