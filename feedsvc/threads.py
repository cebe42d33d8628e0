"""Background threads that leave the process's signals to its main thread.

Python runs signal handlers in the main thread only, but the kernel may deliver
a process-wide signal (SIGTERM, SIGHUP) to any thread that does not block it.
Granian's processes wait in ``threading.Event.wait()`` on the main thread; a
SIGTERM delivered to one of our background threads sets Python's flag but never
wakes that wait, and the process ignores the signal until something else
happens (the worker is SIGKILLed after ``--workers-kill-timeout``, the main
process not at all). Every thread feedsvc starts therefore blocks them.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable

SIGNALS = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT}


def start_background(target: Callable[..., object], *, name: str, args: tuple = ()) -> threading.Thread:
    """Start a daemon thread born with SIGTERM, SIGINT, SIGHUP and SIGQUIT blocked."""
    thread = threading.Thread(target=target, args=args, name=name, daemon=True)
    # A new thread inherits the signal mask of the thread that starts it: block, start, restore.
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        thread.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    return thread
