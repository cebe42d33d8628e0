"""WebSub publishing (W3C Recommendation, section 7 and the de facto publish ping).

When content changes, each configured hub gets ``hub.mode=publish`` and
``hub.url=<topic>`` for every feed whose entries changed, from a background
thread, with bounded retries and backoff. A failing hub is logged and never
blocks or breaks serving.

Which feeds changed is remembered in a small state file, locked so that the
several workers of one server notify once between them. A new machine (a
fresh PaaS dyno) has no state and notifies every feed once, which hubs handle
as a refetch.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from flask import Flask

from .formats import FORMATS
from .threads import start_background

log = logging.getLogger(__name__)


def topics(catalog) -> dict[str, str]:
    """Map each current feed URL (the WebSub topic) to a fingerprint of what it holds."""
    result = {}
    for doc in catalog.current_docs():
        fingerprint = hashlib.sha256(repr((doc.title, doc.subtitle, doc.entries)).encode()).hexdigest()[:16]
        for fmt in FORMATS:
            result[catalog.pub.url(doc.path(fmt))] = fingerprint
    return result


def ping(hub: str, topic: str, timeout: float) -> None:
    """Send one publish notification; raise on anything but a 2xx answer."""
    data = urllib.parse.urlencode({"hub.mode": "publish", "hub.url": topic}).encode()
    request = urllib.request.Request(hub, data=data, headers={"User-Agent": "feedsvc WebSub publisher"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (configured hub URL)
        if not 200 <= response.status < 300:
            raise urllib.error.HTTPError(hub, response.status, "hub refused", response.headers, None)


class Publisher:
    """Notifies hubs of changed topics from background threads; remembers what each hub was sent.

    Each change runs one thread, which notifies every hub in parallel (a thread per
    hub, each bounded by ``deadline`` seconds), tries every topic, and tries the
    ones that failed again after ``backoff``, doubled each round, up to ``attempts``
    rounds. The state file is replaced atomically, under a lock shared by the
    workers; if it cannot be written, hubs are still notified and ``problem``
    says why (``/healthz`` shows it).
    """

    def __init__(
        self,
        hubs: tuple[str, ...],
        state_file: Path,
        *,
        attempts: int,
        backoff: float,
        timeout: float = 10.0,
        deadline: float = 300.0,
    ):
        self.hubs, self.state_file = hubs, state_file
        self.attempts, self.backoff, self.timeout, self.deadline = attempts, backoff, timeout, deadline
        self.threads: list[threading.Thread] = []
        self.problem: str | None = None  # why the state cannot be kept, or why hubs were not all notified

    def content_changed(self, catalog) -> threading.Thread:
        """Notify, in the background, every hub of the topics that changed in ``catalog``."""
        thread = start_background(self._publish, args=(topics(catalog),), name="websub-publish")
        self.threads = [t for t in self.threads if t.is_alive()] + [thread]
        return thread

    def _publish(self, current: dict[str, str]) -> None:
        try:
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            lock = open(self.state_file.with_suffix(".lock"), "a")  # noqa: SIM115 (held for the whole run)
        except OSError as exc:
            self.problem = f"cannot write the WebSub state in {self.state_file.parent}: {exc.strerror}"
            log.error("websub: %s; notifying every feed without remembering it", self.problem)
            self._notify_all({hub: dict(current) for hub in self.hubs})
            return
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one worker notifies; the others then find nothing new
            state = self._read_state()
            due = {hub: {t: f for t, f in current.items() if state.get(hub, {}).get(t) != f} for hub in self.hubs}
            for hub, sent in self._notify_all(due).items():
                state.setdefault(hub, {}).update(sent)
            self._write_state(state)

    def _read_state(self) -> dict[str, dict[str, str]]:
        try:
            state = json.loads(self.state_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("websub: ignoring the unreadable state file %s: %s", self.state_file, exc)
            return {}
        return state if isinstance(state, dict) else {}

    def _write_state(self, state: dict) -> None:
        """Replace the state file atomically: a full disk leaves the previous file whole."""
        temporary = self.state_file.with_name(f".{self.state_file.name}.{os.getpid()}")
        try:
            with open(temporary, "w", encoding="utf-8") as handle:
                handle.write(json.dumps(state, indent=1, sort_keys=True))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.state_file)
        except OSError as exc:
            with contextlib.suppress(OSError):
                temporary.unlink()
            self.problem = f"cannot write the WebSub state {self.state_file}: {exc.strerror}"
            log.error("websub: %s", self.problem)
            return
        if self.problem and self.problem.startswith("cannot write"):
            self.problem = None

    def _notify_all(self, due: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        """Notify each hub of its due topics, all hubs at once; return what each accepted."""
        results: dict[str, dict[str, str]] = {}
        threads = [
            start_background(lambda hub=hub: results.__setitem__(hub, self._notify(hub, due[hub])), name="websub-hub")
            for hub in self.hubs
            if due[hub]
        ]
        for thread in threads:
            thread.join()
        failed = [hub for hub in due if due[hub] and len(results.get(hub, {})) < len(due[hub])]
        if failed:
            self.problem = f"hub(s) not notified of every changed feed: {', '.join(failed)}"
        elif self.problem and self.problem.startswith("hub"):
            self.problem = None
        return results

    def _notify(self, hub: str, due: dict[str, str]) -> dict[str, str]:
        """Try every due topic; try the failed ones again after a back-off, doubled each round."""
        sent: dict[str, str] = {}
        give_up = time.monotonic() + self.deadline
        for attempt in range(1, self.attempts + 1):
            for topic, fingerprint in due.items():
                if topic in sent or time.monotonic() > give_up:
                    continue
                try:
                    ping(hub, topic, self.timeout)
                    sent[topic] = fingerprint
                    log.info("websub: notified %s of %s", hub, topic)
                except (OSError, urllib.error.URLError, ValueError) as exc:
                    log.warning("websub: %s refused %s (attempt %d/%d): %s", hub, topic, attempt, self.attempts, exc)
            left = len(due) - len(sent)
            if not left or attempt == self.attempts or time.monotonic() > give_up:
                break
            time.sleep(min(self.backoff * 2 ** (attempt - 1), max(0.0, give_up - time.monotonic())))
        if len(sent) < len(due):
            log.error(
                "websub: giving up on %s for %d feed(s); they are sent at the next content change or start",
                hub,
                len(due) - len(sent),
            )
        return sent


def init_app(app: Flask) -> None:
    """Notify the configured hubs now, and after every reload that changes the content."""
    service = app.extensions["feedsvc"]
    if not service.pub.hubs:
        return
    key = hashlib.sha256(f"{service.content_dir.resolve()}|{service.default_base}".encode()).hexdigest()[:12]
    settings = service.settings
    publisher = Publisher(
        service.pub.hubs,
        settings.state_folder / f"websub-{key}.json",
        attempts=settings.websub_attempts,
        backoff=settings.websub_backoff,
    )
    app.extensions["feedsvc.websub"] = publisher
    service.listeners.append(publisher.content_changed)
    publisher.content_changed(service.catalog(service.default_base))
