"""The URLs and feed ids Jekyll (4.3) and jekyll-feed give a site's posts, as pure functions.

Read from Jekyll's own code, and checked against the real ``jekyll`` by the
integration tests: ``configuration.rb`` (permalink styles), ``drops/url_drop.rb``
(placeholders), ``url.rb`` (``sanitize_url``), ``utils.rb`` (``slugify``) and
``document.rb`` (``id``, categories from folders, slugs from file names).
Paths are root-relative to ``url`` + ``baseurl`` and not percent-encoded.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from .dates import month_name, weekday_name

# configuration.rb STYLE_TO_PERMALINK: the built-in styles a `permalink:` may name.
STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
# utils.rb SLUGIFY_*_REGEXP: the characters each slugify mode keeps (the others become hyphens).
_PRETTY_KEEPS = set("._~!$&'()+,;=@")
_MODES = ("raw", "default", "pretty", "ascii")
# document.rb DATE_FILENAME_MATCHER: a post's file name is YYYY-MM-DD-slug.ext.
_DATED_NAME = re.compile(r"^(\d{2,4}-\d{1,2}-\d{1,2})-(.*)$")
_PLACEHOLDER = re.compile(r":([a-z_]+)")


def slugify(text: str, mode: str = "default", *, cased: bool = False) -> str:
    """Jekyll's ``Utils.slugify``: runs of unwanted characters become one hyphen, ends trimmed."""
    if mode not in _MODES:
        return text if cased else text.lower()
    if mode == "raw":
        slug = re.sub(r"\s+", "-", text)
    else:
        # One hyphen per run of dropped characters; a hyphen is itself dropped, so runs merge.
        slug = re.sub("-+", "-", "".join(char if _keeps(char, mode) else "-" for char in text))
    slug = re.sub(r"^-|-$", "", slug)
    return slug if cased else slug.lower()


def _keeps(char: str, mode: str) -> bool:
    """Whether ``char`` survives slugify: \\p{M}, \\p{L}, \\p{Nd} (plus a few in pretty mode; ASCII only in ascii)."""
    if mode == "ascii":
        return char.isascii() and char.isalnum()
    category = unicodedata.category(char)
    return category[0] in "LM" or category == "Nd" or (mode == "pretty" and char in _PRETTY_KEEPS)


def template_for(permalink: str) -> str:
    """A site or post ``permalink:`` value as a template: a style name, else the pattern itself."""
    return STYLES.get(permalink, permalink)


def file_slug(source: str) -> str:
    """The slug Jekyll takes from a post's file name: ``2013-05-06-Hello.World.md`` -> ``Hello.World``."""
    stem = posixpath.splitext(posixpath.basename(source))[0]
    match = _DATED_NAME.match(stem)
    return (match.group(2) if match else stem).rstrip(".")


def categories_from_path(source: str) -> list[str]:
    """The folders above ``_posts`` (or ``_drafts``), which Jekyll adds to a post's categories."""
    parts = source.split("/")
    for special in ("_posts", "_drafts"):
        if special in parts:
            return [part for part in parts[: parts.index(special)] if part]
    return []


@dataclass(frozen=True)
class JekyllPost:
    """What a post's URL depends on. ``source`` is relative to the site root, e.g. ``news/_posts/2020-01-02-a.md``.

    ``categories`` are the post's categories as Jekyll orders them: its folders, then front matter.
    ``slug`` is the front-matter ``slug`` ("" when absent), ``permalink`` the post's own, if any.
    """

    source: str
    date: datetime
    categories: tuple[str, ...] = ()
    slug: str = ""
    permalink: str = ""
    output_ext: str = ".html"


def placeholders(post: JekyllPost) -> dict[str, str]:
    """drops/url_drop.rb: the value of every ``:name`` a permalink template may use."""
    date, slug = post.date, post.slug or file_slug(post.source)
    categories = list(dict.fromkeys(category.lower() for category in post.categories))
    name = posixpath.splitext(posixpath.basename(post.source))[0]
    return {
        "collection": "posts",
        "path": posixpath.splitext(post.source.split("_posts/", 1)[-1])[0].rstrip("."),
        "name": slugify(name),
        "title": slugify(slug, "pretty", cased=True),
        "slug": slugify(slug),
        "categories": "/".join(categories),
        "slugified_categories": "/".join(dict.fromkeys(slugify(c) for c in post.categories)),
        "output_ext": post.output_ext,
        "year": date.strftime("%Y"),
        "month": date.strftime("%m"),
        "day": date.strftime("%d"),
        "hour": date.strftime("%H"),
        "minute": date.strftime("%M"),
        "second": date.strftime("%S"),
        "i_day": str(date.day),
        "i_month": str(date.month),
        "short_month": month_name(date)[:3],  # Ruby's strftime names are English in any locale
        "long_month": month_name(date),
        "short_year": date.strftime("%y"),
        "w_year": date.strftime("%G"),
        "week": date.strftime("%V"),
        "w_day": date.strftime("%u"),
        "short_day": weekday_name(date)[:3],
        "long_day": weekday_name(date),
        "y_day": date.strftime("%j"),
    }


def expand(template: str, values: dict[str, str]) -> str:
    """url.rb ``generate_url_from_drop`` then ``sanitize_url``; an unknown ``:name`` raises ValueError."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        # "/:month_:day" means :month then "_": the key regexp is greedy, Jekyll retries without "_".
        for key in (name, name.rstrip("_")) if name.endswith("_") else (name,):
            if key in values:
                return values[key] + "_" * (len(name) - len(key))
        raise ValueError(f"permalink: unknown placeholder ':{name}' in {template!r}")

    url = "/" + _PLACEHOLDER.sub(value, template)
    url = url.replace("..", "/").replace("./", "")
    return re.sub(r"/{2,}", "/", url)


def post_path(post: JekyllPost, site_permalink: str = "date") -> str:
    """The root-relative URL Jekyll gives a post: its own ``permalink`` (a pattern, not a style), else the site's."""
    return expand(post.permalink or template_for(site_permalink), placeholders(post))


def post_id(path: str, slug: str) -> str:
    """document.rb ``id``: the post URL's folder joined with its slug (front matter's, else the file's).

    jekyll-feed's ``<id>`` is this made absolute.
    """
    # Ruby's File.dirname ignores a trailing slash: dirname("/a/b/") is "/a".
    return posixpath.join(posixpath.dirname(path.rstrip("/")) or "/", slug)


def feed_path(category: str = "") -> str:
    """Where jekyll-feed writes the site feed, or a category's (``feed: categories:``)."""
    return f"/feed/{category}.xml" if category else "/feed.xml"


def post_categories(folder_categories: tuple[str, ...], fields: dict) -> tuple[str, ...]:
    """A post's categories as Jekyll orders them (document.rb ``merge_categories!``, ``populate_categories``).

    The folders above ``_posts`` first, then front-matter ``categories`` (a list,
    or words in a string), then ``category``.
    """
    categories = list(folder_categories)
    given = fields.get("categories")
    if given is not None:
        words = given.split() if isinstance(given, str) else [c for c in _flat(given) if c is not None]
        categories += [str(c) for c in words if str(c) not in categories]
    single = [c for c in _flat(fields.get("category")) if c is not None] if "category" in fields else []
    return tuple(dict.fromkeys([*categories, *map(str, single)]))


def _flat(value) -> list:
    if isinstance(value, list | tuple):
        return [item for inner in value for item in _flat(inner)]
    return [value]


def redirect_path(value: str) -> str:
    """A ``redirect_from`` entry as the path jekyll-redirect-from writes (relative to ``baseurl``)."""
    return re.sub(r"/{2,}", "/", "/" + value.strip().lstrip("/"))


def front_matter_default(defaults: object, source: str, key: str) -> object | None:
    """The value a post gets for ``key`` from ``defaults:`` in _config.yml (frontmatter_defaults.rb ``find``).

    A set applies when its scope's ``path`` contains the post (a prefix of folders,
    or a glob) and its ``type``, if any, is posts; among those naming ``key`` the one
    with the longest path wins, a typed scope over an untyped one, the later on a tie.
    """
    value, best = None, None
    for entry in defaults if isinstance(defaults, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("values"), dict) or key not in entry["values"]:
            continue
        given = entry.get("scope")
        scope: dict = given if isinstance(given, dict) else {}
        path = str(scope.get("path") or "").strip("/")
        if "type" in scope and str(scope["type"]) not in ("posts", "post"):
            continue
        if path and not (fnmatch.fnmatchcase(source, path) if "*" in path else _within(source, path)):
            continue
        rank = (len(path), "type" in scope)
        if best is None or rank >= best:
            value, best = entry["values"][key], rank
    return value


def _within(source: str, folder: str) -> bool:
    return source == folder or source.startswith(folder + "/")


def posts_permalink(config: dict, source: str, own: str) -> str:
    """The permalink template of a post: its own, else ``defaults:``, else ``collections.posts``, else the site's."""
    if own:
        return own
    default = front_matter_default(config.get("defaults"), source, "permalink")
    if isinstance(default, str) and default:
        return default
    collections = config.get("collections")
    posts = collections.get("posts") if isinstance(collections, dict) else None
    if isinstance(posts, dict) and isinstance(posts.get("permalink"), str):
        return template_for(posts["permalink"])
    return template_for(str(config.get("permalink") or "date"))
