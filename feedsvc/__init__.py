"""feedsvc: publish articles and author bios as RSS 2.0, Atom 1.0 and JSON Feed 1.1."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import Any

from flask import Flask

from .accesslog import AccessLog
from .fastpath import FastPath
from .hosts import TrustedHosts
from .reloader import Reloader, read_generation, run_dir, start_worker
from .service import Service
from .settings import Settings
from .ticker import Clock, wall_clock

log = logging.getLogger(__name__)


def configure_logging(settings: Settings) -> None:
    """Log to stdout, as a PaaS collects it."""
    root = logging.getLogger()
    if not any(getattr(handler, "_feedsvc", False) for handler in root.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler._feedsvc = True  # type: ignore[attr-defined]  # marks ours, so a second app adds none
        root.addHandler(handler)
    root.setLevel(settings.log_level)


def create_app(test_config: Mapping[str, Any] | None = None, *, clock: Clock | None = None) -> Flask:
    """Build the app from the ``FEEDSVC_*`` environment, or from ``test_config`` alone.

    ``clock`` gives the current instant (tests pass a ``ticker.FakeClock``); the wall clock otherwise.

    ``test_config`` holds settings by name without the prefix (``{"STRICT": True}``);
    given one, the environment is not read, so a developer's variables never leak
    into tests (flaskr's factory does the same).
    """
    settings = Settings.from_env() if test_config is None else Settings.from_mapping(test_config)
    app = Flask(__name__)
    configure_logging(settings)

    # Under `python -m feedsvc.serve`, SIGHUP reloads through the folder the main process made.
    reload_folder = run_dir(settings.state_folder, os.getppid())
    generation = read_generation(reload_folder)  # before reading the content: a later SIGHUP reloads it
    service = start_worker(lambda: Service(settings, clock=clock or wall_clock), reload_folder)
    app.extensions["feedsvc"] = service
    app.extensions["feedsvc.reloader"] = Reloader(
        service, reload_folder, timeout=settings.reload_timeout, generation=generation
    )

    from . import cli, views, websub

    app.register_blueprint(views.bp)
    cli.init_app(app)
    websub.init_app(app)

    app.wsgi_app = FastPath(app.wsgi_app, service)  # type: ignore[method-assign]
    if not settings.site_url and not settings.allowed_hosts:
        log.warning(
            "FEEDSVC_SITE_URL is not set: links use base_url from site.yaml (%s) whatever the request's Host. "
            "Set FEEDSVC_SITE_URL to the public base URL (e.g. https://news.example.org) in production.",
            service.default_base,
        )
    app.wsgi_app = TrustedHosts(  # type: ignore[method-assign]
        app.wsgi_app,
        site_url=settings.site_url,
        allowed_hosts=settings.allowed_hosts,
        trusted_proxies=settings.trusted_proxies,
    )
    if settings.access_log:
        app.wsgi_app = AccessLog(app.wsgi_app)  # type: ignore[method-assign]
    return app
