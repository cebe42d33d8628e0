"""Start real servers for integration tests: the app under granian, and nginx in a temporary prefix.

Everything binds to 127.0.0.1 only, writes its logs, pid and temporary files
under the test's ``tmp_path``, and is stopped (its whole process group) when
the context manager exits, whether the test passed or not. On the way out each
helper prints the tail of the server's log, which pytest shows for failing tests.

    port = free_port()
    with granian_app(tmp_path, env={"FEEDSVC_SITE_URL": f"http://127.0.0.1:{port}"}) as app:
        with nginx(tmp_path, f"server {{ listen 127.0.0.1:{port}; location / {{ proxy_pass {app.url}; }} }}"):
            ...
"""

from __future__ import annotations

import contextlib
import grp
import http.client
import os
import pwd
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

from bench.common import LOOPBACK, free_port, port_open, procfile_command, start_process, stop_process

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 20.0  # seconds a server may take to answer after it is started
STOP_TIMEOUT = 5.0  # seconds a server may take to exit after SIGTERM, before SIGKILL

# Enough for the app's documents and a static export of them; a caller may pass its own.
MIME_TYPES = """\
types {
    text/html                  html htm;
    text/css                   css;
    text/plain                 txt;
    application/xml            xml;
    application/atom+xml       atom;
    application/rss+xml        rss;
    application/feed+json      json;
    application/javascript     js;
    image/svg+xml              svg;
    image/png                  png;
    image/jpeg                 jpg jpeg;
    image/x-icon               ico;
}
default_type application/octet-stream;"""


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


# -- the app under granian ---------------------------------------------------


@dataclass
class AppServer:
    """A running granian serving ``wsgi:app``."""

    port: int
    proc: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def address(self) -> str:
        """As nginx writes it in ``$upstream_addr``."""
        return f"{LOOPBACK}:{self.port}"

    def stop(self) -> None:
        """Stop the server now (idempotent); the context manager also does it on exit."""
        stop_process(self.proc, STOP_TIMEOUT)

    def workers(self) -> set[int]:
        """PIDs of the granian main process's children (its workers)."""
        children: set[int] = set()
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            with contextlib.suppress(OSError):
                children.update(int(p) for p in (task / "children").read_text().split())
        return children


def granian_path() -> Path:
    """The granian installed next to the running Python (the project's venv)."""
    return Path(sys.executable).parent / "granian"


@contextmanager
def granian_app(
    tmp_path: Path,
    env: dict[str, str] | None = None,
    *,
    port: int | None = None,
    name: str = "granian",
    extra_args: tuple[str, ...] = (),
    workers: int = 1,
    procfile: bool = False,
) -> Iterator[AppServer]:
    """Run the Procfile's server (one worker unless ``workers`` says) on 127.0.0.1 until /healthz answers.

    The server is stopped on exit. ``proc`` is granian's main process (it is started directly, not
    through a shell), so a test may signal it, e.g. SIGHUP to respawn the workers.
    ``env`` adds FEEDSVC_* settings; FEEDSVC_* variables of the calling shell are dropped
    so a developer's environment cannot change what the test sees. ``procfile=True`` runs
    the Procfile's own command (``python -m feedsvc.serve`` and its options) instead.
    """
    exe = granian_path()
    if not exe.exists():
        pytest.fail(f"granian is not installed next to {sys.executable}; install requirements-dev.txt")
    port = port or free_port()
    log = tmp_path / f"{name}-{port}.log"
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDSVC_")}
    child_env.update(env or {})
    command = (
        procfile_command(port, {"WEB_CONCURRENCY": str(workers)})
        if procfile
        else [
            str(exe),
            "--interface",
            "wsgi",
            "--host",
            LOOPBACK,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-ws",
            *extra_args,
            "wsgi:app",
        ]
    )
    proc = start_process(command, log, child_env)
    server = AppServer(port, proc, log)
    try:
        _wait_for_health(server)
        yield server
    finally:
        server.stop()
        print(f"--- {log.name} (last lines) ---\n{_tail(log)}")


def _wait_for_health(server: AppServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if server.proc.poll() is not None:
            raise RuntimeError(f"granian exited with {server.proc.returncode}:\n{_tail(server.log)}")
        try:
            conn = http.client.HTTPConnection(LOOPBACK, server.port, timeout=2)
            try:
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            finally:
                conn.close()
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"granian did not answer /healthz within {START_TIMEOUT:.0f}s:\n{_tail(server.log)}")
        time.sleep(0.05)


# -- nginx ------------------------------------------------------------------

# Where distributions put nginx when it is not on a non-root user's PATH (Debian: /usr/sbin).
_SBIN = os.pathsep.join(["/usr/sbin", "/usr/local/sbin", "/sbin", "/opt/homebrew/bin", "/usr/local/bin"])


def nginx_path() -> str | None:
    """The nginx executable, or None."""
    return shutil.which("nginx") or shutil.which("nginx", path=_SBIN)


def _main_directives() -> str:
    """``user``, only when running as root: workers would otherwise become nobody and lose tmp_path."""
    if os.geteuid() != 0:
        return ""
    return f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};\n"


def _write_conf(prefix: Path, http_config: str, mime_types: str) -> Path:
    for sub in ("logs", "temp/client_body", "temp/proxy", "temp/fastcgi", "temp/uwsgi", "temp/scgi"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(
        f"""\
# Written by tests/servers.py for one test; everything lives under {prefix}.
{_main_directives()}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log info;

events {{
    worker_connections 128;
}}

http {{
    access_log {prefix}/logs/access.log;
    client_body_temp_path {prefix}/temp/client_body;
    proxy_temp_path {prefix}/temp/proxy;
    fastcgi_temp_path {prefix}/temp/fastcgi;
    uwsgi_temp_path {prefix}/temp/uwsgi;
    scgi_temp_path {prefix}/temp/scgi;
    server_tokens off;
{_indent(mime_types)}

{_indent(http_config)}
}}
"""
    )
    return conf


def _indent(text: str) -> str:
    return "\n".join(("    " + line) if line.strip() else "" for line in text.strip("\n").splitlines())


@cache
def _probe(exe: str) -> str | None:
    """Why nginx cannot be used here (None if it can): it must accept a trivial config as this user."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="nginx-probe-") as tmp:
        prefix = Path(tmp)
        conf = _write_conf(prefix, f"server {{ listen {LOOPBACK}:{free_port()}; return 204; }}", MIME_TYPES)
        try:
            done = subprocess.run(
                [exe, "-p", str(prefix), "-c", str(conf), "-t"],
                capture_output=True,
                timeout=20,
                stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"cannot run {exe}: {exc}"
        if done.returncode != 0:
            output = (done.stderr or done.stdout).decode(errors="replace").strip()
            return f"{exe} -t fails for user {pwd.getpwuid(os.geteuid()).pw_name}: {output}"
    return None


def require_nginx() -> str:
    """The nginx executable; skip the calling test if there is none or this user cannot run it."""
    exe = nginx_path()
    if exe is None:
        pytest.skip("nginx is not installed (not on PATH nor in /usr/sbin); install it to run this test")
    reason = _probe(exe)
    if reason is not None:
        pytest.skip(reason)
    return exe


@dataclass
class Nginx:
    """A running nginx in a private prefix (``-p``): its config, logs and temp files are under ``prefix``."""

    prefix: Path
    ports: list[int]
    proc: subprocess.Popen
    stderr: Path
    extra: dict = field(default_factory=dict)

    @property
    def conf(self) -> Path:
        return self.prefix / "nginx.conf"

    @property
    def error_log(self) -> Path:
        return self.prefix / "logs" / "error.log"

    def url(self, path: str = "/", port: int | None = None) -> str:
        return f"http://{LOOPBACK}:{port or self.ports[0]}{path}"

    def stop(self) -> None:
        """Stop nginx now (idempotent); the context manager also does it on exit."""
        stop_process(self.proc, STOP_TIMEOUT)


_LISTEN = re.compile(r"(?:^|[\s{;])listen\s+([^\s;]+)")
_COMMENT = re.compile(r"#[^\n]*")


def _listen_ports(http_config: str) -> list[int]:
    """The ports of every ``listen`` directive, refusing any that is not bound to 127.0.0.1."""
    ports = []
    for address in _LISTEN.findall(_COMMENT.sub("", http_config)):
        host, _, port = address.rpartition(":")
        if host != LOOPBACK or not port.isdigit():
            raise ValueError(f"tests may only listen on {LOOPBACK}:<port>, not {address!r}")
        ports.append(int(port))
    if not ports:
        raise ValueError("the nginx config has no `listen 127.0.0.1:<port>;` directive")
    return ports


@contextmanager
def nginx(tmp_path: Path, http_config: str, *, name: str = "nginx", mime_types: str = MIME_TYPES) -> Iterator[Nginx]:
    """Run nginx in the foreground with ``http_config`` (http-level text: upstreams, servers, caches).

    The prefix is ``tmp_path/name``: the config, pid, error log (``logs/error.log``), the default
    access log (``logs/access.log``) and temp paths go there; put a ``proxy_cache_path`` or other
    files there too (``Nginx.prefix`` is ``tmp_path / name``). Every ``listen`` must be on
    127.0.0.1. Waits until every listening port accepts a connection; stops nginx on exit.
    Call ``require_nginx()`` first (this does, too) so the test is skipped where nginx is missing.
    """
    exe = require_nginx()
    ports = _listen_ports(http_config)
    prefix = tmp_path / name
    conf = _write_conf(prefix, http_config, mime_types)
    checked = subprocess.run(
        [exe, "-p", str(prefix), "-c", str(conf), "-t"], capture_output=True, timeout=20, stdin=subprocess.DEVNULL
    )
    if checked.returncode != 0:
        raise RuntimeError(f"nginx rejects {conf}:\n{checked.stderr.decode(errors='replace')}\n{conf.read_text()}")
    stderr = prefix / "logs" / "stderr.log"
    proc = start_process([exe, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"], stderr)
    server = Nginx(prefix, ports, proc, stderr)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not all(port_open(port) for port in ports):
            if proc.poll() is not None:
                raise RuntimeError(f"nginx exited with {proc.returncode}:\n{_tail(stderr)}\n{_tail(server.error_log)}")
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"nginx did not listen on {ports} within {START_TIMEOUT:.0f}s:\n{_tail(server.error_log)}"
                )
            time.sleep(0.02)
        yield server
    finally:
        server.stop()
        print(f"--- {name} error.log (last lines) ---\n{_tail(server.error_log)}\n{_tail(stderr)}")
