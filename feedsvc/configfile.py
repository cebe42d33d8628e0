"""Read a site configuration file (TOML, YAML or JSON) within the reader's limits."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import yaml

from .limits import Refused, check_yaml, read_file
from .sitekind import ConfigError


def read_config(path: Path) -> dict:
    """The mapping in ``path``; raise ``ConfigError`` saying what is wrong with it."""
    try:
        text = read_file(str(path), os.path.realpath(path.parent)).decode("utf-8-sig")
        if path.suffix == ".toml":
            data = tomllib.loads(text)
        elif path.suffix == ".json":
            data = json.loads(text)
        else:
            check_yaml(yaml.compose(text, Loader=yaml.SafeLoader))
            data = yaml.safe_load(text) or {}
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError, RecursionError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        if isinstance(exc, Refused):
            reason = exc.message
        raise ConfigError(f"{path}: cannot read site settings: {reason}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: must be a mapping of settings")
    return data
