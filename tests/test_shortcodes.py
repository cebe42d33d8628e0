"""Hugo shortcodes and Jekyll Liquid: the built-in ones rendered, any other dropped with a note at its line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from feedsvc import liquid, shortcodes
from feedsvc.markup import Markdown
from feedsvc.model import Site

SITE = Site(
    title="T & co",
    description="D",
    language="en",
    timezone="UTC",
    tag_authority="x.example",
    since=datetime(2020, 1, 1, tzinfo=UTC),
    params={"tagline": "Words", "nested": {"name": "Deep"}, "title": "T & co", "baseurl": "/blog"},
)


def hugo(text: str, fields: dict | None = None):
    return shortcodes.render(text, 10, SITE, fields or {})


def jekyll(text: str, fields: dict | None = None):
    return liquid.render(text, 10, SITE, fields or {})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{{< youtube "w7Ft2ymGmfc" >}}', 'src="https://www.youtube-nocookie.com/embed/w7Ft2ymGmfc"'),
        ("{{< youtube id=w7Ft2ymGmfc >}}", 'src="https://www.youtube-nocookie.com/embed/w7Ft2ymGmfc"'),
        ("{{< vimeo 146022717 >}}", 'src="https://player.vimeo.com/video/146022717?dnt=1"'),
        (
            '{{< figure src="a.png" alt="Alt" link="/big.png" >}}',
            '<figure><a href="/big.png"><img src="a.png" alt="Alt">',
        ),
        ('{{< param "tagline" >}}', "Words"),
        ('{{< param "nested.name" >}}', "Deep"),
        ('{{< ref "posts/x.md#part" >}}', shortcodes.REF_PREFIX + "posts/x.md#part"),
        ('{{< relref "x" >}}', shortcodes.REF_PREFIX + "x"),
        ("{{< highlight go >}}\nfunc f() {}\n{{< /highlight >}}", "```go\nfunc f() {}\n```"),
        ("{{</* youtube abc */>}}", "{{< youtube abc >}}"),  # Hugo's way to write a shortcode out
    ],
)
def test_hugo_built_in_shortcodes_render(text, expected):
    rendered, notes = hugo(text)
    assert expected in rendered and notes == []


def test_a_page_parameter_wins_over_the_site_one():
    assert hugo('{{< param "tagline" >}}', {"tagline": "Mine"})[0] == "Mine"


def test_unknown_shortcodes_are_dropped_keeping_inner_text_and_noted_at_their_line():
    text = "Intro.\n\n{{< tweet user=x id=1 >}}\n{{% notice info %}}Kept **inner**.{{% /notice %}}\n"
    rendered, notes = hugo(text)
    assert "{{" not in rendered and "Kept **inner**." in rendered
    assert notes == [
        (12, "shortcode 'tweet' is not supported: dropped"),
        (13, "shortcode 'notice' is not supported: dropped (its inner text is kept)"),
    ]


def test_a_missing_parameter_is_noted():
    rendered, notes = hugo('{{< param "nope" >}}')
    assert rendered == "" and notes == [(10, "shortcode 'param' is not supported: dropped")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ site.title }}", "T &amp; co"),
        ("{{ page.title }}", "Post"),
        ("{{ site.baseurl }}/img.png", "/img.png"),  # feedsvc serves the site at its own base URL
        ("{{ site.url }}{{ site.baseurl }}/img.png", "/img.png"),
        ('{{ "/assets/a.css" | relative_url }}', "/assets/a.css"),
        ("{% link _posts/2016-07-26-name.md %}", shortcodes.REF_PREFIX + "_posts/2016-07-26-name.md"),
        ("{% post_url 2010-07-21-name %}", shortcodes.REF_PREFIX + "post_url:2010-07-21-name"),
        ("{% highlight ruby linenos %}\nputs 1\n{% endhighlight %}", "```ruby\nputs 1\n```"),
        ("{% raw %}{{ page.title }} {% if x %}{% endraw %}", "{{ page.title }} {% if x %}"),
        ("a{% comment %}secret{% endcomment %}b", "ab"),
    ],
)
def test_jekyll_liquid_renders(text, expected):
    rendered, notes = jekyll(text, {"title": "Post"})
    assert rendered == expected or expected in rendered
    assert notes == []


def test_unknown_liquid_is_dropped_and_noted_at_its_line():
    text = "One.\n{% include note.html %}\n{% if page.x %}kept{% endif %}\n{{ page.date | date: '%Y' }}\n"
    rendered, notes = jekyll(text)
    assert rendered == "One.\n\nkept\n\n"
    assert [line for line, _ in notes] == [11, 12, 12, 13]
    assert "'{% include %}' is not supported" in notes[0][1]


def test_liquid_can_be_turned_off_per_page():
    assert jekyll("{{ site.title }}", {"render_with_liquid": False}) == ("{{ site.title }}", [])


def test_line_numbers_survive_multi_line_blocks():
    text = "{% highlight ruby %}\na\nb\n{% endhighlight %}\n{% raw %}\nx\n{% endraw %}\n{% unknown %}"
    assert jekyll(text)[1] == [(17, "Liquid tag '{% unknown %}' is not supported: dropped")]


def test_more_divider_inline_never_leaks_into_a_summary():
    body = Markdown("First <!--more--> paragraph.\n\nSecond.")
    assert body.excerpt == "First paragraph." and "more" not in body.html


def test_footnotes_render():
    html = Markdown("Text.[^1]\n\n[^1]: The note.").html
    assert 'href="#fn1"' in html and "The note." in html and "[^1]" not in html
