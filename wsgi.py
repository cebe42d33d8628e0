"""WSGI entry point for production servers: ``wsgi:app``."""

from feedsvc import create_app

app = create_app()
