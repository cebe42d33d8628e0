"""Graceful reload: new content is published with SIGHUP, and no client sees an error meanwhile.

Plain granian (two workers, without ``feedsvc.serve``'s in-place reload) serves
a writable copy of the fixture content: this is the fallback a server takes
when its state folder cannot be written, and what a publisher who runs granian
directly gets. tests/test_faults.py covers the Procfile's in-place reload.
Two client threads poll without pause: one over a single
keep-alive connection (reopened only after a failure, which is recorded), one
opening a fresh connection per request. Each goes round /feed.atom, /feed.json,
/ and a conditional GET of /feed.atom with the last ETag it saw. Meanwhile the
test writes a new article and sends SIGHUP to granian's main process, which
starts a new worker, waits ``--respawn-interval`` (3.5 s by default), stops the
old one and does the same for the next. Polling goes on until the new entry is
served and granian has stopped every old worker, and one second more.

Every response must be 200 or 304 and no request may fail. When an old worker
stops, granian closes its idle keep-alive connections, and a client reusing one
at that moment finds it closed before any answer (rarely, a new connection too).
RFC 9112 section 9.3.1 lets a client retry an idempotent request then, and
browsers, feed readers, urllib3 and nginx do: so do these clients, once, on a
new connection. Such retries are counted and printed; a retry that fails, an
error after an answer began, or more retries than the reload can explain fail
the test. The app's access log is checked against what the clients received,
which tells a request the app answered but the client never got from one the
app never saw.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from feedsvc.reader import read_content

from .conftest import FIXTURE, write_article
from .servers import LOOPBACK, free_port, granian_app, granian_path

pytestmark = pytest.mark.integration

WORKERS = 2  # the Procfile's default (WEB_CONCURRENCY unset)
TIMEOUT = 5.0  # per request
RELOAD_DEADLINE = 30.0  # seconds from SIGHUP for the new entry to be served and the old workers to be gone
AFTER = 1.0  # seconds of polling once the reload is complete
MIN_REQUESTS = 300
MAX_RETRIES = 8  # connections closed unanswered as the two old workers stop: a few per stop and client
# The connection was closed before any answer: RFC 9112 9.3.1 lets a GET be sent again.
NO_ANSWER = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)
# What each client asks for, in turn: True marks the conditional GET (If-None-Match: the last ETag seen).
ROUND = (("/feed.atom", False), ("/feed.json", False), ("/", False), ("/feed.atom", True))
PATHS = {path for path, _ in ROUND}
CLIENTS = ("keep-alive", "fresh")  # one thread each: every request on one connection, or a new connection each
SLUG = "hot-reloaded-note"
TITLE = "A note published by SIGHUP"


@dataclass
class Outcome:
    at: float  # time.monotonic() when the request finished
    client: str  # "keep-alive", "fresh" or "probe"
    request: str
    status: int | None = None
    error: str | None = None
    new_entry: bool | None = None  # for GET /feed.atom with a body: does it hold the new entry's id?


@dataclass
class Poller:
    port: int
    new_id: bytes
    outcomes: list[Outcome] = field(default_factory=list)
    retries: list[Outcome] = field(default_factory=list)  # first attempts closed before any answer
    stop: threading.Event = field(default_factory=threading.Event)
    connections: dict[str, int] = field(default_factory=dict)  # TCP connections opened, per client
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)

    def snapshot(self) -> list[Outcome]:
        with self.lock:
            return list(self.outcomes)

    def connect(self, client: str) -> http.client.HTTPConnection:
        self.connections[client] = self.connections.get(client, 0) + 1
        return http.client.HTTPConnection(LOOPBACK, self.port, timeout=TIMEOUT)

    def one(
        self, conn: http.client.HTTPConnection, client: str, path: str, etag: str | None
    ) -> tuple[str | None, bool]:
        """Make one request on ``conn``; record it; return (ETag seen, whether the connection is still usable)."""
        headers = {"If-None-Match": etag} if etag else {}
        name = f"GET {path}" + (" If-None-Match" if etag else "")
        for attempt in (1, 2):
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
                break
            except NO_ANSWER as exc:
                if attempt == 2:
                    self.record(
                        Outcome(time.monotonic(), client, name, error=f"retry failed: {type(exc).__name__}: {exc}")
                    )
                    conn.close()
                    return None, False
                with self.lock:
                    self.retries.append(Outcome(time.monotonic(), client, name, error=f"{type(exc).__name__}: {exc}"))
                conn.close()
                conn = self.connect(client)
            except (OSError, http.client.HTTPException) as exc:
                self.record(Outcome(time.monotonic(), client, name, error=f"{type(exc).__name__}: {exc}"))
                conn.close()
                return None, False
        new_entry = (self.new_id in body) if path == "/feed.atom" and response.status == 200 else None
        self.record(Outcome(time.monotonic(), client, name, response.status, new_entry=new_entry))
        if attempt == 2:
            conn.close()  # the caller still holds the closed connection: it opens a new one next time
            return response.headers.get("ETag") if path == "/feed.atom" else None, False
        return response.headers.get("ETag") if path == "/feed.atom" else None, not response.will_close

    def run(self, client: str) -> None:
        etag = None
        conn = None
        while not self.stop.is_set():
            for path, conditional in ROUND:
                if conn is None:
                    conn = self.connect(client)
                seen, usable = self.one(conn, client, path, etag if conditional else None)
                etag = seen or etag
                if not usable or client == "fresh":
                    conn.close()
                    conn = None
        if conn is not None:
            conn.close()

    def get(self, path: str) -> tuple[int, bytes]:
        """One request of the test's own on a fresh connection, recorded as a "probe"."""
        conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=TIMEOUT)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
        finally:
            conn.close()
        new_entry = (self.new_id in body) if path == "/feed.atom" and response.status == 200 else None
        self.record(Outcome(time.monotonic(), "probe", f"GET {path}", response.status, new_entry=new_entry))
        return response.status, body


def access_log_lines(log: str) -> tuple[list[dict], list[str]]:
    """The app's access-log lines (one JSON object per request) among granian's own log lines,
    and the lines that are neither (a damaged access line, say)."""
    entries, damaged = [], []
    for line in log.splitlines():
        if line.startswith(("[INFO]", "[WARNING]")) or " INFO feedsvc." in line or " WARNING feedsvc." in line:
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        if isinstance(entry, dict) and "path" in entry and "status" in entry:
            entries.append(entry)
        else:
            damaged.append(line)
    return entries, damaged


def test_sighup_publishes_new_content_without_failing_a_request(tmp_path):
    if not granian_path().exists():
        pytest.skip(f"granian is not installed next to {granian_path().parent}; install requirements-dev.txt")
    if not Path("/proc/self/task").is_dir():
        pytest.skip("needs /proc to find granian's workers")
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    # The id the new article will have, read with the app's own content reader from a scratch copy.
    scratch = tmp_path / "scratch"
    shutil.copytree(content, scratch)
    write_article(scratch, SLUG, 0, title=TITLE)
    new_entry = next(e for e in read_content(scratch).entries if e.slug == SLUG)

    port = free_port()
    site = f"http://{LOOPBACK}:{port}"
    env = {"FEEDSVC_CONTENT_DIR": str(content), "FEEDSVC_SITE_URL": site}
    poller = Poller(port, new_entry.id.encode())
    with granian_app(tmp_path, env, port=port, name="reload", workers=WORKERS) as server:
        before = server.workers()
        assert len(before) == WORKERS, f"expected {WORKERS} workers, found {before}"
        status, atom = poller.get("/feed.atom")
        assert status == 200 and poller.new_id not in atom

        threads = [threading.Thread(target=poller.run, args=(client,), daemon=True) for client in CLIENTS]
        for thread in threads:
            thread.start()
        try:
            time.sleep(0.5)  # polling is under way before anything changes
            write_article(content, SLUG, 0, title=TITLE)
            hup = time.monotonic()
            os.kill(server.proc.pid, signal.SIGHUP)

            served = reloaded = None
            while served is None or reloaded is None:
                assert server.proc.poll() is None, f"granian exited with {server.proc.returncode}"
                assert time.monotonic() - hup < RELOAD_DEADLINE, (
                    f"within {RELOAD_DEADLINE:.0f}s of SIGHUP: new entry served={served is not None}, "
                    f"old workers stopped={reloaded is not None}; workers {before} -> {server.workers()}"
                )
                if served is None:
                    status, atom = poller.get("/feed.atom")
                    if status == 200 and poller.new_id in atom:
                        served = time.monotonic()
                if reloaded is None and f"Stopped old worker-{WORKERS}" in server.log.read_text(errors="replace"):
                    reloaded = time.monotonic()
                time.sleep(0.1)
            time.sleep(AFTER)
        finally:
            poller.stop.set()
            for thread in threads:
                thread.join(TIMEOUT + 1)
        after = server.workers()
        _, home = poller.get("/")
        status, atom = poller.get("/feed.atom")
    log = server.log.read_text(errors="replace")  # complete now that every worker has exited
    outcomes = poller.snapshot()

    statuses: dict[int, int] = {}
    for o in outcomes:
        if o.status is not None:
            statuses[o.status] = statuses.get(o.status, 0) + 1
    errors = [o for o in outcomes if o.error is not None]
    answered = sum(statuses.values())
    entries, damaged = access_log_lines(log)
    lines = [line for line in entries if line["path"] in PATHS]  # not granian_app's /healthz checks
    logged = len(lines)
    # Requests the app answered (it logs after its WSGI callable returns) that no client received.
    unreceived = Counter((line["path"], line["status"]) for line in lines)
    unreceived.subtract(Counter((o.request.split()[1], o.status) for o in outcomes if o.status is not None))
    unreceived = {key: n for key, n in unreceived.items() if n}
    figures = (
        f"{len(outcomes)} requests in {outcomes[-1].at - outcomes[0].at:.1f}s, statuses {statuses}, "
        f"{len(errors)} failed, TCP connections opened {poller.connections}, "
        f"{logged} requests in the app's access log (answered by the app, not received: {unreceived or 'none'}); "
        f"the new entry was served {served - hup:.1f}s "
        f"and the last old worker stopped {reloaded - hup:.1f}s after SIGHUP"
    )
    failures = "\n".join(
        f"  +{o.at - hup:.3f}s after SIGHUP, {o.client} connection, {o.request}: {o.error}" for o in errors
    )
    retried = "\n".join(
        f"  retried (RFC 9112 9.3.1): +{o.at - hup:.3f}s after SIGHUP, {o.client} connection, {o.request}: {o.error}"
        for o in poller.retries
    )
    figures += f"; {len(poller.retries)} request(s) retried once after a connection closed unanswered"
    print(figures + "".join("\n" + text for text in (retried, failures) if text))

    assert "HUP signal received, gracefully respawning workers" in log
    assert len(after) == WORKERS and not (after & before), f"workers were not replaced: {before} -> {after}"
    assert set(statuses) <= {200, 304}, figures
    assert len(outcomes) >= MIN_REQUESTS, figures
    # The app logged exactly the requests that got an answer: none was taken in and then lost.
    assert not damaged, f"{len(damaged)} damaged line(s) in the server's stdout, e.g. {damaged[:3]!r}"
    assert logged == answered, figures
    # Once the old workers are gone, every copy of the site feed served holds the new entry.
    late = [o for o in outcomes if o.at > reloaded and o.new_entry is not None]
    assert late and all(o.new_entry for o in late), figures
    # The new article is on the site.
    assert status == 200 and poller.new_id in atom
    assert f"{site}{new_entry.path}".encode() in home and TITLE.encode() in home
    # No request failed; the only retries are the few connections closed unanswered as old workers stopped.
    assert not errors, f"{figures}\n{failures}"
    assert len(poller.retries) <= MAX_RETRIES, f"{figures}\n{retried}"
    assert all(hup < o.at < reloaded + 1 for o in poller.retries), f"{figures}\n{retried}"
