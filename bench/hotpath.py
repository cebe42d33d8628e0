"""Issue 14's serving line at scale: the site feed's hot path against nginx serving the same bytes.

Run on a feedsvc server that is already up (``index_scale`` uses the one it started on the
built index): the site feed's identity and gzip bytes are copied from it into an nginx root
(``servers.mirror``, checked byte for byte), then ``serve.measure`` runs wrk on the site feed
plain, gzip and conditional (If-None-Match with each server's own ETag, answered 304), feedsvc
and nginx alternating: one round, 16 connections (the count of ``make bench``'s nginx targets),
a few seconds per case, so the whole comparison takes well under a minute.
"""

from __future__ import annotations

import os

from . import serve
from .common import OUT, free_port, log
from .servers import Nginx, check_same_bytes, mirror

CASES = ("plain", "gzip", "304")
CONNECTIONS = 16
SECONDS = 4
WARMUP = 1
QUIET_WAIT = 30  # seconds to wait for other people's processes to leave the CPU before each case


def against_nginx(port: int, label: str, *, seconds: int = SECONDS, quiet_wait: float = QUIET_WAIT) -> dict:
    """Requests/s of feedsvc on ``port`` and of nginx for each case, and feedsvc ÷ nginx."""
    scenarios = serve.scenarios_for(("feedsvc", "nginx"), CASES)
    work = OUT / f"hotpath-{label}"
    copied = mirror(port, [serve.FEED], work / "nginx-root")
    ports = {"feedsvc": port, "nginx": free_port()}
    log(f"  hot path vs nginx: {serve.FEED} plain, gzip, 304; {CONNECTIONS} connections, {seconds} s each")
    with Nginx(f"nginx-hotpath-{label}", ports["nginx"], work / "nginx-root", work / "nginx") as nginx:
        nginx.wait_ready()
        check_same_bytes(ports["nginx"], copied)
        sizes = serve.prepare(scenarios, ports, serve.FEED)
        load = os.getloadavg()
        rows = serve.measure(scenarios, ports, serve.FEED, [CONNECTIONS], 1, seconds, WARMUP, label, quiet_wait)
    best = {(row["scenario"], row["server"]): row["best"] for row in rows}
    cases = {}
    for case in CASES:
        ours, theirs = best[(case, "feedsvc")], best[(case, "nginx")]
        cases[case] = {
            "ratio": round(ours["rps"] / theirs["rps"], 3),
            "feedsvc_rps": round(ours["rps"]),
            "nginx_rps": round(theirs["rps"]),
            "feedsvc_p99_ms": ours["p99_ms"],
            "errors": ours["errors"] + ours["bad_status"] + theirs["errors"] + theirs["bad_status"],
            "foreign_cpu": max(ours["foreign_cpu"], theirs["foreign_cpu"]),
        }
    return {
        "connections": CONNECTIONS,
        "seconds": seconds,
        "uptime": [round(x, 2) for x in load],
        "bytes": sizes["feedsvc"],
        "cases": cases,
    }
