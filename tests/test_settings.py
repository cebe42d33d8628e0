"""The app factory and its settings, in the style of flaskr's test_factory.py.

Every FEEDSVC_* variable is parsed once (feedsvc/settings.py); these tests pin
what each accepts, what it refuses and how it says so.
"""

from __future__ import annotations

import dataclasses
import os
import re

import pytest

from feedsvc import create_app
from feedsvc.accesslog import AccessLog
from feedsvc.settings import Settings, SettingsError

from .conftest import BUNDLED, FIXTURE, ROOT, SITE_URL


@pytest.fixture()
def env(monkeypatch):
    """A clean FEEDSVC_* environment over the fixture content; returns a setter."""
    for name in [name for name in os.environ if name.startswith("FEEDSVC_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("FEEDSVC_CONTENT_DIR", str(FIXTURE))
    monkeypatch.setenv("FEEDSVC_SITE_URL", SITE_URL)
    return monkeypatch.setenv


def test_config_comes_from_the_environment_without_a_test_config(env):
    env("FEEDSVC_MAX_AGE", "120")
    settings = create_app().extensions["feedsvc"].settings
    assert settings.content_dir == FIXTURE and settings.site_url == SITE_URL and settings.max_age == 120


def test_a_test_config_ignores_the_environment(env):
    env("FEEDSVC_STRICT", "maybe")  # would fail start-up if it were read
    env("FEEDSVC_MAX_AGE", "120")
    settings = create_app({"CONTENT_DIR": str(FIXTURE)}).extensions["feedsvc"].settings
    assert settings.max_age == 300 and settings.strict is False and settings.site_url == ""


def test_defaults():
    settings = Settings()
    assert settings.content_dir == BUNDLED
    assert (settings.max_age, settings.stale_while_revalidate, settings.stale_if_error) == (300, 60, 86400)
    assert (settings.archive_max_age, settings.cache_mb, settings.cache_bytes) == (2592000, 128, 128 * 2**20)
    assert (settings.strict, settings.warm, settings.access_log, settings.log_level) == (False, "auto", True, "INFO")
    assert (settings.site_url, settings.websub_hubs, settings.state_dir) == ("", (), None)
    assert (settings.websub_attempts, settings.websub_backoff) == (4, 2.0)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(word, True) for word in ("true", "True", "TRUE", "1", "yes", "on", " on ")]
    + [(word, False) for word in ("false", "False", "0", "no", "off", "OFF")],
)
def test_booleans_are_read_as_words(env, raw, expected):
    env("FEEDSVC_STRICT", raw)
    env("FEEDSVC_ACCESS_LOG", raw)
    settings = Settings.from_env(os.environ)
    assert settings.strict is expected and settings.access_log is expected


def test_strict_false_is_off(env, content_copy):
    """The bug: FEEDSVC_STRICT=False kept the string 'False', which is true."""
    (content_copy / "articles" / "broken.md").write_text("---\ntitle: [oops\n---\nBody\n")
    env("FEEDSVC_CONTENT_DIR", str(content_copy))
    env("FEEDSVC_STRICT", "False")
    app = create_app()  # strict mode would refuse to start on the broken file
    assert app.extensions["feedsvc"].settings.strict is False


def test_access_log_off_turns_it_off(env):
    env("FEEDSVC_ACCESS_LOG", "off")
    assert not isinstance(create_app().wsgi_app, AccessLog)
    env("FEEDSVC_ACCESS_LOG", "on")
    assert isinstance(create_app().wsgi_app, AccessLog)


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("STRICT", "maybe", "use true or false"),
        ("ACCESS_LOG", "disabled", "use true or false"),
        ("WARM", "everything", "use one of auto, all, site"),
        ("WARM", "false", "use one of auto, all, site"),
        ("LOG_LEVEL", "verbose", "use one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ("MAX_AGE", "5m", "use a whole number of seconds"),
        ("MAX_AGE", "-1", "use 0 to 2147483647 seconds"),
        ("ARCHIVE_MAX_AGE", "1e9", "use a whole number of seconds"),
        ("CACHE_MB", "lots", "use a whole number of megabytes"),
        ("WEBSUB_ATTEMPTS", "0", "use 1 to 100 attempts"),
        ("WEBSUB_BACKOFF", "nan", "use 0 to 3600 seconds"),
        ("WEBSUB_BACKOFF", "soon", "use a number of seconds"),
        ("SITE_URL", "news.example.org", "use an absolute http(s) URL"),
        ("SITE_URL", "https://news.example.org/?x=1", "use an absolute http(s) URL"),
        ("WEBSUB_HUBS", "https://hub.example.com ftp://other", "list absolute http(s) URLs"),
    ],
)
def test_bad_values_stop_start_up_with_a_fix(env, name, raw, message):
    env(f"FEEDSVC_{name}", raw)
    with pytest.raises(SettingsError) as caught:
        create_app()
    assert str(caught.value).startswith(f"FEEDSVC_{name}={raw!r} is not valid: ")
    assert message in str(caught.value)


def test_bad_values_in_a_test_config_are_refused_too():
    with pytest.raises(SettingsError, match="FEEDSVC_WARM='everything'"):
        create_app({"WARM": "everything"})
    with pytest.raises(SettingsError, match="FEEDSVC_MAX_AGE=True"):
        Settings(max_age=True)


def test_unknown_variables_are_refused_with_a_suggestion(env):
    env("FEEDSVC_SITEURL", SITE_URL)
    with pytest.raises(SettingsError, match="unknown setting FEEDSVC_SITEURL: did you mean FEEDSVC_SITE_URL"):
        create_app()
    with pytest.raises(SettingsError, match="unknown setting FEEDSVC_COLOUR: see the configuration table"):
        Settings.from_mapping({"COLOUR": "blue"})


def test_values_are_normalised(env):
    env("FEEDSVC_WARM", " ALL ")
    env("FEEDSVC_LOG_LEVEL", "debug")
    env("FEEDSVC_SITE_URL", "https://news.example.org/news/")
    env("FEEDSVC_WEBSUB_HUBS", "https://hub.example.com/, https://pubsubhubbub.appspot.com")
    env("FEEDSVC_WEBSUB_BACKOFF", "0.5")
    env("FEEDSVC_STATE_DIR", "/var/lib/feedsvc")
    env("FEEDSVC_STRICT", "")  # empty means unset: the default
    settings = Settings.from_env(os.environ)
    assert (settings.warm, settings.log_level, settings.strict) == ("all", "DEBUG", False)
    assert settings.site_url == "https://news.example.org/news"
    assert settings.websub_hubs == ("https://hub.example.com/", "https://pubsubhubbub.appspot.com")
    assert settings.websub_backoff == 0.5 and str(settings.state_dir) == "/var/lib/feedsvc"


def test_settings_are_frozen_and_keyword_only():
    with pytest.raises(TypeError):
        Settings("/content")  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().strict = True  # type: ignore[misc]


def test_publishing_takes_the_site_url_else_the_default_base():
    assert Settings().publishing("http://127.0.0.1:8000").base_url == "http://127.0.0.1:8000"
    pub = Settings(site_url=SITE_URL, max_age=90, websub_hubs="https://hub.example.com").publishing("http://x")
    assert (pub.base_url, pub.max_age, pub.ttl_minutes, pub.hubs) == (SITE_URL, 90, 2, ("https://hub.example.com",))


def test_the_readme_documents_every_setting_with_its_default():
    documented = {}
    for row in re.findall(r"^\| (`FEEDSVC_[^|]*) \| ([^|]*) \|", (ROOT / "README.md").read_text(), re.M):
        for name in re.findall(r"`FEEDSVC_(\w+)`", row[0]):
            documented[name.lower()] = row[1]
    assert sorted(documented) == sorted(spec.name for spec in dataclasses.fields(Settings))
    for spec in dataclasses.fields(Settings):
        default = spec.default
        if isinstance(default, bool):
            assert f"`{str(default).lower()}`" in documented[spec.name], spec.name
        elif isinstance(default, float):
            assert f"`{default}`" in documented[spec.name] or f"`{default:g}`" in documented[spec.name], spec.name
        elif isinstance(default, int | str) and default != "":
            assert f"`{default}`" in documented[spec.name], spec.name
