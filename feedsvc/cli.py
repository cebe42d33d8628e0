"""Command-line tools: ``flask --app feedsvc check`` and ``flask --app feedsvc export DIR``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .content import ConfigError, load_content
from .export import export_catalog


@click.command("check")
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def check_command(folder: Path | None) -> None:
    """Check every content file and print every problem as path:line: message."""
    folder = folder or Path(current_app.config["CONTENT_DIR"])
    try:
        content = load_content(folder)
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from None
    for error in content.errors:
        click.echo(str(error))
    if content.errors:
        click.echo(f"{len(content.errors)} problem(s) in {folder}", err=True)
        raise SystemExit(1)
    click.echo(f"{folder}: {len(content.entries)} entries, no problems")


@click.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def export_command(directory: Path) -> None:
    """Write every feed, archive and page (with .gz and .br) to DIRECTORY for a static host."""
    service = current_app.extensions["feedsvc"]
    count = export_catalog(service.catalog(service.default_base), directory)
    click.echo(f"wrote {count} files to {directory}")


def init_app(app: Flask) -> None:
    """Register the commands with the app's CLI."""
    app.cli.add_command(check_command)
    app.cli.add_command(export_command)
