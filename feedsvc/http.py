"""Prepared HTTP responses and the rules that answer a request from them (RFC 9110, 9111).

A ``Resource`` holds every variant of one document (identity, gzip, brotli),
each with its body, strong ETag and full header list computed once. Answering
a request is then a few dictionary look-ups: ``respond`` picks the variant and
the status. No Flask here, so the WSGI fast path and tests share it.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

import brotli
from werkzeug.http import parse_accept_header, parse_date, parse_etags

from .dates import http_date

ENCODINGS = ("br", "gzip")  # server preference when a client accepts several equally
# Compressing tiny bodies costs more than it saves.
MIN_COMPRESS = 256
FAST_FROM = 64 * 1024  # bytes from which a body is compressed fast rather than small
LARGE_BODY = 512 * 1024  # bytes from which compressed variants are made only when asked for


@dataclass(frozen=True)
class Variant:
    """One encoding of a resource, ready to send."""

    body: bytes
    etag: str
    headers: list[tuple[str, str]]
    not_modified: list[tuple[str, str]]


@dataclass(frozen=True, eq=False)
class Resource:
    """Every variant of one document, keyed by content coding ("identity", "gzip", "br").

    ``changes_at`` (POSIX seconds) is the document's next scheduled change, if any;
    ``cache`` its (max-age, stale-while-revalidate, stale-if-error), which
    ``headers_at`` cuts so that no cache keeps the document past that instant.
    """

    variants: dict[str, Variant]
    last_modified: datetime | None = None
    extra: dict = field(default_factory=dict)
    status: str = "200 OK"  # or a redirect ("301 Moved Permanently"), answered without conditionals
    changes_at: float | None = None
    cache: tuple[int, int, int] = (0, 0, 0)
    codings: tuple[str, ...] = field(init=False)  # the keys of variants: choose_coding's cache key

    def __post_init__(self):
        object.__setattr__(self, "codings", getattr(self.variants, "codings", None) or tuple(self.variants))

    def headers_at(self, headers: list[tuple[str, str]], now: float) -> list[tuple[str, str]]:
        """``headers`` as they must be sent at ``now``: max-age never reaches past the next change."""
        if self.changes_at is None:
            return headers
        remaining = int(self.changes_at - now)
        max_age, stale, on_error = self.cache
        if remaining >= max_age + stale:
            return headers
        value = cache_control(max_age, stale, on_error, remaining)
        return [(name, value if name == "Cache-Control" else text) for name, text in headers]


def cache_control(max_age: int, stale: int, on_error: int, remaining: int | None = None) -> str:
    """Cache-Control of a public document (RFC 9111 5.2.2, RFC 5861).

    With ``remaining`` seconds left until the document changes, neither max-age nor
    max-age plus stale-while-revalidate reaches past that instant.
    """
    if remaining is not None:
        max_age = min(max_age, max(remaining, 0))
        stale = min(stale, max(remaining - max_age, 0))
    return f"public, max-age={max_age}, stale-while-revalidate={stale}, stale-if-error={on_error}"


def strong_etag(body: bytes, coding: str = "identity") -> str:
    """A strong ETag from the hash of the identity body; codings get a suffix, as Apache does.

    Hashing the uncompressed body keeps ETags identical on hosts whose zlib or
    brotli builds compress the same bytes differently.
    """
    digest = hashlib.sha256(body).hexdigest()[:32]
    return f'"{digest}"' if coding == "identity" else f'"{digest}-{coding}"'


def compress(body: bytes, coding: str) -> bytes:
    """Compress ``body`` deterministically (no timestamp in the gzip header).

    The level depends on the body alone, so every host sends the same bytes under one ETag.
    """
    if coding == "gzip":
        return gzip.compress(body, compresslevel=9 if len(body) < FAST_FROM else 6, mtime=0)
    # Quality 10 for pages and small feeds. A 220 KB feed page (20 long articles) takes 129 ms
    # at 10 and 9 ms at 6, for 8% more bytes: a request for a document not built yet waits for
    # it, so bodies from FAST_FROM on are compressed fast (gzip 6: 10 ms instead of 17, 1% more).
    return brotli.compress(body, quality=10 if len(body) < FAST_FROM else 6)


def prepare(
    body: bytes,
    media_type: str,
    *,
    last_modified: datetime | None = None,
    headers: Sequence[tuple[str, str]] = (),
    compressible: bool = True,
    extra: dict | None = None,
    status: str = "200 OK",
    changes_at: datetime | None = None,
    cache: tuple[int, int, int] = (0, 0, 0),
) -> Resource:
    """Prepare ``body`` with its headers; each compressed variant is made once, when first asked for.

    Compressing is most of the time of building a document (brotli at quality 10:
    ~100 ms for a 70 KB feed), and most documents of a large archive are asked for
    in one coding only, so a first request waits only for its own (``complete``
    makes them all ahead, for documents warmed at start-up). A multi-megabyte
    article in every feed and page once held start-up for a minute.
    """
    codings = ("identity", *ENCODINGS) if compressible and len(body) >= MIN_COMPRESS else ("identity",)
    common = [("Vary", "Accept-Encoding"), *headers]
    if last_modified is not None:
        common.append(("Last-Modified", http_date(last_modified)))

    def variant(coding: str) -> Variant:
        encoded = body if coding == "identity" else compress(body, coding)
        etag = strong_etag(body, coding)
        validators = [("ETag", etag), *common]
        full = [("Content-Type", media_type), ("Content-Length", str(len(encoded))), *validators]
        if coding != "identity":
            full.insert(1, ("Content-Encoding", coding))
        return Variant(encoded, etag, full, validators)

    variants = _OnDemand(variant, codings)
    variants["identity"] = variant("identity")
    refresh = changes_at.timestamp() if changes_at is not None else None
    return Resource(variants, last_modified, extra or {}, status, refresh, cache)


def complete(resource: Resource) -> Resource:
    """``resource`` with every variant made now (but those of a ``LARGE_BODY``, made when asked for)."""
    if len(resource.variants["identity"].body) < LARGE_BODY:
        for coding in resource.codings:
            resource.variants[coding]  # noqa: B018 -- made on look-up (_OnDemand)
    return resource


class _OnDemand(dict):
    """Variants by coding; one not built yet is built on first look-up (two threads may both: same bytes)."""

    def __init__(self, make: Callable[[str], Variant], codings: tuple[str, ...]):
        super().__init__()
        self.make, self.codings = make, codings

    def __missing__(self, coding: str) -> Variant:
        if coding not in self.codings:
            raise KeyError(coding)
        variant = self[coding] = self.make(coding)
        return variant


# Real clients send a few dozen characters ("gzip, deflate, br, zstd"); longer values are
# parsed each time rather than cached, so the cache stays under 512 x 128 characters.
CACHED_HEADER = 128


def choose_coding(accept_encoding: str | None, available: tuple[str, ...]) -> str | None:
    """Pick a content coding per RFC 9110 12.5.3, honouring q-values; None if nothing is acceptable."""
    if not accept_encoding:
        return "identity"
    # Codings and parameters are case-insensitive and whitespace around them is not
    # significant (RFC 9110 5.6): the cache keys on the normalised value.
    normalised = "".join(accept_encoding.split()).lower()
    if len(normalised) > CACHED_HEADER:
        return _choose_coding(normalised, available)
    return _cached_choose_coding(normalised, available)


def _choose_coding(accept_encoding: str, available: tuple[str, ...]) -> str | None:
    qualities = {value.lower(): q for value, q in parse_accept_header(accept_encoding)}
    star = qualities.get("*")

    def quality(coding: str) -> float:
        if coding in qualities:
            return qualities[coding]
        if star is not None:
            return star
        return 1.0 if coding == "identity" else 0.0  # identity is acceptable unless refused

    # Identity competes on quality only when the client names it; otherwise it is the fallback.
    candidates = [c for c in available if c != "identity" or "identity" in qualities]
    ranked = [(quality(c), -rank, c) for rank, c in enumerate((*ENCODINGS, "identity")) if c in candidates]
    best = max(ranked, default=(0.0, 0, None))
    if best[0] > 0:
        return best[2]
    return "identity" if quality("identity") > 0 else None


_cached_choose_coding = lru_cache(maxsize=512)(_choose_coding)


def none_match(if_none_match: str, etag: str) -> bool:
    """RFC 9110 13.1.2: weak comparison of If-None-Match against the current ETag."""
    if if_none_match == etag:
        return True
    return parse_etags(if_none_match).contains_weak(etag.strip('"'))


def not_modified_since(if_modified_since: str, last_modified: datetime | None, now: datetime) -> bool:
    """RFC 9110 13.1.3; an unparseable or future date is ignored."""
    since = parse_date(if_modified_since)
    if since is None or last_modified is None or since > now:
        return False
    return int(last_modified.timestamp()) <= int(since.timestamp())


def is_fresh(environ: dict, variant: Variant, resource: Resource, now: datetime | None = None) -> bool:
    """Evaluate the conditional headers; If-None-Match takes precedence (RFC 9110 13.2.2)."""
    inm = environ.get("HTTP_IF_NONE_MATCH")
    if inm is not None:
        return none_match(inm, variant.etag)
    ims = environ.get("HTTP_IF_MODIFIED_SINCE")
    return ims is not None and not_modified_since(ims, resource.last_modified, now or datetime.now(UTC))
