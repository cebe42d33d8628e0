"""Every ``FEEDSVC_*`` setting, parsed once and strictly into one frozen ``Settings``.

The defaults live here and nowhere else. ``Settings.from_env`` reads the
environment of a deployed service; ``create_app(test_config)`` passes its test
configuration to ``Settings.from_mapping`` instead, without looking at the
environment (as flaskr does). A value that is not understood stops start-up
with a message that says how to fix it: ``FEEDSVC_STRICT=False`` is off,
``FEEDSVC_STRICT=maybe`` is an error, never a guess.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .hosts import Network, parse_allowed_hosts, parse_networks
from .limits import MAX_FILE_BYTES
from .model import Publishing
from .urls import normalize_base_url

PREFIX = "FEEDSVC_"
_CHECKOUT_CONTENT = Path(__file__).resolve().parent.parent / "content"
# The sample content: content/ in a checkout; a wheel installs it as feedsvc/bundled (pyproject.toml).
BUNDLED_CONTENT = _CHECKOUT_CONTENT if _CHECKOUT_CONTENT.is_dir() else Path(__file__).resolve().parent / "bundled"
TRUE = ("true", "1", "yes", "on")
FALSE = ("false", "0", "no", "off")
WARM_MODES = ("auto", "all", "site")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# RFC 9111 1.2.2: caches cap delta-seconds at 2147483648; more would only overflow somewhere.
MAX_SECONDS = 2**31 - 1


class SettingsError(RuntimeError):
    """A ``FEEDSVC_*`` setting is unknown or has a value feedsvc does not understand."""


Parser = Callable[[Any], Any]


def boolean(value: Any) -> bool:
    """true/false, 1/0, yes/no, on/off, in any case."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE or text in FALSE:
        return text in TRUE
    raise ValueError("use true or false (1/0, yes/no and on/off work too)")


def choice(*allowed: str, upper: bool = False) -> Parser:
    """One of ``allowed``, in any case."""

    def parse(value: Any) -> str:
        text = str(value).strip()
        text = text.upper() if upper else text.lower()
        if text not in allowed:
            raise ValueError(f"use one of {', '.join(allowed)}")
        return text

    return parse


def number(kind: type[int] | type[float], low: float, high: float, unit: str) -> Parser:
    """A number of ``kind`` (int: a whole number) from ``low`` to ``high``."""
    described = "a whole number" if kind is int else "a number"

    def parse(value: Any) -> int | float:
        try:
            if isinstance(value, bool) or (kind is int and isinstance(value, float)):
                raise ValueError
            parsed = kind(value if isinstance(value, int | float) else str(value).strip())
        except ValueError:
            raise ValueError(f"use {described} of {unit}") from None
        if not low <= parsed <= high:  # also refuses nan
            raise ValueError(f"use {low:.15g} to {high:.15g} {unit}")
        return parsed

    return parse


def base_url(value: Any) -> str:
    """An http(s) URL without query or fragment; "" for unset."""
    text = str(value).strip()
    if not text:
        return ""
    try:
        return normalize_base_url(text)
    except ValueError:
        raise ValueError(
            "use an absolute http(s) URL without query or fragment, e.g. https://news.example.org"
        ) from None


def url_list(value: Any) -> tuple[str, ...]:
    """http(s) URLs separated by spaces or commas (or a list of them)."""
    items = tuple(value.replace(",", " ").split() if isinstance(value, str) else map(str, value))
    for item in items:
        try:
            normalize_base_url(item)  # checks; a hub's URL is kept exactly as given
        except ValueError as exc:
            raise ValueError(f"{exc}; list absolute http(s) URLs separated by spaces or commas") from None
    return items


def folder(value: Any) -> Path:
    """A folder path."""
    text = str(value).strip()
    if not text:
        raise ValueError("use the path of a folder")
    return Path(text).expanduser()


def networks(value: Any) -> tuple[Network, ...]:
    """IP addresses or networks (``hosts.parse_networks``), also when given parsed ones."""
    return parse_networks(value if isinstance(value, str) else map(str, value))


def setting(default: Any, parse: Parser, meaning: str) -> Any:
    """A settings field: its default, its parser and what it is for."""
    return field(default=default, metadata={"parse": parse, "meaning": meaning})


@dataclass(frozen=True, kw_only=True)
class Settings:
    """The service's configuration. Construct it with keywords; every value is checked."""

    content_dir: Path = setting(BUNDLED_CONTENT, folder, "the content folder")
    site_url: str = setting("", base_url, "the public base URL; unset: links follow each request's Host")
    allowed_hosts: tuple[str, ...] = setting((), parse_allowed_hosts, "hosts whose requests get links to themselves")
    trusted_proxies: tuple[Network, ...] = setting((), networks, "proxies whose X-Forwarded-* are honoured")
    max_file_mb: float = setting(MAX_FILE_BYTES / 2**20, number(float, 0.001, 1024, "megabytes"), "largest file read")
    websub_hubs: tuple[str, ...] = setting((), url_list, "WebSub hub URLs")
    max_age: int = setting(300, number(int, 0, MAX_SECONDS, "seconds"), "Cache-Control max-age")
    stale_while_revalidate: int = setting(60, number(int, 0, MAX_SECONDS, "seconds"), "stale-while-revalidate")
    stale_if_error: int = setting(86400, number(int, 0, MAX_SECONDS, "seconds"), "stale-if-error")
    archive_max_age: int = setting(30 * 86400, number(int, 0, MAX_SECONDS, "seconds"), "max-age of full archive pages")
    strict: bool = setting(False, boolean, "refuse to start when a content file has an error")
    warm: str = setting("auto", choice(*WARM_MODES), "what to build at start-up")
    cache_mb: int = setting(128, number(int, 0, 2**20, "megabytes"), "memory for documents built on request")
    state_dir: Path | None = setting(None, folder, "where the content index and the WebSub state are kept")
    websub_attempts: int = setting(4, number(int, 1, 100, "attempts"), "tries per hub notification")
    websub_backoff: float = setting(2.0, number(float, 0, 3600, "seconds"), "first wait between tries")
    log_level: str = setting("INFO", choice(*LOG_LEVELS, upper=True), "Python log level")
    access_log: bool = setting(True, boolean, "one JSON line per request on stdout")
    # Off by default: rss2email and other feedparser-based readers send A-IM: feed and then
    # treat 226 as a failure (README, "Delta updates").
    delta: bool = setting(False, boolean, "answer A-IM: feed with RFC 3229 deltas (226 IM Used)")
    reload_timeout: float = setting(120.0, number(float, 1, 3600, "seconds"), "longest a SIGHUP reload may load")

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if value is None and spec.default is None:
                continue
            try:
                object.__setattr__(self, spec.name, spec.metadata["parse"](value))
            except (ValueError, TypeError) as exc:
                raise SettingsError(f"{PREFIX}{spec.name.upper()}={value!r} is not valid: {exc}") from None

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> Settings:
        """Settings from names without the prefix (``{"STRICT": "true"}``); "" means the default."""
        known = {spec.name for spec in fields(cls)}
        values: dict[str, Any] = {}
        for name, value in config.items():
            key = name.lower()
            if key not in known:
                raise SettingsError(_unknown(name, known))
            if not (isinstance(value, str) and not value.strip()):
                values[key] = value
        return cls(**values)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Settings from the ``FEEDSVC_*`` environment variables."""
        return cls.from_mapping(
            {name[len(PREFIX) :]: value for name, value in environ.items() if name.startswith(PREFIX)}
        )

    @property
    def cache_bytes(self) -> int:
        return self.cache_mb * 2**20

    @property
    def state_folder(self) -> Path:
        """``state_dir``, else a ``feedsvc`` folder in the system's temporary folder."""
        return self.state_dir or Path(tempfile.gettempdir()) / "feedsvc"

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 2**20)

    def publishing(self, default_base: str) -> Publishing:
        """What the builders need: the base URL (``site_url``, else ``default_base``), hubs and cache lifetimes."""
        return Publishing(
            base_url=self.site_url or default_base,
            hubs=self.websub_hubs,
            max_age=self.max_age,
            stale_while_revalidate=self.stale_while_revalidate,
            stale_if_error=self.stale_if_error,
            archive_max_age=self.archive_max_age,
        )


def _unknown(name: str, known: set[str]) -> str:
    """A fix-it message for a setting name feedsvc does not have."""
    close = difflib.get_close_matches(name.lower(), known, n=1)
    hint = f"did you mean {PREFIX}{close[0].upper()}?" if close else "see the configuration table in the README"
    return f"unknown setting {PREFIX}{name.upper()}: {hint}"
