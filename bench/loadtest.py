"""Load test: the Procfile's server under wrk for a minute, with a mix of what readers and aggregators ask.

    make loadtest                      # or: .venv/bin/python -m bench.loadtest
    LOADTEST_DURATION=20 LOADTEST_CONNECTIONS=16 make loadtest

It starts the Procfile's ``web:`` command (granian, ``WEB_CONCURRENCY`` or 2
workers) on a free port bound to 127.0.0.1, with FEEDSVC_SITE_URL set, on the
bundled content. wrk then warms it up (LOADTEST_WARMUP seconds, default 10, in
three rounds of fresh connections), the resident memory of granian's main
process and its workers is read from /proc, and wrk runs LOADTEST_DURATION
seconds (default 60) with LOADTEST_CONNECTIONS keep-alive connections (default
64) and 2 threads. Each
wrk thread goes round a list of requests, spread over its connections: the
site, author and tag feeds and the HTML pages, each plain, gzip, brotli and as
a browser asks, and aggregator polls (``If-None-Match`` with the current ETag,
answered 304).

It prints total requests, requests/s, latency p50/p99, socket errors, statuses
(counted by the wrk script), memory after warm-up and at the end, and the
number of lines in the app's access log (one JSON line per request, on the
server's stdout, kept in bench/out/loadtest-server.log) as a cross-check of
wrk's count. It exits 1 if any request failed or got a status other than
2xx/304, or if the memory at the end is more than 10% above the memory after
warm-up; 2 if it cannot run (no wrk, no /proc, the server does not start).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .common import LOOPBACK as HOST
from .common import (
    OUT,
    ROOT,
    CpuWatch,
    children,
    cpu_seconds,
    free_port,
    get,
    memory_kb,
    procfile_command,
    start_process,
    stop_process,
)
from .load import Load, wrk, wrk_binary

ARTICLE = "/articles/icspa-launched-to-fight-global-cyber-crime"
PATHS = ["/feed.atom", "/feed.rss", "/feed.json", "/", ARTICLE, "/authors/tom-brewster", "/tags/cyber-war/feed.atom"]
ENCODINGS = [None, "gzip", "br", "gzip, deflate, br"]  # none, an aggregator, a brotli client, a browser
POLLED = [
    ("/feed.atom", None),
    ("/feed.atom", "gzip"),
    ("/feed.rss", "gzip"),
    ("/feed.json", "gzip"),
    ("/feed.json", "br"),
    ("/tags/cyber-war/feed.atom", "gzip"),
]
MEMORY_GROWTH_LIMIT = 0.10  # fraction over the post-warm-up memory
WARMUP_ROUNDS = 3
BUSY_LIMIT = 0.25  # CPU in use by other programs before the start, above which the figures are flagged
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


class CannotRun(Exception):
    """The load test cannot run here (exit status 2)."""


def setting(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise CannotRun(f"{name} must be a whole number of 1 or more, not {value!r}")
    return int(value)


# -- the server ----------------------------------------------------------------


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    log: Path
    command: str

    @property
    def pid(self) -> int:
        return self.proc.pid  # granian's main process

    def workers(self) -> list[int]:
        return children(self.pid)

    def access_lines(self) -> int:
        """Requests the app has logged so far (its access log lines are JSON objects)."""
        with open(self.log, "rb") as log:
            return sum(1 for line in log if line.startswith(b'{"method"'))


def start_server(port: int) -> Server:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDSVC_")}  # the bundled content, defaults
    env.update(
        PORT=str(port),
        FEEDSVC_SITE_URL=f"http://{HOST}:{port}",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",  # the venv's granian
    )  # anything else as the caller's environment has it (PYTHONUNBUFFERED changes the cost of access logs)
    argv = procfile_command(port, env)
    command = " ".join(["python", *argv[1:]])
    log = OUT / "loadtest-server.log"
    proc = start_process(argv, log, env)
    server = Server(proc, port, log, command)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if proc.poll() is not None:
            raise CannotRun(f"the server exited with {proc.returncode}:\n{tail(log)}")
        with contextlib.suppress(OSError):
            if get(port, "/healthz", timeout=5).status == 200:
                return server
        if time.monotonic() > deadline:
            stop_process(server.proc, STOP_TIMEOUT)
            raise CannotRun(f"the server did not answer /healthz within {START_TIMEOUT:.0f}s:\n{tail(log)}")
        time.sleep(0.1)


def tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


# -- memory --------------------------------------------------------------------


def status(pid: int) -> tuple[int, int, float]:
    """(VmRSS in KiB, number of threads, CPU seconds used so far) of process ``pid``."""
    values = memory_kb(pid)
    if "VmRSS" not in values or "Threads" not in values:
        raise CannotRun(f"cannot read VmRSS and Threads of process {pid} from /proc")
    return values["VmRSS"], values["Threads"], cpu_seconds(pid)


@dataclass
class Memory:
    main: int  # KiB
    workers: dict[int, int]  # pid -> KiB
    threads: dict[int, int]  # pid -> threads (granian grows a pool of blocking threads under load)
    cpu: dict[int, float]  # pid -> CPU seconds used since the worker started

    @property
    def total(self) -> int:
        return self.main + sum(self.workers.values())

    def describe(self) -> str:
        workers = ", ".join(
            f"worker {pid} {mib(kib)} ({self.threads[pid]} threads)" for pid, kib in self.workers.items()
        )
        return f"{mib(self.total)} (main {mib(self.main)}; {workers})"


def memory(server: Server) -> Memory:
    main = status(server.pid)[0]
    workers = {pid: status(pid) for pid in server.workers()}
    return Memory(
        main,
        {pid: rss for pid, (rss, _, _) in workers.items()},
        {pid: n for pid, (_, n, _) in workers.items()},
        {pid: cpu for pid, (_, _, cpu) in workers.items()},
    )


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


class MemorySampler(threading.Thread):
    """Sample the total RSS every ``interval`` seconds while wrk runs (the highest is reported)."""

    def __init__(self, server: Server, interval: float = 2.0):
        super().__init__(daemon=True)
        self.server, self.interval, self.samples = server, interval, []
        self.halt = threading.Event()

    def run(self):
        while not self.halt.wait(self.interval):
            with contextlib.suppress(OSError, CannotRun):
                self.samples.append(memory(self.server).total)


# -- wrk -----------------------------------------------------------------------


@dataclass
class Request:
    path: str
    headers: dict[str, str]

    def label(self) -> str:
        extra = " ".join(f"{k}: {v}" for k, v in self.headers.items())
        return f"GET {self.path}" + (f"  [{extra}]" if extra else "")


def request_mix(port: int) -> list[Request]:
    """Every path with every Accept-Encoding, then aggregator polls with the ETag just served."""
    mix = [Request(path, {"Accept-Encoding": enc} if enc else {}) for path in PATHS for enc in ENCODINGS]
    for path, enc in POLLED:
        headers = {"Accept-Encoding": enc} if enc else {}
        reply = get(port, path, headers, timeout=5)
        if reply.status != 200 or "etag" not in reply.headers:
            raise CannotRun(f"GET {path} answered {reply.status} without an ETag")
        mix.append(Request(path, {**headers, "If-None-Match": reply.headers["etag"]}))
    return mix


def lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string of ASCII text is a valid Lua string literal


LUA = """\
-- Written by bench/loadtest.py. Each thread goes round the requests below in turn;
-- statuses are counted per thread and printed by done() as one "statuses:" line.
-- The requests are formatted in init(), once wrk.init has set the Host header
-- (an HTTP/1.1 request without one is answered 400, RFC 9112 3.2).
local function make_requests()
  return {
%(requests)s
  }
end
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  requests = make_requests()
  statuses = {}
  position = id * 7  -- threads start at different places in the list
end

function request()
  position = position %% #requests + 1
  return requests[position]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(total) do
    table.insert(parts, status .. "=" .. count)
  end
  table.sort(parts)
  io.write("statuses: " .. table.concat(parts, " ") .. "\\n")
end
"""


def write_lua(mix: list[Request], path: Path) -> None:
    lines = []
    for item in mix:
        headers = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in item.headers.items())
        lines.append(f'    wrk.format("GET", {lua_string(item.path)}, {{{headers}}}),')
    path.write_text(LUA % {"requests": "\n".join(lines)})


def run_wrk(port: int, script: Path, seconds: int, connections: int) -> Load:
    try:
        return wrk(f"http://{HOST}:{port}/", connections, seconds, script=script, timeout=5)
    except RuntimeError as exc:
        raise CannotRun(str(exc)) from None


# -- the test ------------------------------------------------------------------


def main() -> int:
    duration = setting("LOADTEST_DURATION", 60)
    connections = setting("LOADTEST_CONNECTIONS", 64)
    warmup = setting("LOADTEST_WARMUP", 10)
    try:
        wrk_binary()
    except FileNotFoundError as exc:
        raise CannotRun(str(exc)) from None
    if not Path("/proc/self/status").exists():
        raise CannotRun("needs /proc to read the server's memory")
    OUT.mkdir(parents=True, exist_ok=True)
    watch = CpuWatch()
    time.sleep(1)
    busy = watch.foreign_share()  # other programs skew every figure
    port = free_port()
    server = start_server(port)
    try:
        workers = server.workers()
        print(f"server: {server.command}  (PORT={port}, FEEDSVC_SITE_URL=http://{HOST}:{port}, bundled content)")
        print(
            f"        main process {server.pid}, workers {workers}; stdout -> {server.log.relative_to(ROOT)}"
            f"; PYTHONUNBUFFERED={os.environ.get('PYTHONUNBUFFERED', '(unset)')}"
        )
        mix = request_mix(port)
        script = OUT / "loadtest.lua"
        write_lua(mix, script)
        conditional = sum("If-None-Match" in r.headers for r in mix)
        print(f"request mix ({len(mix)} requests, each wrk thread goes round them; {script.relative_to(ROOT)}):")
        for item in mix:
            print(f"  {item.label()}")

        # Granian's workers share one listening socket, so how wrk's connections (opened at its start)
        # are spread over the workers is a draw, and each worker grows its pool of blocking threads (and
        # its memory) with the concurrency it gets. Warm up in rounds of fresh connections, each a new
        # draw, so that every worker has grown as it will under the load.
        rounds = min(WARMUP_ROUNDS, warmup)
        print(f"\nwarm-up: wrk {warmup}s in {rounds} rounds, {connections} connections ...", flush=True)
        for number in range(rounds):
            warm = run_wrk(port, script, warmup // rounds + (number < warmup % rounds), connections)
            state = memory(server)
            print(
                f"  round {number + 1}: {warm.requests} requests, {warm.rps:.0f} requests/s, "
                f"statuses {warm.statuses}; {state.describe()}"
            )
        time.sleep(1)  # let the last responses and log lines out
        before = memory(server)
        logged_before = server.access_lines()
        print(f"memory after warm-up: {before.describe()}")

        print(f"\nload: wrk {duration}s, {connections} connections, 2 threads ...", flush=True)
        sampler = MemorySampler(server)
        sampler.start()
        result = run_wrk(port, script, duration, connections)
        (OUT / "loadtest-wrk.txt").write_text(result.output)
        sampler.halt.set()
        sampler.join()
        time.sleep(1)
        after = memory(server)
        logged = server.access_lines() - logged_before
        alive = server.proc.poll() is None
        workers_after = server.workers()
    finally:
        stop_process(server.proc, STOP_TIMEOUT)

    errors = result.errors
    others = {s: n for s, n in result.statuses.items() if not (200 <= s < 300 or s == 304)}
    growth = after.total / before.total - 1
    peak = max(sampler.samples + [after.total])
    print("\n" + result.output.rstrip())
    print("\n== results")
    print(f"requests:         {result.requests} in {result.seconds:.1f}s")
    print(f"requests/s:       {result.rps:.0f}")
    print(f"latency:          p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms")
    print(f"socket errors:    {errors} ({', '.join(f'{k} {v}' for k, v in result.socket_errors.items())})")
    print(f"non-2xx/3xx:      {result.bad_status} (wrk)")
    print(
        f"statuses:         {', '.join(f'{s}: {n}' for s, n in sorted(result.statuses.items()))}"
        f"  ({conditional} of the {len(mix)} requests in the mix are conditional: "
        f"{conditional / len(mix):.1%} expected 304)"
    )
    print(
        f"access log:       {logged} lines during the load, {logged - result.requests:+d} against wrk's count "
        f"(wrk leaves out requests in flight when it stops: 0 to {connections} more expected)"
    )
    print(f"memory, warm-up:  {before.describe()}")
    print(f"memory, end:      {after.describe()}")
    print(
        f"memory growth:    {growth:+.1%} (limit +{MEMORY_GROWTH_LIMIT:.0%}); "
        f"highest sample during the load {mib(peak)}"
    )
    shares = {pid: after.cpu[pid] - before.cpu.get(pid, 0.0) for pid in after.cpu}
    spent = sum(shares.values()) or 1.0
    print(
        "worker CPU:       "
        + ", ".join(f"worker {pid} {sec:.1f} s ({sec / spent:.0%})" for pid, sec in shares.items())
        + " during the load"
    )

    cores = os.cpu_count() or 1
    print(f"machine:          {cores} cores, {busy:.0%} of the CPU in use by other programs before the start")
    if busy > BUSY_LIMIT:
        print(
            f"WARNING: the machine was busy ({busy:.0%} of its CPU in use before the start): requests/s and "
            "latency are not representative, and the spread of connections over the workers, hence their "
            "thread pools and memory, varies more"
        )

    failures = []
    if not alive:
        failures.append(f"the server exited with {server.proc.returncode} during the load")
    if workers_after != workers:
        failures.append(f"the workers changed during the load: {workers} -> {workers_after}")
    if errors:
        failures.append(f"{errors} socket errors")
    if result.bad_status or others:
        failures.append(f"{result.bad_status} responses not 2xx/3xx; statuses other than 2xx/304: {others}")
    if growth > MEMORY_GROWTH_LIMIT:
        threads = f"{sum(before.threads.values())} -> {sum(after.threads.values())}"
        failures.append(
            f"memory grew {growth:+.1%} (more than {MEMORY_GROWTH_LIMIT:.0%}) during the load; "
            f"the workers' threads went {threads} (granian's blocking-thread pool grows with "
            "concurrency: growth with many more threads is that pool, not a leak)"
        )
    if not 0 <= logged - result.requests <= connections:
        failures.append(f"the access log has {logged} lines for wrk's {result.requests} requests")
    if failures:
        print("\nFAIL: " + "; ".join(failures))
        return 1
    print("\nPASS: no errors, every status 2xx or 304, memory within limits")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except CannotRun as exc:
        print(f"loadtest cannot run: {exc}", file=sys.stderr)
        sys.exit(2)
