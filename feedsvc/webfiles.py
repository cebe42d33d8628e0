"""The files a site serves besides its pages: robots.txt, the sitemap and the default favicon."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from lxml import etree

from .dates import rfc3339

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
SITEMAP_LIMIT = 50_000  # sitemaps.org protocol: at most 50,000 URLs per sitemap file
_NSMAP: dict = {None: SITEMAP_NS}  # the sitemap namespace as the default one


@dataclass(frozen=True)
class SitemapURL:
    """One page in the sitemap, with when its content last changed if known."""

    loc: str
    lastmod: datetime | None = None


def robots_txt(sitemap_url: str) -> bytes:
    """Allow every crawler everywhere and name the sitemap (RFC 9309; sitemaps.org "Sitemap:" line)."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {sitemap_url}\n".encode()


def sitemap_xml(urls: list[SitemapURL]) -> bytes:
    """A sitemaps.org 0.9 ``urlset`` of at most SITEMAP_LIMIT pages."""
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap=_NSMAP)
    for url in urls:
        element = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(element, f"{{{SITEMAP_NS}}}loc").text = url.loc
        if url.lastmod is not None:
            etree.SubElement(element, f"{{{SITEMAP_NS}}}lastmod").text = rfc3339(url.lastmod)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def sitemap_index_xml(sitemap_urls: list[str]) -> bytes:
    """A sitemaps.org ``sitemapindex`` naming the sitemap files of a large site."""
    root = etree.Element(f"{{{SITEMAP_NS}}}sitemapindex", nsmap=_NSMAP)
    for loc in sitemap_urls:
        etree.SubElement(etree.SubElement(root, f"{{{SITEMAP_NS}}}sitemap"), f"{{{SITEMAP_NS}}}loc").text = loc
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def initial(title: str) -> str:
    """The first letter or digit of a site title, upper-cased ("feedsvc news" -> "F")."""
    return next((c.upper() for c in title if c.isalnum()), "·")


def favicon_svg(title: str, colour: str = "#b3261e") -> bytes:
    """A small square icon with the site's initial, for sites that set no ``icon``."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
        f'<rect width="64" height="64" rx="12" fill="{colour}"/>'
        '<text x="32" y="46" font-family="system-ui, sans-serif" font-size="40" font-weight="700" '
        f'text-anchor="middle" fill="#fff">{escape(initial(title))}</text></svg>\n'
    ).encode()
