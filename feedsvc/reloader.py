"""Reload content in place: read it while the current version serves, switch every worker together.

``python -m feedsvc.serve`` (the Procfile's server) turns SIGHUP into a reload
request instead of granian's worker respawn: it bumps a generation number in a
run folder shared by its workers (``<state dir>/run-<main pid>/``). Each
worker's ``Reloader`` sees it on the next tick of the process's ticker and,
in a background thread:

1. loads and checks the folder (``Service.load``) while requests are answered
   from the current version;
2. agrees on one version with the other workers: the first to finish records
   its version for the generation (``chosen.json``, under a file lock); a worker
   that read another version (the folder changed meanwhile) reads again, and
   after three tries asks for a new generation, so all read the settled folder;
3. builds and warms the new documents (``Service.prepare``), marks itself
   ready, waits for every worker to be ready, then switches (``Service.switch``).
   If any worker failed, or one has not finished within ``timeout`` seconds,
   nobody switches.

A load that fails (bad ``site.yaml``, strict-mode errors, an unreadable file)
or hangs leaves the current version serving everywhere; the reason is logged
and shown in ``/healthz`` until a later reload succeeds.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .threads import start_background
from .ticker import ticker

log = logging.getLogger(__name__)

RELOAD_TIMEOUT = 120.0  # seconds a load may take before it is reported hung and abandoned
TRIES = 3  # loads per generation while the folder keeps changing under us
POLL = 0.01  # seconds between looks at the other workers' progress
RETRY_START = 5.0  # seconds between tries of a respawned worker whose folder cannot load
T = TypeVar("T")


def run_dir(state_folder: Path, main_pid: int) -> Path:
    """The folder the server with main process ``main_pid`` and its workers share (in FEEDSVC_STATE_DIR)."""
    return state_folder / f"run-{main_pid}"


def read_generation(folder: Path) -> int:
    """The latest reload generation asked for (0 if none)."""
    try:
        return int((folder / "generation").read_text() or 0)
    except (OSError, ValueError):
        return 0


def request_reload(folder: Path, at_least: int = 0) -> int:
    """Ask every worker to reload: write the next generation number atomically; return it."""
    with _locked(folder):
        generation = max(read_generation(folder) + 1, at_least)
        _write(folder / "generation", str(generation))
    return generation


def _write(path: Path, text: str) -> None:
    """Replace ``path`` atomically, so a reader sees the old or the new text, never half."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(text)
    os.replace(temporary, path)


@contextlib.contextmanager
def _locked(folder: Path):
    with open(folder / "lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def start_worker(make: Callable[[], T], folder: Path) -> T:
    """Build a worker's service; in a server whose other workers serve, wait for a loadable folder.

    A worker respawned after a crash while the folder holds content that cannot load
    (a reload failed and left it so) would exit at once, again and again: granian
    takes that for a crash loop and stops the whole server. This worker waits and
    tries again instead, while the others keep serving the current version.
    """
    while True:
        try:
            return make()
        except Exception as exc:
            if not (folder / "chosen.json").exists():
                raise  # nobody serves yet: a start-up that fails must fail (FEEDSVC_STRICT deploys)
            log.error("cannot start this worker (%s); the others serve; trying again in %.0f s", exc, RETRY_START)
            time.sleep(RETRY_START)


class Reloader:
    """One worker's side of a reload (see the module docstring)."""

    def __init__(self, service, folder: Path, *, timeout: float = RELOAD_TIMEOUT, generation: int | None = None):
        self.service, self.folder, self.timeout = service, folder, timeout
        self.generation = 0  # the last generation this worker acted on
        self.state: dict = {"state": "ok", "generation": 0}
        self._thread: threading.Thread | None = None
        self._started = 0.0
        self._ticking = threading.Lock()  # the ticker and a test may both call tick
        if not folder.is_dir():
            return  # not under `python -m feedsvc.serve`: SIGHUP is granian's own respawn
        # ``generation`` is the one asked for before this worker read the folder: a SIGHUP
        # during its start-up is acted on at the first tick. A worker that starts late
        # (respawned after a crash) read the folder as it is now: if the others serve
        # another version, everyone reloads, so one version is served.
        self.generation = read_generation(folder) if generation is None else generation
        self.state["generation"] = self.generation
        self._agree_or_request(self.generation, service.content.version)
        ticker.subscribe(self.tick)

    def tick(self, now=None) -> None:
        """Start a reload if one was asked for; report a load that takes too long."""
        with self._ticking:
            self._tick()

    def _tick(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            waited = time.monotonic() - self._started
            if waited > self.timeout and self.state["state"] == "loading":
                self._report("hung", f"the load of generation {self.generation} has not finished after {waited:.0f}s")
            return
        wanted = read_generation(self.folder)
        if wanted > self.generation:
            self.generation, self._started = wanted, time.monotonic()
            self.state = {"state": "loading", "generation": wanted}
            self._thread = start_background(self._reload, args=(wanted,), name="feedsvc-reload")

    def _reload(self, generation: int) -> None:
        log.info("reload: reading the content folder for generation %d", generation)
        for _ in range(TRIES):
            try:
                content = self.service.load()
            except Exception as exc:  # whatever it is, the current version keeps serving
                self._mark(generation, "failed")
                self._report("failed", f"{type(exc).__name__}: {exc}")
                return
            verdict = self._agree(generation, content.version)
            if verdict != "another version":
                break
            time.sleep(0.2)  # the folder is being edited; read it again once it settles
        else:
            self._report("retrying", "the folder kept changing while it was read; reading it again")
            request_reload(self.folder, generation + 1)
            return
        if verdict == "superseded":
            self.state = {"state": "superseded", "generation": generation}
            return
        try:
            prepared = self.service.prepare(content)  # built and warmed before the switch, so the switch is instant
        except Exception as exc:
            self._mark(generation, "failed")
            self._report("failed", f"building the documents: {type(exc).__name__}: {exc}")
            return
        self._mark(generation, "ready")
        problem = self._wait_for_workers(generation)
        if problem:
            self._report("failed", problem)
            return
        if prepared is not None:
            self.service.switch(content, prepared)
        self.state = {"state": "ok", "generation": generation, "version": content.version}
        log.info(
            "reload: generation %d serves version %s%s", generation, content.version, "" if prepared else " (same)"
        )

    def _agree_or_request(self, generation: int, version: str) -> None:
        verdict = self._agree(generation, version)
        if verdict == "another version":
            log.info("reload: this worker read another version than the others; reloading them all")
            request_reload(self.folder, generation + 1)
        elif verdict == "chosen":
            self._mark(generation, "ready")

    def _agree(self, generation: int, version: str) -> str:
        """Record or compare the version of ``generation``: chosen, another version, or superseded."""
        with _locked(self.folder):
            if read_generation(self.folder) > generation:
                return "superseded"
            try:
                chosen = json.loads((self.folder / "chosen.json").read_text())
            except (OSError, ValueError):
                chosen = {"generation": -1}
            if chosen["generation"] < generation:
                _write(self.folder / "chosen.json", json.dumps({"generation": generation, "version": version}))
                return "chosen"
            return "chosen" if chosen.get("version") == version else "another version"

    def _mark(self, generation: int, outcome: str) -> None:
        with contextlib.suppress(OSError):
            (self.folder / f"{outcome}-{generation}-{os.getpid()}").touch()

    def _wait_for_workers(self, generation: int) -> str | None:
        """Wait until every worker is ready for ``generation``; say why not, if not."""
        try:
            workers = int((self.folder / "workers").read_text())
        except (OSError, ValueError):
            workers = 1
        deadline = self._started + self.timeout
        while True:
            names = os.listdir(self.folder)
            if any(name.startswith(f"failed-{generation}-") for name in names):
                return f"another worker could not load generation {generation}; the current version stays"
            if read_generation(self.folder) > generation:
                return f"generation {generation} was superseded before every worker had it"
            if sum(name.startswith(f"ready-{generation}-") for name in names) >= workers:
                return None
            if time.monotonic() > deadline:
                return f"not every worker loaded generation {generation} within {self.timeout:.0f}s"
            time.sleep(POLL)

    def _report(self, state: str, reason: str) -> None:
        self.state = {"state": state, "generation": self.generation, "error": reason}
        version = self.service.content.version
        log.error("reload: generation %d %s: %s; still serving version %s", self.generation, state, reason, version)
