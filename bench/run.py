"""Entry point: ``python -m bench.run`` (``make bench``) and ``--no-serve --sizes ...`` (``make bench-scale``).

1. Generate the corpora it needs under bench/corpus/ (once; reused while current).
2. Serving: the bundled content and the N-article corpus, feedsvc vs nginx vs Django.
3. Scale: start to first feed and peak RSS for each size, Hugo side by side.
4. Print the tables and write bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from . import corpus, report, scale, serve
from .common import BUNDLED_CONTENT, CORPUS, OUT, ROOT, load_json, log, save_json
from .hugo import hugo_binary
from .load import wrk_binary
from .servers import nginx_binary


def _output(argv: list[str]) -> str:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=20)
        return (result.stdout + result.stderr).strip()
    except OSError as exc:
        return f"unavailable ({exc})"


def _first_version(text: str) -> str:
    match = re.search(r"v?(\d+\.\d+(?:\.\d+)?)", text)
    return match.group(1) if match else text.splitlines()[0] if text else "?"


def machine() -> dict:
    """Cores, memory, CPU model, OS of this machine."""
    cpuinfo, meminfo = Path("/proc/cpuinfo").read_text(), Path("/proc/meminfo").read_text()
    release = Path("/etc/os-release").read_text()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "?")
    memory = next(int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal"))
    os_name = next(
        (line.split("=", 1)[1].strip().strip('"') for line in release.splitlines() if line.startswith("PRETTY_NAME")),
        "?",
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory / 1024 / 1024,
        "os": os_name,
        "kernel": platform.release(),
        "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def versions() -> dict:
    """Versions of everything measured."""
    packages = {name: metadata.version(name) for name in ("granian", "flask", "feedgen", "django")}
    return {
        "Python": platform.python_version(),
        **{name.capitalize() if name != "feedgen" else name: v for name, v in packages.items()},
        "nginx": _first_version(_output([nginx_binary(), "-v"])),
        "wrk": _first_version(_output([wrk_binary(), "-v"])),
        "Hugo": _first_version(_output([hugo_binary(), "version"])),
    }


def feedsvc_revision() -> str:
    """The git commit of feedsvc, and whether feedsvc/ has uncommitted changes."""
    commit = _output(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = _output(["git", "-C", str(ROOT), "status", "--porcelain", "--", "feedsvc", "wsgi.py", "Procfile"])
    return f"commit {commit}" + (" + uncommitted changes in feedsvc/" if dirty else " (clean)")


def meta() -> dict:
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "versions": versions(),
        "feedsvc": feedsvc_revision(),
    }


def _sizes(text: str) -> list[int]:
    return [int(float(x.lower().replace("k", "")) * (1000 if "k" in x.lower() else 1)) for x in text.split(",") if x]


def parse_args(argv):
    parser = argparse.ArgumentParser(description="feedsvc benchmarks; writes bench/RESULTS.md")
    parser.add_argument(
        "--articles", type=_sizes, default=[10000], help="corpus size(s) for the serving benchmark (default 10k)"
    )
    parser.add_argument(
        "--sizes", type=_sizes, default=[1000, 10000], help="corpus sizes for the scale step (default 1k,10k)"
    )
    parser.add_argument("--no-serve", dest="serve", action="store_false", help="skip the serving benchmark")
    parser.add_argument("--no-scale", dest="scale", action="store_false", help="skip the scale step")
    parser.add_argument("--no-bundled", dest="bundled", action="store_false", help="skip serving the bundled content")
    parser.add_argument("--no-hugo", dest="hugo", action="store_false", help="skip Hugo in the scale step")
    parser.add_argument(
        "--hugo-max", type=_sizes, default=[10000], help="Hugo builds corpora up to this size (default 10k)"
    )
    parser.add_argument("--connections", type=lambda s: [int(x) for x in s.split(",")], default=[16, 64])
    parser.add_argument("--seconds", type=int, default=5, help="wrk duration per run (default 5)")
    parser.add_argument(
        "--warmup", type=int, default=1, help="wrk warm-up before the first round (default 1 s, 0 for none)"
    )
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds; the best is kept (default 2)")
    parser.add_argument("--workers", type=int, help="WEB_CONCURRENCY (default: the Procfile's, 2)")
    parser.add_argument(
        "--access-log",
        action="store_true",
        help="log every request as in production (default: FEEDSVC_ACCESS_LOG=false, like nginx's access_log off)",
    )
    parser.add_argument("--warm", help="FEEDSVC_WARM for the serving step (default: unset, feedsvc's default)")
    parser.add_argument("--scale-warm", default="site", help="FEEDSVC_WARM for the scale step (default: site)")
    parser.add_argument(
        "--breakdown-max",
        type=_sizes,
        default=[10000],
        help="also time and profile one start-up alone, for corpora up to this size (default 10k)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="scale runs per size up to 10k, median kept (default 3)")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=60,
        help="before each measurement, wait up to this many seconds for other processes to leave the CPU",
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds a server may take to serve its first feed")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    info = meta()
    log(f"feedsvc bench: {info['machine']['cores']} cores, {info['machine']['memory_gb']:.1f} GB, {info['feedsvc']}")
    if args.serve:
        sets = ([("bundled", BUNDLED_CONTENT)] if args.bundled else []) + [
            (corpus.label(n), corpus.ensure(n, CORPUS)) for n in args.articles
        ]
        for label, folder in sets:
            result = serve.run(
                label,
                folder,
                connections=args.connections,
                rounds=args.rounds,
                seconds=args.seconds,
                warmup=args.warmup,
                workers=args.workers,
                access_log=args.access_log,
                warm=args.warm,
                start_timeout=args.timeout,
                quiet_wait=args.quiet_wait,
            )
            result["meta"] = info
            save_json(OUT / f"serve-{label}.json", result)
    if args.scale:
        corpora = {corpus.label(n): corpus.ensure(n, CORPUS) for n in sorted(args.sizes)}
        result = scale.run(
            corpora,
            with_hugo=args.hugo,
            warm=args.scale_warm,
            workers=args.workers,
            timeout=args.timeout,
            breakdown_max=args.breakdown_max[0],
            repeat=args.repeat,
            hugo_max=args.hugo_max[0],
            quiet_wait=args.quiet_wait,
        )
        previous = load_json(OUT / "scale.json") or {"rows": []}
        kept = [row for row in previous["rows"] if row["label"] not in corpora]  # sizes not re-measured this time
        result["rows"] = sorted(kept + result["rows"], key=lambda row: row["articles"])
        result["meta"] = info
        save_json(OUT / "scale.json", result)
    text = report.write(info)
    print("\n" + text)
    log(f"wrote {report.RESULTS} ({time.monotonic() - started:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
