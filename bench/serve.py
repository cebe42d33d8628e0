"""Serving benchmark: feedsvc vs nginx (same bytes, static) vs Django syndication, loaded with wrk.

For one content folder it starts the three servers side by side, checks what
each answers, then runs every scenario (site feed plain GET, gzip GET,
conditional GET answered 304, an article page) at each connection count,
alternating the servers (feedsvc, nginx, django, feedsvc, ...) for several
rounds and keeping the best round of each. Django has no article page.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from xml.etree import ElementTree

from .common import OUT, CpuWatch, free_port, get, log, memory_kb, wait_quiet
from .load import wrk
from .servers import DJANGO_TARGET, AppServer, Nginx, check_same_bytes, mirror

SERVERS = ("feedsvc", "nginx", "django")
FEED = "/feed.atom"


def _wrk_dict(url: str, connections: int, seconds: int, headers: dict) -> dict:
    return wrk(url, connections, seconds, headers).as_dict()


@dataclass
class Scenario:
    """A kind of request, and what each server must answer to it."""

    key: str
    title: str
    status: int
    encoding: str | None = None
    article: bool = False
    conditional: bool = False
    servers: tuple[str, ...] = SERVERS
    headers: dict[str, dict[str, str]] = field(default_factory=dict)  # per server, filled in by prepare()

    def path(self, article_path: str) -> str:
        return article_path if self.article else FEED


SCENARIOS = (
    Scenario("plain", "site feed, plain GET", 200),
    Scenario("gzip", "site feed, gzip GET", 200, encoding="gzip"),
    Scenario("304", "site feed, conditional GET (304)", 304, conditional=True),
    Scenario("article", "article page, plain GET", 200, article=True, servers=("feedsvc", "nginx")),
)


def scenarios_for(servers: tuple[str, ...] = SERVERS, keys: tuple[str, ...] | None = None) -> list[Scenario]:
    """Fresh copies of SCENARIOS (``prepare`` fills in their headers), narrowed to ``servers`` and ``keys``."""
    return [
        replace(s, servers=tuple(name for name in s.servers if name in servers), headers={})
        for s in SCENARIOS
        if keys is None or s.key in keys
    ]


def first_article_path(feed: bytes) -> str:
    """The path of the newest article linked from a feed document."""
    match = re.search(rb'href="https?://[^/"]+(/articles/[^"]+)"', feed)
    if not match:
        raise RuntimeError("no article link in the site feed")
    return match.group(1).decode()


def entry_ids(atom: bytes) -> list[str]:
    """The atom:id of each entry of an Atom document, in order."""
    ns = "{http://www.w3.org/2005/Atom}"
    return [entry.findtext(f"{ns}id") for entry in ElementTree.fromstring(atom).iter(f"{ns}entry")]


def check_same_entries(ports: dict[str, int]) -> int:
    """Make sure Django's feed holds the entries of feedsvc's site feed; return how many."""
    ours, theirs = (entry_ids(get(ports[server], FEED).body) for server in ("feedsvc", "django"))
    if ours != theirs:
        raise RuntimeError(f"Django's feed has other entries than feedsvc's: {theirs[:3]}... vs {ours[:3]}...")
    log(f"  Django's feed holds the same {len(ours)} entries as feedsvc's {FEED}")
    return len(ours)


def prepare(scenarios, ports: dict[str, int], article_path: str) -> dict[str, dict[str, int]]:
    """Fill in each scenario's request headers and check every server's answer; return body sizes."""
    sizes: dict[str, dict[str, int]] = {server: {} for server in ports}
    for scenario in scenarios:
        for server in scenario.servers:
            headers = {"Accept-Encoding": "gzip"} if scenario.encoding else {}
            if scenario.conditional:
                headers["If-None-Match"] = get(ports[server], scenario.path(article_path)).headers["etag"]
            reply = get(ports[server], scenario.path(article_path), headers)
            encoding = reply.headers.get("content-encoding")
            if reply.status != scenario.status or encoding != scenario.encoding:
                raise RuntimeError(
                    f"{server} answered {reply.status} {encoding} to {scenario.title} (headers {headers})"
                )
            scenario.headers[server] = headers
            sizes[server][scenario.key] = len(reply.body)
    return sizes


DISTURBED = 0.10  # other processes' CPU share above which a run is repeated
RETRIES = 2


def undisturbed(run, quiet_wait: float, wait_first: bool = False, retries: int = RETRIES) -> dict:
    """``run()`` and the CPU share other processes took meanwhile; repeated (up to RETRIES times,
    after waiting for quiet) while that share is above DISTURBED. Returns the least disturbed run."""
    results = []
    for attempt in range(retries + 1):
        if attempt:
            log(f"    disturbed: other processes took {results[-1]['foreign_cpu']:.0%} of the CPU; repeating")
        if attempt or wait_first:
            wait_quiet(quiet_wait)
        watch = CpuWatch()
        result = run()
        result["foreign_cpu"] = round(watch.foreign_share(), 3)
        results.append(result)
        if result["foreign_cpu"] <= DISTURBED:
            break
    return min(results, key=lambda r: r["foreign_cpu"])


def measure(
    scenarios,
    ports: dict[str, int],
    article_path: str,
    connections,
    rounds: int,
    seconds: float,
    warmup: float,
    label: str,
    quiet_wait: float = 60,
) -> list[dict]:
    """Run every (connections, scenario) with the servers alternating within each round.

    Each block first waits (up to ``quiet_wait`` s) for other processes to leave
    the CPU; each run records the share of the CPU they used meanwhile.
    """
    rows = []
    for conns in connections:
        for scenario in scenarios:
            wait_quiet(quiet_wait)
            runs: dict[str, list[dict]] = {server: [] for server in scenario.servers}
            for number in range(1, rounds + 1):
                for server in scenario.servers:
                    url = f"http://127.0.0.1:{ports[server]}{scenario.path(article_path)}"
                    headers = scenario.headers[server]
                    if number == 1 and warmup:
                        wrk(url, conns, warmup, headers)
                    result = undisturbed(partial(_wrk_dict, url, conns, seconds, headers), quiet_wait)
                    runs[server].append(result)
                    log(
                        f"  {label} c{conns:<3} {scenario.title:<34} {server:<8} round {number}: "
                        f"{result['rps']:>9.0f} req/s "
                        f"p50 {result['p50_ms']:.2f} ms  p99 {result['p99_ms']:.2f} ms"
                        + (
                            f"  ERRORS {result['errors']} bad status {result['bad_status']}"
                            if result["errors"] or result["bad_status"]
                            else ""
                        )
                        + (
                            f"  (other processes: {result['foreign_cpu']:.0%} CPU)"
                            if result["foreign_cpu"] >= 0.05
                            else ""
                        )
                    )
            for server, results in runs.items():
                best = max(results, key=lambda r: r["rps"])
                rows.append(
                    {
                        "scenario": scenario.key,
                        "title": scenario.title,
                        "connections": conns,
                        "server": server,
                        "rounds": results,
                        "best": best,
                    }
                )
    return rows


def worker_memory(server: AppServer) -> list[int]:
    """Peak RSS (VmHWM, kB) of each worker process of ``server``."""
    return [memory_kb(pid).get("VmHWM", 0) for pid in server.workers()]


def run(
    label: str,
    content_dir: Path,
    *,
    connections=(16, 64),
    rounds: int = 2,
    seconds: float = 5,
    warmup: float = 1,
    workers: int | None = None,
    access_log: bool = False,
    warm: str | None = None,
    start_timeout: float = 900,
    quiet_wait: float = 60,
) -> dict:
    """The serving benchmark for one content folder; returns a JSON-able result."""
    log(f"serving benchmark: {label} ({content_dir})")
    ports = {server: free_port() for server in SERVERS}
    scenarios = scenarios_for()
    work = OUT / f"serve-{label}"
    started = []
    try:
        # One after the other: each loads the corpus in every worker, and the machine has 2 cores.
        wait_quiet(quiet_wait)
        feedsvc = AppServer(
            f"feedsvc-{label}", ports["feedsvc"], content_dir, workers=workers, access_log=access_log, warm=warm
        )
        started.append(feedsvc)
        feedsvc_ready = feedsvc.wait_ready(start_timeout)
        feedsvc_all = feedsvc.wait_all_workers(start_timeout)
        django = AppServer(
            f"django-{label}",
            ports["django"],
            content_dir,
            target=DJANGO_TARGET,
            workers=workers,
            access_log=access_log,
        )
        started.append(django)
        django_ready = django.wait_ready(start_timeout)
        django_all = django.wait_all_workers(start_timeout)
        log(
            f"  first /feed.atom (all workers): feedsvc {feedsvc_ready:.1f} s ({feedsvc_all:.1f} s), "
            f"django {django_ready:.1f} s ({django_all:.1f} s)"
        )
        health = json.loads(get(ports["feedsvc"], "/healthz").body)
        article_path = first_article_path(get(ports["feedsvc"], FEED).body)
        copied = mirror(ports["feedsvc"], [FEED, article_path], work / "nginx-root")
        nginx = Nginx(f"nginx-{label}", ports["nginx"], work / "nginx-root", work / "nginx")
        started.append(nginx)
        nginx.wait_ready()
        check_same_bytes(ports["nginx"], copied)
        sizes = prepare(scenarios, ports, article_path)
        feed_entries = check_same_entries(ports)
        rows = measure(scenarios, ports, article_path, connections, rounds, seconds, warmup, label, quiet_wait)
        memory = {"feedsvc": worker_memory(feedsvc), "django": worker_memory(django)}
    finally:
        for process in reversed(started):
            process.stop()
    return {
        "label": label,
        "content_dir": str(content_dir),
        "entries": health.get("entries"),
        "content_errors": len(health.get("errors", [])),
        "article_path": article_path,
        "feed_entries": feed_entries,
        "ready_s": {"feedsvc": round(feedsvc_ready, 2), "django": round(django_ready, 2)},
        "all_workers_s": {"feedsvc": round(feedsvc_all, 2), "django": round(django_all, 2)},
        "commands": {"feedsvc": feedsvc.command, "django": django.command, "nginx": str(nginx.conf)},
        "settings": {
            "connections": list(connections),
            "rounds": rounds,
            "seconds": seconds,
            "warmup": warmup,
            "pick": f"best of {rounds} alternating rounds (highest requests/s)",
            "access_log": access_log,
            "env": feedsvc.settings,
        },
        "sizes": sizes,
        "worker_peak_rss_kb": memory,
        "rows": rows,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "duration_s": round(time.monotonic() - feedsvc.started, 1),
    }
