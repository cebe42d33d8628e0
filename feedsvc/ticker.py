"""The ticker: one background thread per process that lets time act on the running service.

Just after every wall-clock second it calls every subscribed function with the current instant.
The service uses it to publish scheduled entries and unpublish expired ones at
their instant, with no request and no reload needed (issue 12); the reload
design hooks in the same way. Subscribers are held weakly, so a test app that
is dropped stops ticking, and each gets its own clock: tests pass a
``FakeClock`` and call ``tick()`` themselves instead of waiting on the thread.

The thread is started once per process, on the first ``subscribe``, and again
in a child after ``fork`` (threads do not survive it), never once per app.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from .threads import start_background

log = logging.getLogger(__name__)

INTERVAL = 1.0  # seconds between ticks: a scheduled entry appears at most this late
# Ticks fall this long after each whole multiple of the interval on the wall clock (see _delay).
AFTER_THE_SECOND = 0.005
Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    """The current instant, timezone-aware, to the second (what HTTP dates can say)."""
    return datetime.now(UTC).replace(microsecond=0)


class FakeClock:
    """A clock tests set and move by hand."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


class Ticker:
    """Calls each subscriber with its clock's instant, once per ``interval`` seconds, from one thread."""

    def __init__(self, interval: float = INTERVAL):
        self.interval = interval
        self._subscribers: list[tuple[weakref.WeakMethod, Clock]] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()

    def subscribe(self, method: Callable[[datetime], object], clock: Clock = wall_clock) -> None:
        """Call the bound ``method`` with ``clock()`` on every tick, for as long as its object lives."""
        with self._lock:
            self._subscribers.append((weakref.WeakMethod(method), clock))
        self.start()

    def tick(self) -> None:
        """Run every live subscriber once; one that fails is logged and keeps its place."""
        with self._lock:
            self._subscribers = [(ref, clock) for ref, clock in self._subscribers if ref() is not None]
            subscribers = list(self._subscribers)
        for ref, clock in subscribers:
            method = ref()
            if method is None:
                continue
            try:
                method(clock())
            except Exception:  # a bug in one subscriber must not stop time for the others
                log.exception("ticker: %r failed", method)

    def start(self) -> None:
        """Start the thread unless it runs already in this process."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = start_background(self._run, name="feedsvc-ticker")

    def stop(self) -> None:
        """Stop the thread (for tests; the process's ticker runs as long as the process)."""
        self._wake.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._wake.wait(self._delay()):
            self.tick()

    def _delay(self) -> float:
        """Seconds until just after the next whole multiple of the interval on the wall clock.

        Scheduled instants are whole seconds: ticking just after each one publishes
        at the instant, and every worker of every instance ticks in the same phase,
        instead of each up to a second late at a phase of its own.
        """
        return self.interval - time.time() % self.interval + AFTER_THE_SECOND

    def _after_fork(self) -> None:
        # The child has the parent's subscribers but not its thread.
        self._lock = threading.Lock()
        self._thread = None
        self._wake = threading.Event()
        if self._subscribers:
            self.start()


ticker = Ticker()  # the process's one ticker
os.register_at_fork(after_in_child=ticker._after_fork)
