"""Run wrk against a URL and read requests/s, p50/p99 latency and errors from its --latency output."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import asdict, dataclass

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}  # to milliseconds


@dataclass
class Load:
    """One wrk measurement."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # socket errors (connect, read, write, timeout)
    bad_status: int  # "Non-2xx or 3xx responses"

    def as_dict(self) -> dict:
        return asdict(self)


def wrk_binary() -> str:
    return shutil.which("wrk") or "/usr/bin/wrk"


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text).groups()
    return float(number) * UNITS[unit]


def parse(output: str) -> Load:
    """Read wrk's --latency report."""
    percentile = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.M))
    requests = re.search(r"^\s+(\d+) requests in", output, re.M)
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    if not (percentile.keys() >= {"50", "99"} and requests and rps):
        raise RuntimeError(f"cannot read wrk output:\n{output}")
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Load(
        rps=float(rps.group(1)),
        p50_ms=_ms(percentile["50"]),
        p99_ms=_ms(percentile["99"]),
        requests=int(requests.group(1)),
        errors=sum(map(int, errors.groups())) if errors else 0,
        bad_status=int(bad.group(1)) if bad else 0,
    )


def wrk(url: str, connections: int, seconds: int, headers: dict[str, str] | None = None, threads: int = 2) -> Load:
    """Load ``url`` with ``connections`` keep-alive connections for ``seconds`` (wrk takes whole seconds)."""
    argv = [
        wrk_binary(),
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    result = subprocess.run(argv + [url], capture_output=True, text=True, timeout=seconds + 60)
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed ({result.returncode}): {result.stderr or result.stdout}")
    return parse(result.stdout)
