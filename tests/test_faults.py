"""Fault injection against the Procfile's server: one worker, one file or one client cannot take it down.

Each test runs the Procfile's command (``python -m feedsvc.serve`` and its granian
options, two workers) on 127.0.0.1 while client threads poll it, then does what a
bad day does: kills a worker as the OOM killer would, sends SIGHUP over broken
content, opens a thousand idle sockets. Clients open a new connection per request,
so a refused or reset connection shows as an error, and record the version
(ETag) each answer carried, so two workers serving two versions would show.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import resource
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .conftest import FIXTURE, write_article
from .servers import LOOPBACK, free_port, granian_app

pytestmark = pytest.mark.integration

WORKERS = 2
TIMEOUT = 5.0


@dataclass
class Answer:
    at: float
    status: int | None = None
    etag: str | None = None
    error: str | None = None


@dataclass
class Pollers:
    """Threads polling /feed.atom on fresh connections until stopped."""

    port: int
    threads: int = 2
    answers: list[Answer] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self):
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(self.threads)]
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self._threads:
            thread.join(TIMEOUT + 1)

    def _run(self) -> None:
        while not self.stop.is_set():
            answer = Answer(0.0)
            try:
                conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=TIMEOUT)
                conn.request("GET", "/feed.atom")
                response = conn.getresponse()
                response.read()
                answer.status, answer.etag = response.status, response.headers.get("ETag")
                conn.close()
            except (OSError, http.client.HTTPException) as exc:
                answer.error = f"{type(exc).__name__}: {exc}"
            answer.at = time.monotonic()
            self.answers.append(answer)
            time.sleep(0.005)

    def errors(self, since: float = 0.0) -> list[Answer]:
        return [a for a in self.answers if a.at >= since and (a.error or a.status != 200)]

    def flips(self) -> list[str]:
        """Versions served again after a newer one was seen (more than 0.2 s later): split-brain."""
        seen: dict[str, float] = {}
        flips = []
        for answer in self.answers:
            if answer.etag is None:
                continue
            later = [t for etag, t in seen.items() if etag != answer.etag and t > seen.get(answer.etag, 0)]
            if answer.etag in seen and later and answer.at - min(later) > 0.2:
                flips.append(answer.etag)
            seen.setdefault(answer.etag, answer.at)
        return flips


def health(port: int) -> dict:
    import json

    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=TIMEOUT)
    try:
        conn.request("GET", "/healthz")
        return json.loads(conn.getresponse().read())
    finally:
        conn.close()


def every_worker(port: int, check, deadline: float = 30.0) -> dict[int, dict]:
    """Poll /healthz until each of the WORKERS workers has answered with ``check(report)`` true."""
    done: dict[int, dict] = {}
    end = time.monotonic() + deadline
    while len(done) < WORKERS:
        report = health(port)
        if check(report):
            done[report["worker"]] = report
        assert time.monotonic() < end, f"workers never reached the state; last /healthz: {report}"
        time.sleep(0.02)
    return done


@pytest.fixture()
def content(content_copy):
    """A writable copy of the fixture content (conftest's ``content_copy``)."""
    return content_copy


def serve(tmp_path, content, **env):
    port = free_port()
    settings = {"FEEDSVC_CONTENT_DIR": str(content), "FEEDSVC_STATE_DIR": str(tmp_path / "state"), **env}
    return granian_app(tmp_path, settings, port=port, workers=WORKERS, procfile=True)


def test_a_killed_worker_is_replaced_while_the_other_keeps_serving(tmp_path, content):
    with serve(tmp_path, content) as server:
        before = server.workers()
        with Pollers(server.port, threads=3) as pollers:
            time.sleep(0.5)
            victim = min(before)
            os.kill(victim, signal.SIGKILL)  # what the out-of-memory killer does
            killed = time.monotonic()
            end = killed + 15
            while len(server.workers() - before) < 1 or len(server.workers()) < WORKERS:
                assert server.proc.poll() is None, "granian exited when one worker died"
                assert time.monotonic() < end, "the dead worker was not replaced"
                time.sleep(0.05)
            replaced = time.monotonic()
            every_worker(server.port, lambda report: report["status"] == "ok")
            time.sleep(1.0)
        assert server.proc.poll() is None
    refused = [a for a in pollers.answers if a.error and "Refused" in a.error]
    failed = pollers.errors()
    print(
        f"{len(pollers.answers)} requests, {len(failed)} failed (in flight on the killed worker), "
        f"worker replaced {replaced - killed:.2f}s after SIGKILL"
    )
    assert not refused, refused[:3]
    assert len(failed) <= 3, failed  # only requests the killed worker held
    assert not pollers.errors(since=replaced), "requests failed after the worker was replaced"


def _fault(content: Path, kind: str) -> None:
    articles = content / "articles"
    if kind == "bad site.yaml":
        with open(content / "site.yaml", "a") as site:
            site.write("title: [oops\n")
    elif kind == "content error":
        (articles / "broken.md").write_text("---\ntitle: [oops\n---\nBody\n")
    elif kind == "fifo":
        os.mkfifo(articles / "pipe.md")
    elif kind == "unreadable file":
        (articles / "loop.md").symlink_to(articles / "loop.md")  # ELOOP: open() fails


def _repair(content: Path, kind: str) -> None:
    if kind == "bad site.yaml":
        shutil.copy(FIXTURE / "site.yaml", content / "site.yaml")
    else:
        for name in ("broken.md", "pipe.md", "loop.md"):
            with contextlib.suppress(FileNotFoundError):
                (content / "articles" / name).unlink()


FAULTS = ["bad site.yaml", "content error", "fifo", "unreadable file"]


def test_sighup_over_broken_content_keeps_one_version_serving(tmp_path, content):
    """Strict mode: every fault fails the reload; then a good change is served by both workers at once."""
    with serve(tmp_path, content, FEEDSVC_STRICT="true") as server:
        every_worker(server.port, lambda report: report["status"] == "ok")  # both have started
        first = health(server.port)["content_version"]
        with Pollers(server.port) as pollers:
            for generation, kind in enumerate(FAULTS, start=1):
                _fault(content, kind)
                os.kill(server.proc.pid, signal.SIGHUP)
                reports = every_worker(
                    server.port,
                    lambda r, g=generation: r["reload"]["generation"] == g and r["reload"]["state"] == "failed",
                )
                assert all(r["content_version"] == first and r["status"] == "degraded" for r in reports.values())
                _repair(content, kind)
            # A good change, and a folder of 2,000 articles, each adopted by both workers together.
            for generation, count in ((len(FAULTS) + 1, 1), (len(FAULTS) + 2, 2000)):
                for number in range(count):
                    write_article(content, f"new-{generation}-{number}", number % 300)
                os.kill(server.proc.pid, signal.SIGHUP)
                hup = time.monotonic()
                reports = every_worker(
                    server.port,
                    lambda r, g=generation: (
                        r["reload"] == {"state": "ok", "generation": g, "version": r["content_version"]}
                    ),
                )
                assert len({r["content_version"] for r in reports.values()}) == 1
                print(
                    f"generation {generation}: +{count} articles served by both workers "
                    f"{time.monotonic() - hup:.2f}s after SIGHUP"
                )
            time.sleep(0.5)
        assert server.proc.poll() is None, "granian exited"
        log = server.log.read_text(errors="replace")
    assert "gracefully respawning workers" not in log
    assert not pollers.errors(), pollers.errors()[:5]
    assert not pollers.flips(), f"versions alternated: {pollers.flips()[:5]}"
    assert len({a.etag for a in pollers.answers}) == 3  # the first version, then the two good reloads
    print(f"{len(pollers.answers)} requests during {len(FAULTS)} failed and 2 good reloads, none failed")


@pytest.mark.parametrize("during", ["idle", "reload"])
def test_sigterm_stops_the_server_within_the_grace_period(tmp_path, content, during):
    """Granian's processes can miss a SIGTERM taken by another thread: the main process must not,
    and a worker that does is killed after the Procfile's --workers-kill-timeout (5 s)."""
    with serve(tmp_path, content) as server:
        if during == "reload":
            (content / "articles" / "loop.md").symlink_to(content / "articles" / "loop.md")
            os.kill(server.proc.pid, signal.SIGHUP)
        started = time.monotonic()
        server.proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.proc.wait(15)
        stopped = time.monotonic() - started
    assert stopped < 7, f"SIGTERM took {stopped:.1f}s"  # PaaS grace periods: 30 s on Heroku, 10 s or less elsewhere


def test_a_thousand_idle_sockets_do_not_starve_a_poll(tmp_path, content):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 4096:
        pytest.skip(f"needs 4096 open files, the hard limit is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 4096), hard))  # inherited by the server
    idle: list[socket.socket] = []
    try:
        with serve(tmp_path, content) as server:
            for _ in range(1100):  # connections that never send a byte
                idle.append(socket.create_connection((LOOPBACK, server.port)))
            time.sleep(0.5)
            for _ in range(10):
                started = time.monotonic()
                conn = http.client.HTTPConnection(LOOPBACK, server.port, timeout=TIMEOUT)
                conn.request("GET", "/feed.atom", headers={"Accept-Encoding": "gzip"})
                response = conn.getresponse()
                response.read()
                conn.close()
                took = time.monotonic() - started
                assert response.status == 200 and took < 1.0, f"poll took {took:.2f}s with 1,100 idle sockets"
    finally:
        for sock in idle:
            sock.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_worker_killed_while_the_folder_is_broken_does_not_stop_the_server(tmp_path, content):
    """The respawned worker cannot load the folder; granian must not take that for a crash loop."""
    with serve(tmp_path, content) as server:
        every_worker(server.port, lambda report: report["status"] == "ok")
        before = server.workers()
        _fault(content, "bad site.yaml")
        with Pollers(server.port) as pollers:
            time.sleep(0.3)
            os.kill(min(before), signal.SIGKILL)
            killed = time.monotonic()
            time.sleep(8)  # past granian's 5.5 s crash-loop window
            assert server.proc.poll() is None, "granian stopped: the respawned worker crash-looped"
            _repair(content, "bad site.yaml")
            every_worker(server.port, lambda report: report["status"] == "ok")  # the new worker starts
    failed = pollers.errors(since=killed + 0.5)
    assert not failed, failed[:3]
