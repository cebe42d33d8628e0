"""Small helpers the benchmarks and the integration tests share: ports, the Procfile, HTTP, processes, /proc.

``tests/servers.py`` takes ``free_port``, ``procfile_command`` and ``stop_process``
from here, so there is one copy of each.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
CORPUS = BENCH / "corpus"
BUNDLED_CONTENT = ROOT / "content"
LOOPBACK = "127.0.0.1"


def log(message: str) -> None:
    """Progress line on stdout, flushed (make shows it at once)."""
    print(message, flush=True)


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def procfile_command(port: int, env: Mapping[str, str] | None = None, target: str | None = None) -> list[str]:
    """The Procfile's ``web:`` command as argv, on 127.0.0.1:``port``, run by this venv's Python.

    ``$PORT`` is ``port``; ``${NAME:-default}`` takes ``env[NAME]`` or the default, as
    the shell would; ``target`` replaces the WSGI app (the last word).
    """
    line = next(text for text in (ROOT / "Procfile").read_text().splitlines() if text.startswith("web:"))
    text = line.removeprefix("web:").replace("$PORT", str(port)).replace("0.0.0.0", LOOPBACK)
    text = re.sub(r"\$\{([A-Z_]+):-([^}]*)\}", lambda m: (env or {}).get(m[1]) or m[2], text)
    argv = text.split()
    if "$" in text or argv[0] != "python":
        raise RuntimeError(f"cannot run this Procfile line here: {line}")
    return [sys.executable, *argv[1:-1], target or argv[-1]]


def start_process(
    argv: list[str], log_path: Path, env: Mapping[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.Popen:
    """Start ``argv`` as the leader of a new process group, its output going to ``log_path``."""
    with open(log_path, "wb") as out:
        return subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # stop_process ends the whole group, and nothing else
        )


def stop_process(popen: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop ``popen`` and the process group it leads (started with ``start_new_session``).

    SIGTERM goes to the leader alone, so granian's or nginx's master stops and reaps its
    own workers; whatever is left of the group after that (or after ``grace``) is killed.
    Stopped by id, never by name: other people's servers on the machine are left alone.
    """
    if popen.poll() is None:
        popen.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            popen.wait(grace)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(popen.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        popen.wait(grace)


def port_open(port: int) -> bool:
    """Tell whether something accepts TCP connections on 127.0.0.1:``port``."""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=0.2):
            return True
    except OSError:
        return False


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


def get(
    port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 30.0, method: str = "GET"
) -> Reply:
    """One HTTP/1.1 request to 127.0.0.1:``port`` (no automatic decompression)."""
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        # skip_accept_encoding: http.client would otherwise send "Accept-Encoding: identity".
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        conn.close()


def try_get(port: int, path: str) -> int | None:
    """The status of GET ``path``, or None while nothing answers."""
    try:
        return get(port, path, timeout=5).status
    except (OSError, http.client.HTTPException):
        return None


class Process:
    """A server we started in its own process group, stopped by its id (never by name)."""

    def __init__(
        self, name: str, argv: list[str], *, env: dict | None = None, cwd: Path = ROOT, log_path: Path | None = None
    ):
        self.name = name
        self.log_path = log_path or OUT / "logs" / f"{name}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.started = time.monotonic()
        self.popen = start_process(argv, self.log_path, env, cwd)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM the process, then SIGKILL its process group if it lingers."""
        stop_process(self.popen, grace)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def wait_until(condition, timeout: float, interval: float = 0.05, what: str = "condition", on_tick=None):
    """Poll ``condition()`` until it returns a true value; return it, or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        if on_tick:
            on_tick()
        time.sleep(interval)


def _stat_fields() -> dict[int, list[bytes]]:
    """pid -> the fields of /proc/<pid>/stat after the command name (field 3 onwards), for every process."""
    table = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    table[int(entry.name)] = stat.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
    return table


def children(pid: int) -> list[int]:
    """Pids whose parent is ``pid`` (from /proc)."""
    return sorted(child for child, fields in _stat_fields().items() if int(fields[1]) == pid)


def descendants(pid: int) -> list[int]:
    """Pids of every process below ``pid``: children, their children (forked index readers), and so on."""
    parents = {child: int(fields[1]) for child, fields in _stat_fields().items()}
    found, frontier = [], {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found += sorted(frontier)
    return found


def memory_kb(pid: int) -> dict[str, int]:
    """VmHWM (peak RSS) and VmRSS of ``pid`` in kB, and its Threads, from /proc/<pid>/status."""
    values = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(("VmHWM:", "VmRSS:", "Threads:")):
                    key, value = line.split(":", 1)
                    values[key] = int(value.split()[0])
    except OSError:
        pass
    return values


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` so far."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def save_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str))


def load_json(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


# --- Other people's CPU use: the benchmarks share the machine ---------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _system_busy() -> float:
    """CPU seconds all cores have spent busy since boot (/proc/stat)."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:9]]
    return (sum(values) - values[3] - values[4]) / _TICK  # minus idle and iowait


def _process_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds of it and its reaped children)."""
    return {pid: (int(fields[1]), sum(int(v) for v in fields[11:15]) / _TICK) for pid, fields in _stat_fields().items()}


def _own_cpu() -> float:
    """CPU seconds of this process, its reaped children, and its live descendants."""
    table = _process_table()
    mine, frontier = set(), {os.getpid()}
    while frontier:
        mine |= frontier
        frontier = {pid for pid, (parent, _) in table.items() if parent in frontier} - mine
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usage) + sum(
        table[pid][1] for pid in mine - {os.getpid()} if pid in table
    )


class CpuWatch:
    """How much CPU other processes (not this harness or what it started) used between start and stop."""

    def __init__(self):
        self.wall, self.busy, self.own = time.monotonic(), _system_busy(), _own_cpu()

    def foreign_share(self) -> float:
        """Other processes' CPU as a share of the machine's capacity since start (0 to 1)."""
        wall = time.monotonic() - self.wall
        foreign = (_system_busy() - self.busy) - (_own_cpu() - self.own)
        return max(0.0, foreign) / (wall * (os.cpu_count() or 1)) if wall > 0 else 0.0


def wait_quiet(max_wait: float = 60, threshold: float = 0.05, sample: float = 1.0) -> float:
    """Wait (up to ``max_wait`` s) until other processes use under ``threshold`` of the CPU; return the last share."""
    deadline, warned = time.monotonic() + max_wait, False
    while True:
        watch = CpuWatch()
        time.sleep(sample)
        share = watch.foreign_share()
        if share < threshold or time.monotonic() > deadline:
            if share >= threshold:
                log(f"  note: other processes still use {share:.0%} of the CPU; measuring anyway")
            return share
        if not warned:
            log(f"  other processes use {share:.0%} of the CPU: waiting up to {max_wait:.0f} s for a quiet machine ...")
            warned = True
