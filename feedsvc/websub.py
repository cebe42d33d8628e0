"""WebSub publishing (W3C Recommendation): tell the hubs when feeds change."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing to wire yet."""
