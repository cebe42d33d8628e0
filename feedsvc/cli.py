"""Command-line tools: ``flask --app feedsvc check``, ``lock``, ``export DIR`` and ``build`` (the content index)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .catalog import Catalog
from .dates import rfc3339
from .export import export_catalog
from .lock import LOCK_NAME, LockError, read_lock, updated_lock, write_lock
from .model import Content, Problem, Publishing
from .modified import verify
from .reader import ConfigError, read_content
from .schedule import scheduled, view_at
from .sitelinks import broken_links
from .siteurls import site_urls
from .ticker import wall_clock


@click.command("check")
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def check_command(folder: Path | None) -> None:
    """Check every content file and print every problem as path:line: message (exit 1 on errors)."""
    folder = folder or current_app.extensions["feedsvc"].settings.content_dir
    try:
        content = read_content(folder)
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from None
    pub = current_app.extensions["feedsvc"].settings.publishing(content.site.base_url)
    now = wall_clock()
    content = replace(content, notes=(*content.notes, *link_notes(folder, content, pub, now)))
    # Every problem of every file, in one pass, in file order: errors and notes together,
    # with what is scheduled and whether the content lock is current.
    found = (*content.errors, *content.notes, *time_notes(content, folder, now))
    for problem in sorted(found, key=lambda p: (p.path, p.line)):
        click.echo(str(problem))
    if content.errors:
        click.echo(f"{len(content.errors)} error(s), {len(content.notes)} note(s) in {folder}", err=True)
        raise SystemExit(1)
    notes = f", {len(content.notes)} note(s)" if content.notes else ", no problems"
    click.echo(f"{folder}: {len(content.entries)} entries{notes}")


def link_notes(folder: Path, content: Content, pub: Publishing, now: datetime) -> list[Problem]:
    """Notes on the site's files that cannot be served, and on links in entries that resolve to nothing."""
    extras = site_urls(folder, content)
    catalog = Catalog(view_at(content, now), pub, budget=2**20, extras=extras)
    return extras.unserved() + broken_links(list(content.entries), catalog, folder.parent)


def time_notes(content, folder: Path, now) -> list[Problem]:
    """Notes on what is scheduled to appear or disappear after ``now``, and on a content lock that is not current."""
    notes = [
        Problem(path=entry.source, line=1, message=f"scheduled: {what} at {rfc3339(instant)}", severity="note")
        for instant, what, entry in scheduled(content, now)
    ]
    try:
        _, problems = verify(content, read_lock(folder), folder)
    except LockError as exc:
        problems = [str(exc)]
    where = f"{folder.name}/{LOCK_NAME}"
    return notes + [Problem(path=where, line=1, message=f"lock: {problem}", severity="note") for problem in problems]


@click.command("lock")
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--all", "everything", is_flag=True, help="Record that every document changed (after upgrading feedsvc).")
@with_appcontext
def lock_command(folder: Path | None, everything: bool) -> None:
    """Record in FOLDER/.feedsvc.lock what changed since the last run; run it before deploying, commit it."""
    folder = folder or current_app.extensions["feedsvc"].settings.content_dir
    try:
        content = read_content(folder, render=False)
        old = read_lock(folder)
    except (ConfigError, LockError) as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from None
    for error in content.errors:
        click.echo(f"{error} (left out of the lock: not published)", err=True)
    new = updated_lock(content, folder, old, wall_clock(), everything=everything)
    if new is old:
        click.echo(f"{folder / LOCK_NAME}: up to date ({len(new.files)} files)")
        return
    write_lock(folder, new)
    before = old.files if old else {}
    changed = [key for key, record in new.files.items() if key not in before or before[key].sha256 != record.sha256]
    removed = before.keys() - new.files.keys()
    click.echo(f"{folder / LOCK_NAME}: {len(changed)} file(s) changed or added, {len(removed)} removed")


@click.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def export_command(directory: Path) -> None:
    """Write every feed, archive and page (with .gz and .br) to DIRECTORY for a static host."""
    service = current_app.extensions["feedsvc"]
    count = export_catalog(service.catalog(service.default_base), directory)
    click.echo(f"wrote {count} files to {directory}")


@click.command("build")
@with_appcontext
def build_command() -> None:
    """Bring the content index up to date, write the content store, render every body (a PaaS build step)."""
    service = current_app.extensions["feedsvc"]
    # Loading the app has already brought the index up to date (reading only changed files) and
    # written the version's content store (loading.py).
    rendered = service.index.render_all()
    content = service.content
    click.echo(
        f"{service.index.path}: {len(content.entries)} entries, {rendered} bodies rendered now, "
        f"{len(content.errors)} error(s) (flask --app feedsvc check lists them)"
    )


def init_app(app: Flask) -> None:
    """Register the commands with the app's CLI."""
    app.cli.add_command(build_command)
    app.cli.add_command(check_command)
    app.cli.add_command(export_command)
    app.cli.add_command(lock_command)
