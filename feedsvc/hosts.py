"""Which requests may choose the links' base URL: allowed hosts and trusted proxies.

Every document holds absolute links and is built once, then kept (here and in
shared caches that key on the URL and ``Host`` only). So a request's ``Host``
and ``X-Forwarded-*`` headers must never choose what goes into a document
unless the operator said so:

- ``X-Forwarded-For/-Proto/-Host/-Prefix`` are honoured only when the peer is a
  proxy the operator names (``FEEDSVC_TRUSTED_PROXIES``); from anyone else they
  are removed before the app sees the request.
- A host may steer links only if it is in ``FEEDSVC_ALLOWED_HOSTS`` (as Django's
  ``ALLOWED_HOSTS``: ``news.example.org``, ``.example.org`` for it and its
  subdomains, ``*`` for any). Any other ``Host`` gets the default base's bytes.
- ``FEEDSVC_SITE_URL``, when set, is the only base: headers then change nothing.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from .responses import error_response
from .urls import normalize_base_url

# A Host value: a DNS name or an IP literal, and a port (RFC 9110 7.2, RFC 3986 3.2.2).
_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
_PREFIX = re.compile(r"(?:/[A-Za-z0-9._~-]+)*")
BASE_KEY = "feedsvc.base"  # the environ key where the chosen base URL is left for the service
FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PREFIX")
# RFC 9112 3.2: "A server MUST respond with a 400 (Bad Request) status code to any HTTP/1.1
# request message that lacks a Host header field".
_NO_HOST = error_response(400, "Bad Request", "HTTP/1.1 requests must name the host they are for.")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_allowed_hosts(value: str | Iterable[str]) -> tuple[str, ...]:
    """Host names separated by spaces or commas: ``name``, ``.domain`` (and subdomains) or ``*``."""
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    hosts = []
    for item in items:
        name = item.strip().lower()
        if name != "*" and not _HOST.fullmatch(name.lstrip(".")):
            raise ValueError(f"{item!r} is not a host name; list names like news.example.org or .example.org")
        hosts.append(name)
    return tuple(hosts)


def parse_networks(value: str | Iterable[str]) -> tuple[Network, ...]:
    """IP addresses or networks separated by spaces or commas (``10.0.0.0/8 127.0.0.1``); ``*`` is any."""
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    networks: list[Network] = []
    for item in items:
        if item == "*":
            networks += [ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0")]
            continue
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or network such as 10.0.0.0/8") from None
    return tuple(networks)


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    """Django's rule: an exact name, ``.domain`` for the domain and its subdomains, or ``*``."""
    name = host.lower()
    name = name[: name.index("]") + 1] if name.startswith("[") else name.rsplit(":", 1)[0]
    return any(
        pattern == "*"
        or name == pattern
        or (pattern.startswith(".") and (name.endswith(pattern) or name == pattern[1:]))
        for pattern in allowed
    )


class TrustedHosts:
    """WSGI middleware: honour forwarded headers from trusted proxies only, and pick the base URL."""

    def __init__(self, app, *, site_url: str = "", allowed_hosts=(), trusted_proxies=()):
        self.app, self.site_url = app, site_url
        self.allowed, self.proxies = tuple(allowed_hosts), tuple(trusted_proxies)

    def __call__(self, environ, start_response):
        if environ.get("SERVER_PROTOCOL") == "HTTP/1.1" and not environ.get("HTTP_HOST"):
            status, headers, body = _NO_HOST
            start_response(status, headers)
            return [body]
        if self._trusted(environ.get("REMOTE_ADDR", "")):
            self._apply_forwarded(environ)
        else:
            for key in FORWARDED:
                environ.pop(key, None)
        base = self.base_for(environ)
        if base is not None:
            environ[BASE_KEY] = base
        return self.app(environ, start_response)

    def base_for(self, environ: dict) -> str | None:
        """The base URL of an allowed host the request names; None means the default base."""
        if self.site_url or not self.allowed:
            return None
        host = environ.get("HTTP_HOST", "")
        if not _HOST.fullmatch(host) or not host_allowed(host, self.allowed):
            return None
        scheme = environ.get("wsgi.url_scheme", "http")
        try:
            return normalize_base_url(f"{scheme}://{host.lower()}{environ.get('SCRIPT_NAME', '')}")
        except ValueError:
            return None

    def _trusted(self, address: str) -> bool:
        if not self.proxies:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.proxies)

    def _apply_forwarded(self, environ: dict) -> None:
        """Take what the nearest trusted proxy says (the last value of each header), as ProxyFix does."""
        proto = _last(environ.pop("HTTP_X_FORWARDED_PROTO", "")).lower()
        if proto in ("http", "https"):
            environ["wsgi.url_scheme"] = proto
        host = _last(environ.pop("HTTP_X_FORWARDED_HOST", ""))
        if host and _HOST.fullmatch(host):
            environ["HTTP_HOST"] = host
        prefix = _last(environ.pop("HTTP_X_FORWARDED_PREFIX", "")).rstrip("/")
        if prefix and _PREFIX.fullmatch(prefix):
            environ["SCRIPT_NAME"] = prefix + environ.get("SCRIPT_NAME", "")
        # The client is the last address not of a trusted proxy (RFC 7239 7.4 discusses the chain).
        hops = [hop.strip() for hop in environ.pop("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        for hop in reversed(hops):
            environ["REMOTE_ADDR"] = hop[:64]
            if not self._trusted(hop):
                break


def _last(value: str) -> str:
    return value.rsplit(",", 1)[-1].strip()[:256]
