"""The peer a Python user would pick: Django's syndication framework, as a single-file project.

Serve it with the Procfile's WSGI server (``bench.django_peer.app:application``).
Settings are in code and there is no database. At import it reads the same
content folder as feedsvc (``FEEDSVC_CONTENT_DIR``) with ``feedsvc.reader.read_content``
and keeps the newest ``feed_length`` entries: the entries of feedsvc's site feed.
``/feed.atom`` is a ``django.contrib.syndication.views.Feed`` of those entries
(Atom 1.0, like feedsvc's /feed.atom, with the full HTML as the description so the
documents are of comparable size); ``/feed.rss`` is the same feed as RSS 2.0.

Middleware: GZipMiddleware and ConditionalGetMiddleware, what a Django project
adds to answer ``Accept-Encoding: gzip`` and ``If-None-Match`` (304). Nothing else:
no sessions, auth, CSRF or security middleware, which would only slow it down.
"""

from __future__ import annotations

import os

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-only-not-secret",
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[],
    MIDDLEWARE=["django.middleware.gzip.GZipMiddleware", "django.middleware.http.ConditionalGetMiddleware"],
    DATABASES={},
    USE_TZ=True,
    TIME_ZONE="UTC",
    USE_I18N=False,
    LOGGING_CONFIG=None,
)
django.setup()

from django.contrib.syndication.views import Feed  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.urls import path  # noqa: E402  (after settings)
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed  # noqa: E402

from feedsvc.reader import read_content  # noqa: E402

try:  # feedsvc can leave Markdown to render on first use: only 20 entries are needed here
    CONTENT = read_content(os.environ.get("FEEDSVC_CONTENT_DIR", "content"), render=False)
except TypeError:
    CONTENT = read_content(os.environ.get("FEEDSVC_CONTENT_DIR", "content"))
BASE = os.environ.get("FEEDSVC_SITE_URL", CONTENT.site.base_url).rstrip("/")
ENTRIES = CONTENT.entries[: CONTENT.site.feed_length]


class SiteFeed(Feed):
    """The site feed: the newest entries, as feedsvc's /feed.atom holds them."""

    feed_type = Atom1Feed
    title = CONTENT.site.title
    subtitle = description = CONTENT.site.description
    link = "/"

    def items(self):
        return ENTRIES

    def item_title(self, entry):
        return entry.title

    def item_link(self, entry):
        return BASE + entry.path

    def item_description(self, entry):
        return entry.content_html

    def item_pubdate(self, entry):
        return entry.published

    def item_updateddate(self, entry):
        return entry.updated

    def item_author_name(self, entry):
        return ", ".join(author.name for author in entry.authors)

    def item_author_link(self, entry):
        return BASE + entry.authors[0].path if entry.authors else None

    def item_categories(self, entry):
        return entry.categories

    def item_guid(self, entry):
        return entry.id

    item_guid_is_permalink = False


class SiteRssFeed(SiteFeed):
    feed_type = Rss201rev2Feed


urlpatterns = [path("feed.atom", SiteFeed()), path("feed.rss", SiteRssFeed())]
application = get_wsgi_application()
