"""The reloader's decisions, one worker at a time: switch, refuse, report a hung load, resync a late worker.

The Procfile's server end to end is in ``test_faults.py``; here a run folder is
made by hand, other workers are simulated by their marker files, and ``tick``
is called directly.
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from feedsvc.reloader import Reloader, read_generation, request_reload, start_worker

from .conftest import make_app, write_article


@pytest.fixture()
def run(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "workers").write_text("1")
    return folder


@pytest.fixture()
def service(content_copy):
    return make_app(content_copy).extensions["feedsvc"]


def finish(reloader: Reloader) -> None:
    reloader.tick()
    assert reloader._thread is not None
    reloader._thread.join(10)


def test_a_requested_reload_is_adopted(run, service, content_copy):
    reloader = Reloader(service, run)
    before = service.content.version
    write_article(content_copy, "fresh", 1)
    request_reload(run)
    finish(reloader)
    assert service.content.version != before
    assert reloader.state == {"state": "ok", "generation": 1, "version": service.content.version}
    assert json.loads((run / "chosen.json").read_text()) == {"generation": 1, "version": service.content.version}


def test_nobody_switches_when_another_worker_failed(run, service, content_copy):
    (run / "workers").write_text("2")
    (run / "failed-1-999999").touch()  # the other worker could not load generation 1
    reloader = Reloader(service, run)
    before = service.content.version
    write_article(content_copy, "fresh", 1)
    request_reload(run)
    finish(reloader)
    assert service.content.version == before
    assert reloader.state["state"] == "failed" and "another worker" in reloader.state["error"]


def test_a_failed_load_keeps_the_current_version_and_says_why(run, service, content_copy):
    reloader = Reloader(service, run)
    before = service.content.version
    (content_copy / "site.yaml").write_text("title: [oops\n")
    request_reload(run)
    finish(reloader)
    assert service.content.version == before
    assert reloader.state["state"] == "failed" and "ConfigError" in reloader.state["error"]
    assert list(run.glob("failed-1-*"))


def test_a_hung_load_is_reported_and_changes_nothing(run, service, monkeypatch):
    release = threading.Event()

    def load():
        release.wait(10)  # a read from a stalled network disk
        raise OSError("stale file handle")

    monkeypatch.setattr(service, "load", load)
    reloader = Reloader(service, run, timeout=0.2)
    before = service.content.version
    request_reload(run)
    reloader.tick()
    time.sleep(0.3)
    reloader.tick()
    assert reloader.state["state"] == "hung"
    assert service.content.version == before
    release.set()
    reloader._thread.join(5)


def test_a_late_worker_with_another_version_makes_everyone_reload(run, service):
    (run / "chosen.json").write_text(json.dumps({"generation": 0, "version": "what-the-others-serve"}))
    Reloader(service, run)
    assert read_generation(run) == 1


def test_without_a_run_folder_the_reloader_does_nothing(tmp_path, service):
    reloader = Reloader(service, tmp_path / "absent")
    reloader.tick()
    assert reloader._thread is None and reloader.state == {"state": "ok", "generation": 0}


def test_a_sighup_during_start_up_is_acted_on(run, service, content_copy):
    write_article(content_copy, "written-while-starting", 1)
    request_reload(run)  # arrived after this worker read generation 0, before it finished starting
    reloader = Reloader(service, run, generation=0)
    finish(reloader)
    assert reloader.state["state"] == "ok" and reloader.state["generation"] == 1
    assert any(entry.slug == "written-while-starting" for entry in service.content.entries)


def test_a_respawned_worker_waits_for_a_loadable_folder_instead_of_exiting(run, monkeypatch):
    import feedsvc.reloader

    monkeypatch.setattr(feedsvc.reloader, "RETRY_START", 0.01)
    tries = []

    def make():
        tries.append(1)
        if len(tries) < 3:
            raise RuntimeError("site.yaml: cannot read site settings")
        return "service"

    with pytest.raises(RuntimeError):  # nobody serves yet: the start fails, as a strict deploy must
        start_worker(make, run)
    tries.clear()
    (run / "chosen.json").write_text(json.dumps({"generation": 0, "version": "served"}))
    assert start_worker(make, run) == "service" and len(tries) == 3
