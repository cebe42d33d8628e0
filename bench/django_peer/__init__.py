"""Django syndication-framework peer for the serving benchmark (see app.py)."""
