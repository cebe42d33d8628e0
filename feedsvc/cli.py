"""Command-line tools: ``flask --app feedsvc check``, ``export DIR`` and ``build`` (the content index)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .catalog import Catalog
from .export import export_catalog
from .model import Content, Problem, Publishing
from .reader import ConfigError, read_content
from .sitelinks import broken_links
from .siteurls import site_urls


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
    content = replace(content, notes=(*content.notes, *link_notes(folder, content, pub)))
    # Every problem of every file, in one pass, in file order: errors and notes together.
    for problem in sorted((*content.errors, *content.notes), key=lambda p: (p.path, p.line)):
        click.echo(str(problem))
    if content.errors:
        click.echo(f"{len(content.errors)} error(s), {len(content.notes)} note(s) in {folder}", err=True)
        raise SystemExit(1)
    notes = f", {len(content.notes)} note(s)" if content.notes else ", no problems"
    click.echo(f"{folder}: {len(content.entries)} entries{notes}")


def link_notes(folder: Path, content: Content, pub: Publishing) -> list[Problem]:
    """Notes on the site's files that cannot be served, and on links in entries that resolve to nothing."""
    extras = site_urls(folder, content)
    catalog = Catalog(content, pub, budget=2**20, extras=extras)
    return extras.unserved() + broken_links(list(content.entries), catalog, folder.parent)


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
    """Bring the content index up to date and render every body into it (a PaaS build step)."""
    service = current_app.extensions["feedsvc"]
    # Loading the app has already brought the index up to date, reading only changed files.
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
