"""Issue 14's figures: the content index at 1k / 10k / 100k articles (``make bench-scale``).

For each corpus, with the Procfile command, WEB_CONCURRENCY=2 and a state folder of its own:

1. **from nothing**: no index; seconds from process start to the port bound and to
   ``GET /feed.atom`` answering 200 (the first process builds the index, the other waits);
2. **unchanged**: the same again with the index left by (1);
3. **crawl**: one GET (gzip) of every kind of URL, sampled evenly (site/author/tag feeds in
   the three formats and their archive pages, home and its pages, articles, authors, tags,
   /feeds, the sitemap); the total RSS of all server processes, sampled during and after,
   and the latency of these first (not yet built) requests;
4. **hot path**: the site feed plain, gzip and 304 under wrk against nginx serving the same
   bytes (``hotpath.py``), on the server of (2) after its crawl;
5. **one-file change**: an article's text is changed, SIGHUP sent, and the seconds until
   ``/healthz`` reports the new content version are timed (the file is restored after).

Tiny corpora (``1m-tiny``, ``10k-tiny``: ``corpus.py --tiny``) are measured by ``index_tiny.py``
instead: built ahead, then served from the built index.

    python -m bench.index_scale 1k 10k 100k
    python -m bench.index_scale --corpus-root /work/bench-corpus 1m-tiny   # long: see bench/README.md

Results go to ``bench/out/index-scale.json``; ``bench.report`` renders them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from functools import partial
from pathlib import Path

from . import hotpath
from .common import CORPUS, OUT, descendants, free_port, get, log, memory_kb, port_open, try_get
from .run import feedsvc_revision
from .servers import AppServer

CRAWL_PER_KIND = 40  # URLs of each kind in the crawl


def total_rss_mb(pid: int) -> float:
    """RSS of ``pid`` and every process below it (a server's workers, forked index readers), in MB."""
    return sum(memory_kb(each).get("VmRSS", 0) for each in [pid, *descendants(pid)]) / 1024


class OverMemory(RuntimeError):
    """A process outgrew the memory a benchmark allows it on this shared machine, and was stopped."""


def start(
    label: str, folder: Path, state: Path, timeout: float, rss_limit_mb: float | None = None
) -> tuple[AppServer, dict]:
    """Start the Procfile server on ``folder`` with ``state``; time bind and first site feed.

    The server is stopped (TimeoutError, OverMemory) after ``timeout`` s or beyond ``rss_limit_mb``.
    """
    os.environ["FEEDSVC_STATE_DIR"] = str(state)
    port = free_port()
    server = AppServer(f"index-{label}", port, folder, workers=2)
    bind = ready = None
    deadline = server.started + timeout
    while ready is None:
        if not server.alive():
            raise RuntimeError(f"server exited:\n{server.log_text()[-3000:]}")
        if time.monotonic() > deadline:
            server.stop()
            raise TimeoutError(f"{label}: no feed after {timeout:.0f} s")
        if rss_limit_mb and (rss := total_rss_mb(server.pid)) > rss_limit_mb:
            server.stop()
            raise OverMemory(f"{label}: {rss:.0f} MB before serving, over {rss_limit_mb:.0f} MB, after {bind} s bind")
        if bind is None and port_open(port):
            bind = time.monotonic() - server.started
        if bind is not None and try_get(port, "/feed.atom") == 200:
            ready = time.monotonic() - server.started
        time.sleep(0.05)
    assert bind is not None
    return server, {"bind_s": round(bind, 2), "ready_s": round(ready, 2), "rss_mb": round(total_rss_mb(server.pid))}


def crawl_paths(port: int, per_kind: int = CRAWL_PER_KIND) -> dict[str, list[str]]:
    """A sample (``per_kind`` of each) of every kind of URL the site has, from /feeds, the site feed and the sitemap."""
    spread = partial(_spread, count=per_kind)
    local = f"http://127.0.0.1:{port}"
    feeds = [h[len(local) :] for h in _between(get(port, "/feeds").body.decode(), 'href="', '"') if h.startswith(local)]
    scopes = {h.split("/feed.", 1)[0] for h in feeds}
    authors = sorted(h for h in scopes if h.startswith("/authors/") and h.count("/") == 2)
    tags = sorted(h for h in scopes if h.startswith("/tags/") and h.count("/") == 2)
    found = re.search(r'/archive/(\d+)/feed\.atom" rel="prev-archive"', get(port, "/feed.atom").body.decode())
    pages = int(found[1]) if found else 0
    site_map = get(port, "/sitemap.xml").body.decode()
    locations = [u[len(local) :] for u in _between(site_map, "<loc>", "</loc>")]
    if "<sitemapindex" in site_map:
        # A large site: the first sitemap file listing articles is enough for a sample. Home's listing
        # pages come first, and at a million entries they fill the first file (50,000 URLs) alone.
        for sitemap in list(locations):
            locations = [u[len(local) :] for u in _between(get(port, sitemap).body.decode(), "<loc>", "</loc>")]
            if any(u.startswith("/articles/") for u in locations):
                break
    articles = [u for u in locations if u.startswith("/articles/")]
    kinds = {
        "site feeds": [f"/feed.{fmt}" for fmt in ("atom", "rss", "json")],
        "site archive pages": [f"/archive/{n}/feed.atom" for n in spread(range(1, pages + 1))],
        "author feeds": [f"{a}/feed.rss" for a in spread(authors)],
        "tag feeds": [f"{t}/feed.json" for t in spread(tags)],
        "author archive pages": [f"{a}/archive/1/feed.atom" for a in spread(authors)],
        "tag archive pages": [f"{t}/archive/1/feed.atom" for t in spread(tags)],
        "articles": spread(articles),
        "author pages": spread(authors),
        "tag pages": spread(tags),
        "home pages": ["/", "/page/2", "/page/3"],
        "other": ["/feeds", "/sitemap.xml", "/robots.txt"],
    }
    return {kind: paths for kind, paths in kinds.items() if paths}


def _between(text: str, start: str, end: str) -> list[str]:
    return [part.split(end, 1)[0] for part in text.split(start)[1:]]


def _spread(items, count: int) -> list:
    items = list(items)
    step = max(1, len(items) // count)
    return items[::step][:count]


def crawl(server: AppServer, per_kind: int = CRAWL_PER_KIND) -> dict:
    """GET every sampled URL once (gzip); total RSS during and after, latency of these first requests."""
    peak = [total_rss_mb(server.pid)]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.2):
            peak.append(total_rss_mb(server.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    latencies: dict[str, list[float]] = {}
    statuses: dict[int, int] = {}
    try:
        for kind, paths in crawl_paths(server.port, per_kind).items():
            for path in paths:
                before = time.perf_counter()
                reply = get(server.port, path, headers={"Accept-Encoding": "gzip"})
                latencies.setdefault(kind, []).append((time.perf_counter() - before) * 1000)
                statuses[reply.status] = statuses.get(reply.status, 0) + 1
    finally:
        stop.set()
        sampler.join()
    every = sorted(ms for values in latencies.values() for ms in values)
    unbuilt = sorted(
        ms for kind, values in latencies.items() if "archive" in kind or kind in ("articles",) for ms in values
    )
    return {
        "requests": len(every),
        "statuses": statuses,
        "rss_peak_mb": round(max(peak)),
        "rss_after_mb": round(total_rss_mb(server.pid)),
        "p50_ms": round(statistics.median(every), 1),
        "p99_ms": round(_p99(every), 1),
        "unbuilt_p99_ms": round(_p99(unbuilt), 1) if unbuilt else None,
        "by_kind_p99_ms": {kind: round(_p99(sorted(values)), 1) for kind, values in latencies.items()},
    }


def _p99(values: list[float]) -> float:
    return values[min(len(values) - 1, int(len(values) * 0.99))]


def one_file_change(server: AppServer, folder: Path, timeout: float = 120) -> dict:
    """Change one article, send SIGHUP, time until /healthz reports a new content version.

    The change is new each time: a version seen before (by an earlier run) still has its content
    store, and loading it is not what a one-file change costs.
    """
    before = json.loads(get(server.port, "/healthz").body)["content_version"]
    article = sorted((folder / "articles").rglob("*.md"))[-1]
    original = article.read_bytes()
    try:
        article.write_bytes(original + f"\nOne more paragraph, for the reload benchmark {time.time_ns()}.\n".encode())
        started = time.monotonic()
        os.kill(server.pid, signal.SIGHUP)
        while time.monotonic() - started < timeout:
            version = json.loads(get(server.port, "/healthz").body)["content_version"]
            if version != before:
                return {"reload_s": round(time.monotonic() - started, 2), "rss_mb": round(total_rss_mb(server.pid))}
            time.sleep(0.1)
        return {"reload_s": None, "timeout_s": timeout}
    finally:
        article.write_bytes(original)
        # Serve the original again, so the index and stores left for a --reuse run are current.
        os.kill(server.pid, signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while json.loads(get(server.port, "/healthz").body)["content_version"] != before:
            if time.monotonic() > deadline:
                log("  the original content was not served again: a --reuse run will read one file first")
                break
            time.sleep(0.1)


def build(folder: Path, state: Path, rss_limit_mb: float | None = None, timeout: float = 3600) -> dict:
    """Run the PaaS build step ``flask --app feedsvc build``: time, and peak RSS of its processes (sampled).

    Beyond ``rss_limit_mb`` the build is stopped and OverMemory raised.
    """
    env = {**os.environ, "FEEDSVC_CONTENT_DIR": str(folder), "FEEDSVC_STATE_DIR": str(state)}
    command = [str(Path(sys.executable).parent / "flask"), "--app", "feedsvc", "build"]
    log_path = OUT / "logs" / f"build-{folder.name}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    started, peak_kb = time.monotonic(), 0
    with open(log_path, "w+b") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            while process.poll() is None:
                own_peak = memory_kb(process.pid).get("VmHWM", 0)  # the main process's own peak, between samples too
                peak_kb = max(peak_kb, own_peak, round(total_rss_mb(process.pid) * 1024))
                if rss_limit_mb and peak_kb / 1024 > rss_limit_mb:
                    raise OverMemory(f"flask build: {peak_kb / 1024:.0f} MB, over {rss_limit_mb:.0f} MB")
                if time.monotonic() - started > timeout:
                    raise TimeoutError(f"flask build: not done after {timeout:.0f} s")
                time.sleep(0.2)
        finally:
            if process.poll() is None:
                for pid in descendants(process.pid):  # its loading processes outlive it otherwise
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                process.kill()
                process.wait()
        seconds = time.monotonic() - started
        output.seek(0)
        lines = output.read().decode(errors="replace").strip().splitlines()
    if process.returncode:
        raise RuntimeError(f"flask build exited {process.returncode}:\n" + "\n".join(lines[-20:]))
    return {"build_s": round(seconds, 1), "peak_rss_mb": round(peak_kb / 1024), "output": lines[-1] if lines else ""}


def measure(label: str, folder: Path, timeout: float = 900, earlier: dict | None = None) -> dict:
    """Every figure for one corpus; with ``earlier`` (a previous run's), its built index is reused."""
    state = OUT / f"state-{label}"
    articles = json.loads((folder / ".corpus.json").read_text())["articles"]
    result: dict = {"label": label, "articles": articles, "uptime": os.getloadavg(), "feedsvc": feedsvc_revision()}
    if earlier and state.exists():
        result.update(from_nothing=earlier["from_nothing"], build=earlier["build"], reused=earlier["measured_at"])
    else:
        shutil.rmtree(state, ignore_errors=True)
        log(f"index benchmark {label}: from nothing")
        server, result["from_nothing"] = start(label, folder, state, timeout)
        server.stop()
        log(f"  {result['from_nothing']}; flask --app feedsvc build")
        result["build"] = build(folder, state)
    log(f"  {result['build']}; unchanged index")
    server, result["unchanged"] = start(label, folder, state, timeout)
    try:
        log(f"  {result['unchanged']}; crawl")
        result["crawl"] = crawl(server)
        log(f"  {result['crawl']}; hot path")
        result["hot_path"] = hotpath.against_nginx(server.port, label)
        log(f"  {result['hot_path']['cases']}; one-file change")
        result["reload"] = one_file_change(server, folder)
        log(f"  {result['reload']}")
    finally:
        server.stop()
    result.update(state_sizes(state))
    result["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return result


def state_sizes(state: Path) -> dict:
    """MB of the content index and of the entry store (``index-<folder>-content-<key>.sqlite``) in ``state``."""
    files = list(state.glob("index-*.sqlite"))
    stores = [f for f in files if "-content-" in f.name]
    index = [f for f in files if f not in stores]
    return {
        "index_mb": round(index[0].stat().st_size / 2**20) if index else None,
        "store_mb": round(sum(f.stat().st_size for f in stores) / 2**20) if stores else None,
    }


def as_earlier(row: dict) -> dict:
    """A replaced run's summary, kept in the new row: RESULTS.md lists earlier runs of the same size."""
    return {
        "measured_at": row["measured_at"][:16] + "Z",
        "load": " ".join(f"{x:.1f}" for x in row["uptime"]),
        "feedsvc": row.get("feedsvc"),
        "ready_s": row["unchanged"]["ready_s"],
        "rss_peak_mb": row["crawl"]["rss_peak_mb"],
        "rss_after_mb": row["crawl"]["rss_after_mb"],
        "reload_s": row.get("reload", {}).get("reload_s"),
        "unbuilt_p99_ms": row["crawl"]["unbuilt_p99_ms"],
    }


def main(argv: list[str] | None = None) -> None:
    """Measure the given corpora (e.g. ``1k 10k``) and merge them into bench/out/index-scale.json."""
    from . import corpus, index_tiny

    parser = argparse.ArgumentParser(description="Issue 14's content index figures (make bench-scale).")
    parser.add_argument("labels", nargs="*", default=["1k", "10k"], help="corpora: 1k 10k 100k, or 1m-tiny 10k-tiny")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the previous run's from-nothing and build figures and its built index; measure the rest again",
    )
    parser.add_argument(
        "--corpus-root", type=Path, default=CORPUS, help="folder holding (or to hold) the corpora, default bench/corpus"
    )
    args = parser.parse_args(argv)
    # SIGTERM as an exception, so that the finally blocks stop the build or server this run started.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    path = OUT / "index-scale.json"
    rows = {row["label"]: row for row in (json.loads(path.read_text()) if path.exists() else [])}
    for label in args.labels:
        size, tiny = corpus.parse_label(label)
        folder = corpus.ensure(size, args.corpus_root, tiny=tiny)
        old = rows.get(label)
        if tiny:
            rows[label] = index_tiny.measure(label, folder)
        else:
            rows[label] = measure(label, folder, earlier=old if args.reuse else None)
            if old and "crawl" in old:
                rows[label]["earlier_runs"] = [*old.get("earlier_runs", []), as_earlier(old)]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(sorted(rows.values(), key=lambda r: r["articles"]), indent=1))


if __name__ == "__main__":
    main()
