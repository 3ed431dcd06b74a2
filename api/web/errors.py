"""Error pages in the reader's language, with no stack traces; JSON problems stay under /api."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from api.errors import from_http, in_api
from escalation.errors import DomainError, Forbidden, NotFound, TooManyAttempts, Unauthenticated

log = logging.getLogger(__name__)

PAGES = {
    400: (_l("The request could not be handled"),
          _l("Something in the request was not as expected. Go back and try again.")),
    403: (_l("You may not do this"),
          _l("Your roles do not allow this. If you think they should, contact the backbone "
             "team.")),
    404: (_l("Page not found"),
          _l("There is no such page, or you do not have the right to see it. Check the "
             "address, or go to the front page.")),
    405: (_l("This page cannot be used like that"),
          _l("Go back to the previous page and use its links and buttons.")),
    422: (_l("This could not be done"),
          _l("The issue is no longer in a state that allows this. Reload the issue and "
             "check what can be done now.")),
    429: (_l("Too many attempts"), _l("Wait a while and try again.")),
    500: (_l("Something went wrong on our side"),
          _l("Nothing was saved. Try again in a moment. If the problem goes on, contact the "
             "backbone team.")),
}
CSRF_PAGE = (_l("The form has expired"),
             _l("For your security a form is valid for a limited time. Go back, reload the "
                "page and send the form again."))


def page(status: int, *, texts: tuple[Any, Any] | None = None, minimal: bool = False,
         headers: dict[str, str] | None = None) -> tuple[str, int, dict[str, str]]:
    title, message = texts or PAGES.get(status, PAGES[400 if status < 500 else 500])
    html = render_template("web/errors/error.html", status=status, title=title,
                           message=message, minimal=minimal)
    return html, status, headers or {}


def _api_error(error: HTTPException) -> Any:
    """Under /api, whatever the API registered for HTTP errors answers, as before."""
    handler = current_app.error_handler_spec[None][None].get(HTTPException)
    return handler(error) if handler is not None else from_http(error)


def _http_error(error: HTTPException) -> Any:
    if in_api():
        return _api_error(error)
    status = error.code or 500
    headers = {}
    if getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    if isinstance(error, CSRFError):
        return page(400, texts=CSRF_PAGE)
    if status >= 500:
        # The database may be what failed: render without the signed-in person's menu.
        return page(500, minimal=True)
    return page(status, headers=headers)


def _domain_error(exc: DomainError) -> Any:
    """A refusal the view did not turn into a message of its own."""
    if isinstance(exc, Unauthenticated):
        return redirect(url_for("web.auth.login", next=request.full_path))
    if isinstance(exc, NotFound):
        return page(404)
    if isinstance(exc, Forbidden):
        return page(403)
    if isinstance(exc, TooManyAttempts):
        return page(429, headers={"Retry-After": str(exc.retry_after)})
    return page(422)


def _unexpected(exc: Exception) -> Any:
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return page(500, minimal=True)


def init_app(app: Flask, web: Blueprint) -> None:
    """HTTP errors app-wide (any path outside /api gets a page); the rest for the pages."""
    for code in (400, 403, 404, 405, 429, 500):
        app.register_error_handler(code, _http_error)
    app.register_error_handler(CSRFError, _http_error)
    web.register_error_handler(DomainError, _domain_error)
    web.register_error_handler(Exception, _unexpected)
