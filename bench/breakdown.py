"""Where feedsvc's start-up time goes, in one process (no server, no contention).

    python -m bench.breakdown bench/corpus/10k [--warm site]

Runs what each worker runs before it serves (``import wsgi``: ``create_app()``)
twice: once plainly, for the wall time and peak RSS, then under cProfile, to
split the time by package (self time: feedsvc, yaml, markdown_it, feedgen,
brotli, ...) and name the hottest functions. Only public entry points are
used, so it keeps working while feedsvc's internals change. Prints JSON.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import re
import resource
import subprocess
import sys
import time
from collections import defaultdict

from .common import ROOT


def _package(filename: str, name: str = "") -> str:
    """The top-level package of a function: its file's, or for C code ("~") the module in its name."""
    if filename == "~" or filename.startswith("<"):
        match = re.search(r"of '(\w+)\.|built-in method (\w+)\.", name)
        return f"{(match.group(1) or match.group(2)) if match else 'builtins'} (C)"
    path = filename.replace(os.sep, "/")
    for marker in ("/site-packages/", "/lib/python3"):
        if marker in path:
            rest = path.split(marker, 1)[1].lstrip("/")
            if marker == "/lib/python3":
                return (
                    "stdlib:" + rest.split("/", 1)[1].split("/", 1)[0].removesuffix(".py") if "/" in rest else "stdlib"
                )
            return rest.split("/", 1)[0].removesuffix(".py")
    if "/feedsvc/" in path:
        return "feedsvc"
    return path.rsplit("/", 1)[-1]


def _load(profile: bool) -> tuple[float, pstats.Stats | None]:
    """Import and create the app in this process; return the seconds and the profile."""
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    from feedsvc import create_app

    create_app()
    if profiler:
        profiler.disable()
    return time.perf_counter() - started, pstats.Stats(profiler) if profiler else None


def child(mode: str) -> dict:
    """In the child process: one plain or profiled start-up."""
    seconds, stats = _load(mode == "profile")
    result = {"seconds": round(seconds, 2), "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
    if stats:
        by_package: dict[str, float] = defaultdict(float)
        functions = []
        for (filename, _line, name), (_, _, self_time, _, _) in stats.stats.items():
            package = _package(filename, name)
            by_package[package] += self_time
            functions.append((self_time, name if filename == "~" else f"{package}:{os.path.basename(filename)}:{name}"))
        total = sum(by_package.values()) or 1
        result["share_by_package"] = {
            k: round(v / total, 3) for k, v in sorted(by_package.items(), key=lambda kv: -kv[1])[:8]
        }
        result["hottest_functions"] = [f"{name} {t / total:.0%}" for t, name in sorted(functions, reverse=True)[:6]]
    return result


def breakdown(folder: str, warm: str = "site", timeout: float = 1800) -> dict:
    """Run a plain and a profiled start-up, each in a fresh process, for ``folder``."""
    env = dict(
        os.environ,
        FEEDSVC_CONTENT_DIR=str(folder),
        FEEDSVC_WARM=warm,
        FEEDSVC_SITE_URL="http://127.0.0.1:8000",
        FEEDSVC_ACCESS_LOG="false",
        FEEDSVC_LOG_LEVEL="WARNING",
    )
    result = {"warm": warm}
    for mode in ("plain", "profile"):
        done = subprocess.run(
            [sys.executable, "-m", "bench.breakdown", "--child", mode],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr.strip()[-2000:])
        result[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?")
    parser.add_argument("--warm", default="site")
    parser.add_argument("--child", choices=("plain", "profile"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    print(json.dumps(child(args.child) if args.child else breakdown(args.folder, args.warm)))


if __name__ == "__main__":
    main()
