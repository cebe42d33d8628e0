"""Scale benchmark: process start to first feed served, and peak RSS, for corpora of growing size.

For each corpus the Procfile server is started cold (``FEEDSVC_WARM=site`` unless
asked otherwise: only the home page and the site feed are built at start-up)
and polled every 50 ms. Recorded from process start:

* bind: $PORT accepts TCP connections (granian binds before the workers load);
* ready: GET /feed.atom answers 200 (the first worker to finish answers it);
* all workers: every worker has logged "Started worker-N" (each loads the corpus
  on its own);

then the first article page (built on demand), and each worker's peak RSS (VmHWM
from /proc/<pid>/status). Hugo builds the same corpus side by side (``hugo.py``).
"""

from __future__ import annotations

import json
import subprocess
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from . import hugo
from .breakdown import breakdown as profile_start
from .common import cpu_seconds, free_port, get, log, memory_kb, port_open, try_get, wait_quiet
from .serve import FEED, RETRIES, first_article_path, undisturbed
from .servers import AppServer


def _progress(server: AppServer, label: str) -> None:
    rss = [memory_kb(pid).get("VmRSS", 0) // 1024 for pid in server.workers()]
    log(f"  {label}: {time.monotonic() - server.started:5.0f} s, still loading; worker RSS {rss} MB")


def start_up(
    label: str, content_dir: Path, *, warm: str = "site", workers: int | None = None, timeout: float = 900
) -> dict:
    """Start the Procfile server on ``content_dir`` and time it until every worker serves."""
    port = free_port()
    server = AppServer(f"scale-{label}", port, content_dir, warm=warm, workers=workers)
    bind = ready = None
    last_note = time.monotonic()
    try:
        deadline = server.started + timeout
        while ready is None:
            if not server.alive():
                raise RuntimeError(f"server exited:\n{server.log_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{label}: no feed after {timeout:.0f} s")
            if bind is None and port_open(port):
                bind = time.monotonic() - server.started
            if bind is not None and try_get(port, FEED) == 200:
                ready = time.monotonic() - server.started
            if time.monotonic() - last_note > 10:
                _progress(server, label)
                last_note = time.monotonic()
            time.sleep(0.05)
        while not server.all_workers_started():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{label}: workers not all started after {timeout:.0f} s")
            if time.monotonic() - last_note > 10:
                _progress(server, label)
                last_note = time.monotonic()
            time.sleep(0.05)
        all_ready = time.monotonic() - server.started
        feed = get(port, FEED)
        before = time.monotonic()
        page = get(port, first_article_path(feed.body))
        first_page = time.monotonic() - before
        health = json.loads(get(port, "/healthz").body)
        peaks = [memory_kb(pid).get("VmHWM", 0) for pid in server.workers()]
        cpu = [round(cpu_seconds(pid), 1) for pid in server.workers()]
        main_peak = memory_kb(server.pid).get("VmHWM", 0)
    finally:
        server.stop()
    result = {
        "entries": health.get("entries"),
        "content_errors": len(health.get("errors", [])),
        "bind_s": round(bind, 2),
        "ready_s": round(ready, 2),
        "all_workers_s": round(all_ready, 2),
        "first_article_page_s": round(first_page, 3),
        "article_status": page.status,
        "workers": len(peaks),
        "worker_peak_rss_kb": peaks,
        "worker_cpu_s": cpu,
        "main_peak_rss_kb": main_peak,
        "env": server.settings,
        "command": server.command,
    }
    log(
        f"  feedsvc {label}: bind {bind:.2f} s, /feed.atom 200 after {ready:.1f} s, all {len(peaks)} workers after "
        f"{all_ready:.1f} s; peak RSS per worker {max(peaks) / 1024:.0f} MB"
    )
    return result


def breakdown(folder: Path, warm: str, timeout: float) -> dict:
    """Time and profile one start-up alone (``bench.breakdown``); its result, or the error."""
    try:
        return profile_start(str(folder), warm, timeout)
    except (RuntimeError, subprocess.TimeoutExpired, ValueError, IndexError) as exc:
        return {"error": str(exc)[-500:]}


def median_run(runs: list[dict], key: str) -> dict:
    """The run with the median ``key`` (the lower middle one for an even count), with every value listed."""
    chosen = dict(sorted(runs, key=lambda r: r[key])[(len(runs) - 1) // 2])
    chosen["runs"] = [r[key] for r in runs]
    return chosen


def run(
    corpora: dict[str, Path],
    *,
    with_hugo: bool = True,
    warm: str = "site",
    workers: int | None = None,
    timeout: float = 900,
    breakdown_max: int = 10000,
    repeat: int = 3,
    repeat_max: int = 10000,
    hugo_max: int = 10000,
    quiet_wait: float = 60,
) -> dict:
    """Measure every corpus (label -> folder), smallest first; Hugo builds each too.

    Corpora up to ``repeat_max`` articles are measured ``repeat`` times, feedsvc
    and Hugo alternating, and the median run is kept; larger ones once. Hugo
    builds corpora up to ``hugo_max`` articles (it takes ~1.7 GB at 10k and grows
    with the corpus: 100k could take most of this machine's memory).
    """
    rows = []
    for label, folder in corpora.items():
        articles = json.loads((folder / ".corpus.json").read_text())["articles"]
        times = repeat if articles <= repeat_max else 1
        log(f"scale benchmark: {label} ({articles} articles, {folder}), {times} run(s)")
        starts, builds = [], []
        for _ in range(times):
            retries = RETRIES if times > 1 else 0  # a large corpus is measured once, disturbed or not
            starts.append(
                undisturbed(
                    partial(start_up, label, folder, warm=warm, workers=workers, timeout=timeout),
                    quiet_wait,
                    wait_first=True,
                    retries=retries,
                )
            )
            if with_hugo and articles <= hugo_max:
                builds.append(
                    undisturbed(partial(hugo.build, label, folder), quiet_wait, wait_first=True, retries=retries)
                )
        row = {"label": label, "articles": articles, "feedsvc": median_run(starts, "ready_s")}
        if builds:
            row["hugo"] = median_run(builds, "seconds")
        if articles <= breakdown_max:
            wait_quiet(quiet_wait)
            row["breakdown"] = breakdown(folder, warm, timeout)
            log(f"  breakdown {label}: {json.dumps(row['breakdown'])}")
        row["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        rows.append(row)
    return {"rows": rows, "measured_at": datetime.now(UTC).isoformat(timespec="seconds"), "repeat": repeat}
