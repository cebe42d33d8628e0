"""Flask views for what is not a prepared document: health, and errors.

Feeds and pages are answered by the fast path (``fastpath.py``) before Flask;
a request that reaches these views was not one of them.
"""

from __future__ import annotations

import os

from flask import Blueprint, Response, current_app, jsonify, redirect, request
from werkzeug.exceptions import HTTPException, NotFound

from .dates import rfc3339
from .preview import image_url
from .responses import ALLOW, HTML_HEADERS, error_response
from .schedule import scheduled

MAX_LISTED = 20  # lock problems listed in /healthz; `flask --app feedsvc check` lists them all

bp = Blueprint("feedsvc", __name__)


def _catalog():
    """The catalog serving this request: error pages come in its site's look."""
    return current_app.extensions["feedsvc"].catalog_for(request.environ)


@bp.get("/favicon.ico")
def favicon():
    """Send readers asking the conventional address to the site's ``icon`` (the catalog answers otherwise)."""
    catalog = current_app.extensions["feedsvc"].catalog_for(request.environ)
    if not catalog.content.site.icon:
        raise NotFound()
    return redirect(image_url(catalog.pub, catalog.content.site.icon), 301)


@bp.get("/healthz")
def healthz():
    """Report whether every content file loaded, the last reload worked and WebSub can do its job."""
    service = current_app.extensions["feedsvc"]
    content, view = service.content, service.view
    reload = current_app.extensions["feedsvc.reloader"].state
    publisher = current_app.extensions.get("feedsvc.websub")
    websub = {"hubs": len(publisher.hubs), "problem": publisher.problem} if publisher else {"hubs": 0, "problem": None}
    problems = (
        bool(content.errors) or reload["state"] in ("failed", "hung") or websub["problem"] or service.state_problem
    )
    upcoming = scheduled(content, view.now)
    response = jsonify(
        status="degraded" if problems else "ok",
        entries=len(view.content.entries),
        content_version=content.version,
        errors=[str(error) for error in content.errors],
        reload=reload,
        websub=websub,
        state=service.state_problem,
        worker=os.getpid(),
        # The next scheduled publication or expiry (RFC 3339), and how many are still to come.
        next_change=rfc3339(upcoming[0][0]) if upcoming else None,
        scheduled=len(upcoming),
        lock=service.lock.state,
        lock_problems=list(service.lock.problems[:MAX_LISTED]),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    """Answer every HTTP error with the same page as the fast path's."""
    code = error.code or 500
    extra = [("Allow", ALLOW)] if code == 405 else []  # every view answers GET, HEAD and OPTIONS
    status, headers, body = error_response(code, error.name, error.description or "", extra, catalog=_catalog())
    return Response(body, status=status, headers=headers)


@bp.app_errorhandler(Exception)
def unexpected_error(error: Exception):
    """Log a bug and answer 500 with the same small page, never a traceback."""
    current_app.logger.exception("unhandled error")
    try:
        status, headers, body = error_response(500, "Internal Server Error", "", catalog=_catalog())
    except Exception:  # the error page itself failed: still no traceback
        current_app.logger.exception("error page failed")
        status, headers, body = error_response(500, "Internal Server Error", "")
    return Response(body, status=status, headers=headers)


@bp.after_app_request
def common_headers(response: Response) -> Response:
    """Headers every Flask-made response carries; HTML gets the same policy as the prepared pages."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype == "text/html":
        for name, value in HTML_HEADERS:
            response.headers.setdefault(name, value)
    return response
