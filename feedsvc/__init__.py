"""feedsvc: publish articles and author bios as RSS 2.0, Atom 1.0 and JSON Feed 1.1."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from flask import Flask

from .accesslog import AccessLog
from .fastpath import FastPath
from .hosts import TrustedHosts, parse_allowed_hosts, parse_networks
from .model import Publishing
from .service import Service
from .urls import normalize_base_url

log = logging.getLogger(__name__)

BUNDLED_CONTENT = Path(__file__).resolve().parent.parent / "content"

DEFAULTS = {
    "CONTENT_DIR": str(BUNDLED_CONTENT),
    "SITE_URL": "",
    "WEBSUB_HUBS": "",
    "MAX_AGE": 300,
    "STALE_WHILE_REVALIDATE": 60,
    "STALE_IF_ERROR": 86400,
    "ARCHIVE_MAX_AGE": 30 * 86400,
    "STRICT": False,
    "WARM": "auto",
    "CACHE_MB": 128,
    "STATE_DIR": "",
    "WEBSUB_ATTEMPTS": 4,
    "WEBSUB_BACKOFF": 2.0,
    "LOG_LEVEL": "INFO",
    "ACCESS_LOG": True,
    "ALLOWED_HOSTS": "",
    "TRUSTED_PROXIES": "",
    "MAX_FILE_MB": 4,
}


def configure_logging(level: str) -> None:
    """Log to stdout, as a PaaS collects it."""
    root = logging.getLogger()
    if not any(getattr(handler, "_feedsvc", False) for handler in root.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler._feedsvc = True
        root.addHandler(handler)
    root.setLevel(level)


def _publishing(config, default_base: str) -> Publishing:
    """Turn configuration into the publishing settings builders take; fail with a fix on error."""
    try:
        base = normalize_base_url(config["SITE_URL"]) if config["SITE_URL"] else default_base
        hubs = config["WEBSUB_HUBS"]
        hubs = tuple(str(hubs).replace(",", " ").split())
        for hub in hubs:
            normalize_base_url(hub)  # raises unless an http(s) URL
        numbers = {
            key: int(config[key]) for key in ("MAX_AGE", "STALE_WHILE_REVALIDATE", "STALE_IF_ERROR", "ARCHIVE_MAX_AGE")
        }
    except (ValueError, TypeError) as exc:
        raise RuntimeError(f"bad FEEDSVC_* setting: {exc}") from None
    if any(value < 0 for value in numbers.values()):
        raise RuntimeError("FEEDSVC_MAX_AGE and the other cache lifetimes must be zero or more seconds")
    return Publishing(
        base,
        hubs,
        numbers["MAX_AGE"],
        numbers["STALE_WHILE_REVALIDATE"],
        numbers["STALE_IF_ERROR"],
        numbers["ARCHIVE_MAX_AGE"],
    )


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then FEEDSVC_* environment variables, then ``test_config``."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("FEEDSVC")
    if test_config:
        app.config.from_mapping(test_config)
    configure_logging(str(app.config["LOG_LEVEL"]).upper())

    from .reader import read_site

    site = read_site(Path(app.config["CONTENT_DIR"]))
    pub = _publishing(app.config, site.base_url)
    fixed = bool(app.config["SITE_URL"])
    service = Service(
        app.config["CONTENT_DIR"],
        pub,
        fixed_base=fixed,
        strict=bool(app.config["STRICT"]),
        warm=str(app.config["WARM"]).lower(),
        cache_bytes=int(app.config["CACHE_MB"]) * 2**20,
        max_file_bytes=int(float(app.config["MAX_FILE_MB"]) * 2**20),
    )
    app.extensions["feedsvc"] = service

    from . import cli, views, websub

    app.register_blueprint(views.bp)
    cli.init_app(app)
    websub.init_app(app)

    app.wsgi_app = FastPath(app.wsgi_app, service)
    try:
        allowed = parse_allowed_hosts(app.config["ALLOWED_HOSTS"])
        proxies = parse_networks(app.config["TRUSTED_PROXIES"])
    except ValueError as exc:
        raise RuntimeError(f"bad FEEDSVC_ALLOWED_HOSTS or FEEDSVC_TRUSTED_PROXIES: {exc}") from None
    if not fixed and not allowed:
        log.warning(
            "FEEDSVC_SITE_URL is not set: links use base_url from site.yaml (%s) whatever the request's Host. "
            "Set FEEDSVC_SITE_URL to the public base URL (e.g. https://news.example.org) in production.",
            pub.base_url,
        )
    app.wsgi_app = TrustedHosts(
        app.wsgi_app, site_url=pub.base_url if fixed else "", allowed_hosts=allowed, trusted_proxies=proxies
    )
    if app.config["ACCESS_LOG"]:
        app.wsgi_app = AccessLog(app.wsgi_app)
    return app
