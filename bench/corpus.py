"""Generate a deterministic content folder of N articles for the benchmarks.

    python -m bench.corpus --articles 10000 --out bench/corpus/10k

The folder has the project's layout (``site.yaml``, ``authors/<slug>.md``,
``articles/<year>/<slug>.md``): 50 authors, 200 tags, 12 categories, and
Markdown bodies of about 8 KB with headings, block quotes, pull quotes, lists,
links and images. Front matter uses only keys feedsvc and Hugo both read
(title, date, lastmod, authors, categories, tags, description), so Hugo can
build the very same files.

Article ``i`` depends only on the seed and ``i``: the 1k corpus is the first
1,000 articles of the 10k one. A ``.corpus.json`` manifest lets callers reuse
a folder generated with the same parameters.

``--tiny`` writes the corpus of issue 14's million-article line instead (labels
``1m-tiny``, ``10k-tiny``): a title, a date, one author, one or two tags and a
one-paragraph body (~400 bytes), same seed rules:

    python -m bench.corpus --tiny --articles 1000000 --out /work/bench-corpus/1m-tiny
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path

GENERATOR_VERSION = 1
DEFAULT_SEED = 20110705
N_AUTHORS = 50
N_TAGS = 200
BODY_BYTES = 8192
FIRST_DAY = datetime(2011, 7, 5, tzinfo=UTC)
LAST_DAY = datetime(2025, 12, 31, tzinfo=UTC)

FUNCTION_WORDS = [
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "that",
    "is",
    "was",
    "he",
    "for",
    "it",
    "with",
    "as",
    "his",
    "on",
    "be",
    "at",
    "by",
    "this",
    "had",
    "not",
    "are",
    "but",
    "from",
    "or",
    "have",
    "an",
    "they",
    "which",
    "one",
    "you",
    "were",
    "her",
    "all",
    "she",
    "there",
    "would",
    "their",
    "we",
    "him",
    "been",
    "has",
    "when",
    "who",
    "will",
    "more",
    "no",
    "if",
    "out",
    "so",
    "said",
    "what",
    "up",
    "its",
    "about",
    "into",
    "than",
    "them",
    "can",
    "only",
    "other",
    "new",
    "some",
    "could",
    "time",
    "these",
    "two",
    "may",
    "then",
    "do",
    "first",
    "any",
    "my",
    "now",
    "such",
    "like",
    "our",
    "over",
    "man",
    "me",
    "even",
    "most",
    "made",
    "after",
    "also",
    "did",
    "many",
    "before",
    "must",
    "through",
    "back",
    "years",
    "where",
    "much",
    "your",
    "way",
    "well",
    "down",
    "should",
    "because",
    "each",
    "just",
    "those",
    "people",
    "how",
    "too",
    "little",
    "state",
    "good",
    "very",
    "make",
    "world",
    "still",
    "own",
    "see",
    "men",
    "work",
    "long",
    "get",
    "here",
    "between",
    "both",
    "life",
    "being",
    "under",
    "never",
    "day",
    "same",
    "another",
    "know",
    "while",
    "last",
    "might",
    "us",
    "great",
    "old",
    "year",
    "off",
    "come",
    "since",
    "against",
    "go",
    "came",
    "right",
    "used",
    "take",
    "three",
]
CATEGORIES = (
    "Security",
    "Cloud",
    "Business",
    "Science",
    "Policy",
    "Hardware",
    "Software",
    "Networks",
    "Privacy",
    "Research",
    "Markets",
    "Opinion",
)
_ONSETS = [
    "b",
    "c",
    "d",
    "f",
    "g",
    "h",
    "j",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "w",
    "z",
    "br",
    "cr",
    "dr",
    "fr",
    "gr",
    "pr",
    "tr",
    "st",
    "sl",
    "sp",
    "ch",
    "sh",
    "th",
]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "io"]
_CODAS = ["", "", "", "n", "r", "s", "t", "l", "m", "nd", "st", "rt", "ck"]


def _pseudo_word(rng: random.Random, syllables: int) -> str:
    """An English-looking made-up word of ``syllables`` syllables."""
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables))


def _unique_words(rng: random.Random, count: int, taken: set[str], syllables=(1, 2, 2, 3, 3, 4)) -> list[str]:
    """``count`` distinct made-up words, none in ``taken`` (which is updated)."""
    words: list[str] = []
    while len(words) < count:
        word = _pseudo_word(rng, rng.choice(syllables))
        if word not in taken and len(word) > 2:
            taken.add(word)
            words.append(word)
    return words


def _zipf_weights(count: int, exponent: float = 1.0) -> list[float]:
    """Weights 1/rank^s: a few very common items and a long tail, as in real text."""
    return [1.0 / (rank**exponent) for rank in range(1, count + 1)]


class Vocabulary:
    """Everything shared by all articles, derived from the seed alone."""

    def __init__(self, seed: int):
        rng = random.Random(f"{seed}:vocabulary")
        taken = set(FUNCTION_WORDS) | {c.lower() for c in CATEGORIES}
        content_words = _unique_words(rng, 6000, taken, (1, 1, 2, 2, 2, 3))
        self.words = FUNCTION_WORDS + content_words
        weights = [w * 3 for w in _zipf_weights(len(FUNCTION_WORDS))] + _zipf_weights(len(content_words), 0.9)
        self.cum_weights = list(accumulate(weights))  # precomputed: choices() would redo it per call
        self.authors = self._authors(rng, taken)
        self.tags = [
            " ".join(pair).capitalize()
            for pair in zip(_unique_words(rng, N_TAGS, taken), _unique_words(rng, N_TAGS, taken), strict=False)
        ]
        self.author_weights = list(accumulate(_zipf_weights(N_AUTHORS, 0.7)))
        self.tag_weights = list(accumulate(_zipf_weights(N_TAGS, 0.8)))
        self.sentences = [self._sentence(rng) for _ in range(20000)]

    @staticmethod
    def _authors(rng: random.Random, taken: set[str]) -> list[tuple[str, str]]:
        """(slug, name) of each author."""
        first, last = _unique_words(rng, N_AUTHORS, taken, (2,)), _unique_words(rng, N_AUTHORS, taken, (2, 3))
        return [(f"{a}-{b}", f"{a.capitalize()} {b.capitalize()}") for a, b in zip(first, last, strict=False)]

    def phrase(self, rng: random.Random, count: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cum_weights, k=count)

    def _sentence(self, rng: random.Random) -> str:
        words = self.phrase(rng, rng.randint(6, 24))
        if len(words) > 10 and rng.random() < 0.3:
            words[rng.randrange(3, len(words) - 3)] += ","
        return " ".join(words).capitalize() + rng.choice(".....?!")


def _paragraph(rng: random.Random, vocab: Vocabulary, links: list[str]) -> str:
    """A paragraph of 3 to 7 sentences, sometimes with a link, emphasis or code."""
    sentences = rng.choices(vocab.sentences, k=rng.randint(3, 7))
    if rng.random() < 0.45:
        words = " ".join(vocab.phrase(rng, rng.randint(2, 5)))
        sentences.insert(rng.randrange(len(sentences) + 1), f"See [{words}]({rng.choice(links)}).")
    if rng.random() < 0.25:
        sentences.insert(
            rng.randrange(len(sentences) + 1),
            f"It was *{' '.join(vocab.phrase(rng, 3))}*, **not** `{rng.choice(vocab.words)}`.",
        )
    return " ".join(sentences)


def _block(rng: random.Random, vocab: Vocabulary, slug: str, number: int, links: list[str]) -> str:
    """One Markdown block: mostly paragraphs, sometimes a quote, an image, a list or a pull quote."""
    roll = rng.random()
    if roll < 0.08:
        name = rng.choice(vocab.authors)[1]
        return f"> {rng.choice(vocab.sentences)} {rng.choice(vocab.sentences)}\n>\n> — {name}"
    if roll < 0.14:
        alt = " ".join(vocab.phrase(rng, 4))
        src = (
            f"/images/{slug}-{number}.jpg" if rng.random() < 0.5 else f"https://images.example.org/{slug}/{number}.jpg"
        )
        return f'![{alt}]({src} "{rng.choice(vocab.sentences)}")'
    if roll < 0.19:
        return "\n".join(f"- {rng.choice(vocab.sentences)}" for _ in range(rng.randint(3, 6)))
    if roll < 0.22:
        return f"::: pullquote\n{rng.choice(vocab.sentences)}\n:::"
    return _paragraph(rng, vocab, links)


def article_body(rng: random.Random, vocab: Vocabulary, slug: str, size: int) -> str:
    """A Markdown body of about ``size`` bytes: sections under ``##`` headings."""
    links = [
        f"https://www.example.org/{'/'.join(vocab.phrase(rng, 2))}",
        f"https://news.example.com/{rng.randint(2011, 2025)}/{rng.randint(1, 99999)}",
        f"/articles/{slug}",
        "/feeds",
    ]
    blocks = [_paragraph(rng, vocab, links), _paragraph(rng, vocab, links)]
    length, number = sum(map(len, blocks)), 0
    while length < size:
        if number % rng.randint(3, 5) == 0:
            blocks.append(f"## {' '.join(vocab.phrase(rng, rng.randint(2, 6))).capitalize()}")
        number += 1
        blocks.append(_block(rng, vocab, slug, number, links))
        length += len(blocks[-1]) + 2
    return "\n\n".join(blocks) + "\n"


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _yaml_list(items: list[str]) -> str:
    return "[" + ", ".join(_quoted(item) for item in items) + "]"


def article(i: int, seed: int, vocab: Vocabulary) -> tuple[str, str]:
    """The (relative path, text) of article number ``i``."""
    rng = random.Random(f"{seed}:article:{i}")
    title_words = vocab.phrase(rng, rng.randint(4, 10))
    title = " ".join(title_words).capitalize()
    slug = "-".join(w.strip(",.") for w in title_words[:6]) + f"-{i}"
    span = (LAST_DAY - FIRST_DAY).total_seconds()
    published = FIRST_DAY + timedelta(seconds=rng.randrange(int(span)))
    authors = list(
        dict.fromkeys(rng.choices(vocab.authors, cum_weights=vocab.author_weights, k=2 if rng.random() < 0.1 else 1))
    )
    tags = list(dict.fromkeys(rng.choices(vocab.tags, cum_weights=vocab.tag_weights, k=rng.randint(2, 5))))
    size = max(5000, min(12000, int(rng.gauss(BODY_BYTES, 1200))))
    lines = [
        "---",
        f"title: {_quoted(title)}",
        f"date: {published.isoformat()}",
    ]
    if rng.random() < 0.1:
        lines.append(f"lastmod: {(published + timedelta(hours=rng.randint(1, 2000))).isoformat()}")
    lines += [
        f"authors: {_yaml_list([slug for slug, _ in authors])}",
        f"categories: {_yaml_list([rng.choice(CATEGORIES)])}",
        f"tags: {_yaml_list(tags)}",
        f"description: {_quoted(rng.choice(vocab.sentences) + ' ' + rng.choice(vocab.sentences))}",
        "---",
        "",
    ]
    return f"articles/{published.year}/{slug}.md", "\n".join(lines) + article_body(rng, vocab, slug, size)


def tiny_article(i: int, seed: int, vocab: Vocabulary) -> tuple[str, str]:
    """The (relative path, text) of tiny article number ``i``: title, date, one author, 1-2 tags, a paragraph."""
    rng = random.Random(f"{seed}:tiny:{i}")
    title_words = vocab.phrase(rng, rng.randint(4, 8))
    slug = "-".join(w.strip(",.") for w in title_words[:5]) + f"-{i}"
    span = (LAST_DAY - FIRST_DAY).total_seconds()
    published = FIRST_DAY + timedelta(seconds=rng.randrange(int(span)))
    (author_slug, _name) = rng.choices(vocab.authors, cum_weights=vocab.author_weights)[0]
    tags = list(dict.fromkeys(rng.choices(vocab.tags, cum_weights=vocab.tag_weights, k=rng.randint(1, 2))))
    links = [f"https://www.example.org/{'/'.join(vocab.phrase(rng, 2))}", "/feeds"]
    front = [
        "---",
        f"title: {_quoted(' '.join(title_words).capitalize())}",
        f"date: {published.isoformat()}",
        f"authors: {_yaml_list([author_slug])}",
        f"tags: {_yaml_list(tags)}",
        "---",
        "",
    ]
    return f"articles/{published.year}/{slug}.md", "\n".join(front) + _paragraph(rng, vocab, links) + "\n"


def author(slug: str, name: str, seed: int, vocab: Vocabulary) -> str:
    """The text of an author file."""
    rng = random.Random(f"{seed}:author:{slug}")
    bio = "\n\n".join(_paragraph(rng, vocab, ["/feeds"]) for _ in range(rng.randint(1, 3)))
    return f"---\nname: {_quoted(name)}\ndate: 2011-07-0{rng.randint(1, 4)}T09:00:00+00:00\n---\n{bio}\n"


SITE_YAML = """\
# Generated by bench/corpus.py: a benchmark corpus, not real content.
title: feedsvc bench corpus
description: Generated articles for the feedsvc benchmarks.
language: en
timezone: UTC
tag_authority: bench.example
since: 2011-07-05
copyright: Generated text, no rights reserved.
feed_length: 20
base_url: http://127.0.0.1:8000
"""


def manifest(articles: int, seed: int, tiny: bool = False) -> dict:
    kept = {
        "generator_version": GENERATOR_VERSION,
        "articles": articles,
        "seed": seed,
        "authors": N_AUTHORS,
        "tags": N_TAGS,
    }
    return {**kept, "tiny": True} if tiny else kept  # the full corpora's manifests stay as they were


def is_current(out: Path, articles: int, seed: int, tiny: bool = False) -> bool:
    """Tell whether ``out`` already holds this corpus (same manifest)."""
    try:
        return json.loads((out / ".corpus.json").read_text()) == manifest(articles, seed, tiny)
    except (OSError, ValueError):
        return False


def generate(out: Path, articles: int, seed: int = DEFAULT_SEED, *, tiny: bool = False, progress: bool = True) -> Path:
    """Write the corpus (of tiny articles if ``tiny``) to ``out``, replacing it; return ``out``."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    (out / "authors").mkdir(parents=True)
    vocab = Vocabulary(seed)
    (out / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    for slug, name in vocab.authors:
        (out / "authors" / f"{slug}.md").write_text(author(slug, name, seed, vocab), encoding="utf-8")
    started, total, made = time.monotonic(), 0, set()
    write = tiny_article if tiny else article
    for i in range(articles):
        relative, text = write(i, seed, vocab)
        path = out / relative
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        data = text.encode("utf-8")
        path.write_bytes(data)
        total += len(data)
        if progress and (i + 1) % (100000 if tiny else 10000) == 0:
            print(f"  corpus {out.name}: {i + 1}/{articles} articles ({time.monotonic() - started:.0f} s)", flush=True)
    (out / ".corpus.json").write_text(json.dumps(manifest(articles, seed, tiny)))
    if progress:
        print(
            f"  corpus {out.name}: {articles} articles, {total / 1e6:.0f} MB in {time.monotonic() - started:.1f} s",
            flush=True,
        )
    return out


def label(articles: int, tiny: bool = False) -> str:
    """1000 -> "1k", 100000 -> "100k", 1000000 -> "1m"; tiny corpora end in "-tiny"."""
    if articles and articles % 1_000_000 == 0:
        text = f"{articles // 1_000_000}m"
    else:
        text = f"{articles // 1000}k" if articles % 1000 == 0 and articles else str(articles)
    return f"{text}-tiny" if tiny else text


def parse_label(text: str) -> tuple[int, bool]:
    """ "10k" -> (10000, False), "1m-tiny" -> (1000000, True): the inverse of ``label``."""
    size, tiny = text.lower().removesuffix("-tiny"), text.lower().endswith("-tiny")
    scale = {"k": 1000, "m": 1_000_000}.get(size[-1:], 1)
    return int(float(size.rstrip("km")) * scale), tiny


def ensure(articles: int, root: Path, seed: int = DEFAULT_SEED, tiny: bool = False) -> Path:
    """The corpus folder for ``articles`` under ``root``, generated if missing or stale."""
    out = root / label(articles, tiny)
    if not is_current(out, articles, seed, tiny):
        print(f"generating {articles} {'tiny ' if tiny else ''}articles in {out} ...", flush=True)
        generate(out, articles, seed, tiny=tiny)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10000, help="number of articles (default 10000)")
    parser.add_argument("--out", type=Path, help="output folder (default bench/corpus/<label>)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--tiny", action="store_true", help="one-paragraph articles (issue 14's 1,000,000 line)")
    parser.add_argument("--force", action="store_true", help="regenerate even if the folder is current")
    args = parser.parse_args(argv)
    out = args.out or Path(__file__).resolve().parent / "corpus" / label(args.articles, args.tiny)
    if not args.force and is_current(out, args.articles, args.seed, args.tiny):
        print(f"{out}: already generated ({args.articles} articles, seed {args.seed})")
        return 0
    generate(out, args.articles, args.seed, tiny=args.tiny)
    return 0


if __name__ == "__main__":
    sys.exit(main())
