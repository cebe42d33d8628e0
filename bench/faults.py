"""Fault figures for the README's operations section: the Procfile's server on a bad day.

    python -m bench.faults [--articles 100000] [--corpus DIR]

Runs the Procfile's command (two workers) on 127.0.0.1 and measures, with clients
polling /feed.atom on fresh connections throughout:

- reload: SIGHUP after one new article in a corpus of ``--articles`` files (the
  100,000-file case the suite scales down to 2,000): failed requests, versions
  seen out of order, seconds until both workers serve the new version;
- kill: SIGKILL of one worker: failed and refused requests, seconds to respawn;
- idle: 1,100 connections that never send a byte, then 20 polls: slowest poll;
- large: a 3.9 MB article: seconds from start to the first answer, then the
  workers' RSS with 300 clients that request its page and never read;
- sigterm: seconds from SIGTERM to exit.

The corpus is the benchmark corpus (``bench.corpus``), hard-linked into a
scratch folder so the new article never touches it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import FIXTURE, write_article
from tests.servers import LOOPBACK, free_port, granian_app
from tests.test_faults import Pollers, every_worker, health, workers_of

from . import corpus
from .common import ROOT, memory_kb

START = 900.0  # seconds a 100k corpus may take to start cold


def _server(tmp: Path, content: Path, **env):
    settings = {"FEEDSVC_CONTENT_DIR": str(content), "FEEDSVC_STATE_DIR": str(tmp / "state"), **env}
    import tests.servers

    tests.servers.START_TIMEOUT = START
    return granian_app(tmp, settings, port=free_port(), workers=2, procfile=True)


@contextmanager
def _fixture_server(tmp: Path, name: str, *, article_body: str = ""):
    """The Procfile's server over a copy of the test fixture (plus one article), both workers up."""
    content = tmp / name
    shutil.copytree(FIXTURE, content)
    if article_body:
        write_article(content, "big", 1, body=article_body)
    with _server(tmp, content) as server:
        every_worker(server.port, lambda r: r["status"] == "ok", deadline=START)
        yield server


def reload_figures(tmp: Path, source: Path) -> str:
    content = tmp / "corpus"
    subprocess.run(["cp", "-al", str(source), str(content)], check=True)
    files = sum(1 for _ in content.rglob("*.md"))
    started = time.monotonic()
    with _server(tmp, content) as server:
        every_worker(server.port, lambda r: r["status"] in ("ok", "degraded"), deadline=START)
        boot = time.monotonic() - started
        with Pollers(server.port) as pollers:
            time.sleep(1)
            write_article(content, "reloaded-by-sighup", 9000)
            os.kill(server.proc.pid, signal.SIGHUP)
            hup = time.monotonic()
            every_worker(server.port, lambda r: r["reload"].get("generation") == 1 and "version" in r["reload"], START)
            switched = time.monotonic() - hup
            time.sleep(1)
    failed = pollers.errors()
    return (
        f"| SIGHUP with one new file among {files:,} | {len(pollers.answers):,} polls, {len(failed)} failed, "
        f"{len(pollers.flips())} out-of-order versions; both workers switched {switched:.1f} s after SIGHUP "
        f"(cold start {boot:.0f} s) |"
    )


def kill_figures(tmp: Path) -> str:
    with _fixture_server(tmp, "kill") as server:
        before = workers_of(server)
        with Pollers(server.port, threads=3) as pollers:
            time.sleep(1)
            os.kill(min(before), signal.SIGKILL)
            killed = time.monotonic()
            while len(workers_of(server) - before) < 1:
                time.sleep(0.02)
            every_worker(server.port, lambda r: r["status"] == "ok")
            respawned = time.monotonic() - killed
            time.sleep(2)
        alive = server.proc.poll() is None
    refused = sum(1 for a in pollers.answers if a.error and "Refused" in a.error)
    return (
        f"| SIGKILL of one worker under load | {len(pollers.answers):,} polls, {len(pollers.errors())} failed "
        f"(in flight on the killed worker), {refused} refused; replaced and serving in {respawned:.1f} s; "
        f"server {'still up' if alive else 'EXITED'} |"
    )


def idle_figures(tmp: Path) -> str:
    sockets = []
    with _fixture_server(tmp, "idle") as server:
        for _ in range(1100):
            sockets.append(socket.create_connection((LOOPBACK, server.port)))
        time.sleep(1)
        times = []
        for _ in range(20):
            started = time.monotonic()
            health(server.port)
            times.append(time.monotonic() - started)
        for sock in sockets:
            sock.close()
    return f"| 1,100 idle connections | 20 polls answered, slowest in {max(times) * 1000:.0f} ms |"


def large_figures(tmp: Path) -> str:
    words = " ".join(f"w{i % 9973}" for i in range(700_000))[:3_900_000]
    started = time.monotonic()
    with _fixture_server(tmp, "large", article_body=words) as server:
        up = time.monotonic() - started
        readers = []
        for _ in range(300):
            sock = socket.create_connection((LOOPBACK, server.port))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.sendall(b"GET /articles/big HTTP/1.1\r\nHost: x\r\n\r\n")
            readers.append(sock)
        time.sleep(5)
        rss = [memory_kb(pid).get("VmRSS", 0) // 1024 for pid in workers_of(server)]
        answered = health(server.port)["status"]
        for sock in readers:
            sock.close()
    return (
        f"| A 3.9 MB article | both workers serving {up:.1f} s after start; 300 clients not reading its page: "
        f"worker RSS {' and '.join(map(str, rss))} MB, /healthz still answered ({answered}) |"
    )


def sigterm_figures(tmp: Path) -> str:
    times = []
    for number in range(5):
        with _fixture_server(tmp, f"term-{number}") as server:
            started = time.monotonic()
            server.proc.terminate()
            server.proc.wait(60)
            times.append(time.monotonic() - started)
    return f"| SIGTERM, 5 times | stopped in {min(times):.1f} to {max(times):.1f} s |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000, help="corpus size for the reload figure")
    parser.add_argument("--corpus", type=Path, help="an existing corpus folder (default: bench/corpus/<size>)")
    args = parser.parse_args(argv)
    source = args.corpus or corpus.ensure(args.articles, ROOT / "bench" / "corpus")
    rows = ["| Fault | Outcome |", "|---|---|"]
    with tempfile.TemporaryDirectory(prefix="feedsvc-faults-") as scratch:
        tmp = Path(scratch)
        for figures in (kill_figures, idle_figures, sigterm_figures, large_figures):
            rows.append(figures(tmp))
            print(rows[-1], flush=True)
        rows.append(reload_figures(tmp, source))
        print(rows[-1], flush=True)
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
