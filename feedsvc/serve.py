"""``python -m feedsvc.serve``: granian's command line, with SIGHUP reloading content in place.

Granian answers SIGHUP by starting new workers and stopping the old ones after a
fixed delay, ready or not: a slow load leaves no worker accepting, a load that
fails makes granian exit, and workers started at different moments can read
different versions. Here SIGHUP instead asks the running workers to reload
(``reloader.py``): they read the new content while serving the current one and
switch together once all have it. Every granian option works as usual.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
from pathlib import Path

from granian import cli
from granian.log import logger as log
from granian.server import Server

from .reloader import request_reload, run_dir
from .settings import Settings, SettingsError
from .threads import SIGNALS


class ReloadingServer(Server):  # type: ignore[misc, valid-type]
    """Granian's server whose SIGHUP asks the workers to reload instead of replacing them."""

    def startup(self, spawn_target, target_loader):
        try:
            self.run_dir: Path | None = run_dir(Settings.from_env().state_folder, os.getpid())
            self.run_dir.mkdir(parents=True, exist_ok=True)
            (self.run_dir / "workers").write_text(str(self.workers))
        except (OSError, SettingsError) as exc:
            log.error("no run folder (%s): SIGHUP will respawn the workers instead", exc)
            self.run_dir = None
        super().startup(spawn_target, target_loader)

    def _spawn_worker(self, idx, target, callback_loader):
        worker = super()._spawn_worker(idx, target, callback_loader)
        watch = worker._watch

        def watch_without_signals():
            # The thread that waits for this worker to exit must leave signals to the main thread
            # (see threads.py); the worker itself is already forked with the usual mask.
            previous = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
            try:
                watch()
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, previous)

        worker._watch = watch_without_signals
        return worker

    def _reload(self, spawn_target, target_loader):
        # Called by granian's main loop after its SIGHUP handler, outside the handler.
        if self.run_dir is None:
            return super()._reload(spawn_target, target_loader)
        self.reload_signal = False
        self.main_loop_interrupt.clear()
        if self.interrupt_signal or self.interrupt_children:
            self.main_loop_interrupt.set()  # a SIGTERM or a dead worker came with the SIGHUP: keep it
        try:
            generation = request_reload(self.run_dir)
        except OSError as exc:
            log.error("SIGHUP: cannot ask the workers to reload: %s", exc)
            return None
        log.info("SIGHUP: asked the workers to reload the content (generation %d)", generation)
        return None

    def shutdown(self, exit_code=0):
        if self.run_dir is not None:
            shutil.rmtree(self.run_dir, ignore_errors=True)
        return super().shutdown(exit_code)


def main() -> None:
    """Run granian's CLI with ``ReloadingServer``."""
    cli.Server = ReloadingServer
    sys.argv[0] = "granian"
    cli.entrypoint()


if __name__ == "__main__":
    main()
