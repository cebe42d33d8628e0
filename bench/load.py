"""Run wrk against a URL and read requests/s, p50/p99 latency, errors and statuses from its --latency output.

The one wrk runner and parser of ``make bench`` (``serve.py``) and ``make loadtest``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

SOCKET_ERRORS = ("connect", "read", "write", "timeout")
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}  # to milliseconds


@dataclass
class Load:
    """One wrk measurement."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    seconds: float
    socket_errors: dict[str, int]  # connect, read, write, timeout
    bad_status: int  # "Non-2xx or 3xx responses"
    statuses: dict[int, int]  # counted by a script that prints a "statuses:" line (loadtest.py's); else {}
    output: str = field(repr=False)

    @property
    def errors(self) -> int:
        return sum(self.socket_errors.values())

    def as_dict(self) -> dict:
        figures = asdict(self)
        del figures["output"], figures["socket_errors"], figures["statuses"]
        return {**figures, "errors": self.errors}


def wrk_binary() -> str:
    """The wrk program; FileNotFoundError if it is not installed."""
    found = shutil.which("wrk") or next((p for p in ("/usr/bin/wrk", "/usr/local/bin/wrk") if Path(p).exists()), None)
    if found is None:
        raise FileNotFoundError("wrk is not installed (Debian/Ubuntu: apt-get install wrk)")
    return found


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text).groups()
    return float(number) * UNITS[unit]


def parse(output: str) -> Load:
    """Read wrk's --latency report."""
    percentile = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.M))
    total = re.search(r"^\s+(\d+) requests in ([\d.]+(?:us|ms|s|m|h))", output, re.M)
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    if not (percentile.keys() >= {"50", "99"} and total and rps):
        raise RuntimeError(f"cannot read wrk output:\n{output}")
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    statuses = re.search(r"^statuses: (.*)$", output, re.M)
    return Load(
        rps=float(rps.group(1)),
        p50_ms=_ms(percentile["50"]),
        p99_ms=_ms(percentile["99"]),
        requests=int(total.group(1)),
        seconds=_ms(total.group(2)) / 1000,
        socket_errors=dict(zip(SOCKET_ERRORS, map(int, errors.groups()), strict=True))
        if errors
        else dict.fromkeys(SOCKET_ERRORS, 0),
        bad_status=int(bad.group(1)) if bad else 0,
        statuses={int(s): int(n) for s, n in (part.split("=") for part in statuses.group(1).split())}
        if statuses
        else {},
        output=output,
    )


def wrk(
    url: str,
    connections: int,
    seconds: int,
    headers: dict[str, str] | None = None,
    threads: int = 2,
    script: Path | None = None,
    timeout: int = 10,
) -> Load:
    """Load ``url`` with ``connections`` keep-alive connections for ``seconds`` (wrk takes whole seconds).

    ``script``: a wrk Lua script choosing the requests (then ``url`` gives only the server).
    """
    argv = [
        wrk_binary(),
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        f"{timeout}s",
        *(["-s", str(script)] if script else []),
    ]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    result = subprocess.run(
        argv + [url], capture_output=True, text=True, timeout=seconds + 60, stdin=subprocess.DEVNULL
    )
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed ({result.returncode}): {result.stderr or result.stdout}")
    return parse(result.stdout + result.stderr)
