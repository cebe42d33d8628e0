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

import fcntl
import hashlib
import json
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from flask import Flask

from .formats import FORMATS

log = logging.getLogger(__name__)


def topics(catalog) -> dict[str, str]:
    """Map each current feed URL (the WebSub topic) to a fingerprint of what it holds."""
    result = {}
    for doc in catalog.docs:
        if doc.is_archive:
            continue
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
    """Notifies hubs of changed topics, one background thread per change."""

    def __init__(
        self, hubs: tuple[str, ...], state_file: Path, *, attempts: int, backoff: float, timeout: float = 10.0
    ):
        self.hubs, self.state_file = hubs, state_file
        self.attempts, self.backoff, self.timeout = attempts, backoff, timeout
        self.threads: list[threading.Thread] = []

    def content_changed(self, catalog) -> threading.Thread:
        """Notify, in the background, every hub of the topics that changed in ``catalog``."""
        thread = threading.Thread(target=self._publish, args=(topics(catalog),), name="websub-publish", daemon=True)
        self.threads = [t for t in self.threads if t.is_alive()] + [thread]
        thread.start()
        return thread

    def _publish(self, current: dict[str, str]) -> None:
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.state_file, "a+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # one worker notifies; the others then find nothing new
            handle.seek(0)
            try:
                state = json.loads(handle.read() or "{}")
            except ValueError:
                state = {}
            for hub in self.hubs:
                sent = state.setdefault(hub, {})
                for topic, fingerprint in current.items():
                    if sent.get(topic) == fingerprint:
                        continue
                    if not self._send(hub, topic):
                        break  # the hub is down: the rest waits for the next change or start
                    sent[topic] = fingerprint
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps(state, indent=1, sort_keys=True))

    def _send(self, hub: str, topic: str) -> bool:
        """Try a few times with exponential backoff; log and give up after the last."""
        for attempt in range(1, self.attempts + 1):
            try:
                ping(hub, topic, self.timeout)
                log.info("websub: notified %s of %s", hub, topic)
                return True
            except (OSError, urllib.error.URLError, ValueError) as exc:
                log.warning("websub: %s refused %s (attempt %d/%d): %s", hub, topic, attempt, self.attempts, exc)
                if attempt < self.attempts:
                    time.sleep(self.backoff * 2 ** (attempt - 1))
        log.error("websub: giving up on %s for %s; will retry at the next content change or start", hub, topic)
        return False


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
