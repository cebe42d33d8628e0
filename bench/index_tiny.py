"""Issue 14's million-article line: tiny articles served from an index built ahead.

For a tiny corpus (``python -m bench.corpus --tiny``: a title, a date, one author, one or
two tags, a paragraph), with the Procfile command and WEB_CONCURRENCY=2, as a PaaS runs it:

1. **build**: ``flask --app feedsvc build`` on a fresh state folder (the build step):
   seconds and peak RSS;
2. **start**: the server on that index: seconds until the port is bound and until
   ``GET /feed.atom`` answers 200, and the total RSS of all server processes then;
3. **crawl**: ``index_scale``'s crawl, small (CRAWL_PER_KIND URLs of each kind): total RSS
   during and after.

The machine is shared: a build over BUILD_RSS_LIMIT_MB or a server over SERVER_RSS_LIMIT_MB (the
target is 1 GB) is stopped and recorded as stopped, with the figure it had reached.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from .common import OUT, log
from .index_scale import OverMemory, build, crawl, start, state_sizes
from .run import feedsvc_revision

BUILD_RSS_LIMIT_MB = 8192
SERVER_RSS_LIMIT_MB = 4096
CRAWL_PER_KIND = 5
START_TIMEOUT = 600  # the target is 60 s; a slower start is still timed, to say by how much it misses


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def measure(label: str, folder: Path) -> dict:
    """Build the index of ``folder`` ahead, start the server on it, crawl; every figure with its load average."""
    state = OUT / f"state-{label}"
    shutil.rmtree(state, ignore_errors=True)
    articles = json.loads((folder / ".corpus.json").read_text())["articles"]
    result: dict = {"label": label, "articles": articles, "tiny": True, "uptime": _load()}
    result["feedsvc"] = feedsvc_revision()
    try:
        log(f"index benchmark {label}: flask --app feedsvc build ({folder})")
        result["build"] = build(folder, state, BUILD_RSS_LIMIT_MB)
        result["start_uptime"] = _load()
        log(f"  {result['build']}; started on the built index")
        server, result["unchanged"] = start(label, folder, state, START_TIMEOUT, SERVER_RSS_LIMIT_MB)
        try:
            result["crawl_uptime"] = _load()
            log(f"  {result['unchanged']}; crawl")
            result["crawl"] = crawl(server, CRAWL_PER_KIND)
            log(f"  {result['crawl']}")
        finally:
            server.stop()
    except (OverMemory, TimeoutError) as exc:
        result["stopped"] = str(exc)
        log(f"  stopped: {exc}")
    result.update(state_sizes(state))
    result["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return result
