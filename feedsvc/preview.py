"""Link-preview metadata of a page: Open Graph, Twitter card and schema.org JSON-LD.

What a chat app, a social network or a search engine shows when someone
shares a link. Pure functions from the model to lists and dictionaries; the
base template writes them into ``<head>``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .dates import rfc3339
from .model import Author, Entry, Publishing, Site


@dataclass(frozen=True)
class Preview:
    """The metadata of one page: Open Graph properties, Twitter card fields, JSON-LD."""

    og: list[tuple[str, str]] = field(default_factory=list)
    twitter: list[tuple[str, str]] = field(default_factory=list)
    json_ld: dict | None = None

    @property
    def json_ld_text(self) -> str:
        """The JSON-LD as script text: "<" escaped so no value can close the element."""
        text = json.dumps(self.json_ld, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return text.replace("<", "\\u003c")


def image_url(pub: Publishing, image: str) -> str:
    """An image setting (root-relative or absolute) as an absolute URL; "" stays ""."""
    if not image or urlsplit(image).scheme:
        return image
    return pub.url(image)


def og_locale(language: str) -> str:
    """Open Graph writes locales as language_TERRITORY ("en-GB" -> "en_GB")."""
    parts = language.replace("_", "-").split("-")
    return "_".join([parts[0].lower(), *(p.upper() for p in parts[1:2])])


def _cards(site: Site, pub: Publishing, kind: str, url: str, title: str, description: str, image: str):
    og = [
        ("og:type", kind),
        ("og:title", title),
        ("og:description", description),
        ("og:url", url),
        ("og:site_name", site.title),
        ("og:locale", og_locale(site.language)),
    ]
    twitter = [("twitter:card", "summary_large_image" if image else "summary"), ("twitter:title", title)]
    twitter.append(("twitter:description", description))
    if image:
        og.append(("og:image", image))
        twitter.append(("twitter:image", image))
    return og, twitter


def _person(author: Author, pub: Publishing, bio: Entry | None = None) -> dict:
    person: dict[str, object] = {"@type": "Person", "name": author.name, "url": pub.url(author.path)}
    if author.image:
        person["image"] = image_url(pub, author.image)
    if author.website:
        person["sameAs"] = [author.website]
    if bio is not None and bio.summary:
        person["description"] = bio.summary
    return person


def _publisher(site: Site, pub: Publishing) -> dict:
    publisher: dict[str, object] = {"@type": "Organization", "name": site.title, "url": pub.url("/")}
    logo = image_url(pub, site.logo or site.icon)
    if logo:
        publisher["logo"] = {"@type": "ImageObject", "url": logo}
    return publisher


def article_preview(site: Site, pub: Publishing, entry: Entry) -> Preview:
    """A news article: og:type article with its times, authors and tags; JSON-LD NewsArticle."""
    url, image = pub.url(entry.path), image_url(pub, entry.image or site.logo)
    description = entry.summary or entry.title
    og, twitter = _cards(site, pub, "article", url, entry.title, description, image)
    og += [
        ("article:published_time", rfc3339(entry.published)),
        ("article:modified_time", rfc3339(entry.updated)),
        *(("article:author", pub.url(author.path)) for author in entry.authors),
        *(("article:section", name) for name in entry.categories[:1]),
        *(("article:tag", name) for name in entry.categories),
    ]
    # Google's Article rich result: headline, image, datePublished, dateModified, author (name, url).
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": entry.title,
        "description": description,
        "datePublished": rfc3339(entry.published),
        "dateModified": rfc3339(entry.updated),
        "author": [_person(author, pub) for author in entry.authors],
        "publisher": _publisher(site, pub),
        "inLanguage": site.language,
    }
    if image:
        data["image"] = [image]
    if entry.categories:
        data["articleSection"] = entry.categories[0]
        data["keywords"] = list(entry.categories)
    return Preview(og, twitter, data)


def author_preview(site: Site, pub: Publishing, author: Author, bio: Entry | None) -> Preview:
    """An author's page: og:type profile; JSON-LD ProfilePage about a Person."""
    url, image = pub.url(author.path), image_url(pub, author.image)
    description = (bio.summary if bio else "") or f"{author.name}: biography and articles."
    og, twitter = _cards(site, pub, "profile", url, author.name, description, image)
    data = {
        "@context": "https://schema.org",
        "@type": "ProfilePage",
        "url": url,
        "name": author.name,
        "mainEntity": _person(author, pub, bio),
        "inLanguage": site.language,
    }
    if bio is not None:
        data.update(dateCreated=rfc3339(bio.published), dateModified=rfc3339(bio.updated))
    return Preview(og, twitter, data)


def website_preview(site: Site, pub: Publishing, path: str, title: str, description: str) -> Preview:
    """The home page (JSON-LD WebSite) or another listing (JSON-LD CollectionPage)."""
    url = pub.url(path)
    og, twitter = _cards(site, pub, "website", url, title, description, image_url(pub, site.logo))
    if path == "/":
        data = {"@type": "WebSite", "name": site.title, "url": url, "publisher": _publisher(site, pub)}
    else:
        data = {
            "@type": "CollectionPage",
            "name": title,
            "url": url,
            "isPartOf": {"@type": "WebSite", "url": pub.url("/")},
        }
    return Preview(
        og, twitter, {"@context": "https://schema.org", **data, "description": description, "inLanguage": site.language}
    )
