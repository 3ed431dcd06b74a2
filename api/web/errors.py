"""Error pages in the reader's language, with no stack traces; JSON problems stay under /api."""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    json,
    redirect,
    render_template,
    request,
    template_rendered,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from api.errors import (
    UNAVAILABLE_RETRY_AFTER,
    database_unavailable,
    domain_type,
    from_http,
    in_api,
    note_refusal,
    request_id,
)
from api.web.security import CrossOrigin
from escalation.errors import (
    DomainError,
    Forbidden,
    Gone,
    NotFound,
    TooManyAttempts,
    Unauthenticated,
)

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
    410: (_l("You deleted this draft"),
          _l("What the draft said was removed for good, so it can no longer be opened. "
             "Your region's other issues are on the front page.")),
    422: (_l("This could not be done"),
          _l("The issue is no longer in a state that allows this. Reload the issue and "
             "check what can be done now.")),
    429: (_l("Too many attempts"), _l("Wait a while and try again.")),
    413: (_l("The form is too large"),
          _l("What you sent is larger than the service accepts. Shorten the texts and send "
             "the form again.")),
    500: (_l("Something went wrong on our side"),
          _l("Nothing was saved. Try again in a moment. If the problem goes on, contact the "
             "backbone team.")),
    503: (_l("The service is not available just now"),
          _l("The service cannot reach its database at the moment. Wait a minute and try "
             "again. If the problem goes on, contact the backbone team.")),
}
ORIGIN_PAGE = (_l("The form came from another site"),
               _l("For your security this service accepts forms only from its own pages. "
                  "Open the page in this service again and send the form from there."))
CSRF_PAGE = (_l("The form has expired"),
             _l("For your security a form is valid for a limited time. Go back, reload the "
                "page and send the form again."))


def page(status: int, *, texts: tuple[Any, Any] | None = None, minimal: bool = False,
         headers: dict[str, str] | None = None) -> tuple[str, int, dict[str, str]]:
    title, message = texts or PAGES.get(status, PAGES[400 if status < 500 else 500])
    if minimal and "_login_user" not in g:
        # Flask-Login puts `current_user` in every template's context, loading the person
        # from the database, which may be what failed: the minimal page goes without.
        g._login_user = current_app.login_manager.anonymous_user()
    # A failure of ours gets the request's id on the page, to quote to the backbone team.
    html = render_template("web/errors/error.html", status=status, title=title,
                           message=message, minimal=minimal,
                           request_id=request_id() if status >= 500 else None)
    return html, status, headers or {}


def unavailable() -> tuple[str, int, dict[str, str]]:
    """503 while the database cannot be reached (the page needs nothing from it)."""
    log.warning("database unavailable method=%s path=%s request_id=%s", request.method,
                json.dumps(request.path), request_id())
    return page(503, minimal=True, headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER)})


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
        note_refusal("csrf")
        return page(400, texts=CSRF_PAGE)
    if isinstance(error, CrossOrigin):
        note_refusal("cross-origin")
        return page(403, texts=ORIGIN_PAGE)
    if status == 503:
        return page(503, minimal=True, headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER)})
    if status >= 500:
        # The database may be what failed: render without the signed-in person's menu.
        return page(500, minimal=True)
    note_refusal(f"http-{status}")
    return page(status, headers=headers)


def _domain_error(exc: DomainError) -> Any:
    """A refusal the view did not turn into a message of its own."""
    if isinstance(exc, Unauthenticated):
        return redirect(url_for("web.auth.login", next=request.full_path))
    note_refusal(domain_type(exc), list(getattr(exc, "errors", {})))
    if isinstance(exc, NotFound):
        return page(404)
    if isinstance(exc, Forbidden):
        return page(403)
    if isinstance(exc, Gone):
        return page(410)
    if isinstance(exc, TooManyAttempts):
        return page(429, headers={"Retry-After": str(exc.retry_after)})
    return page(422)


def _unexpected(exc: Exception) -> Any:
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    if database_unavailable(exc):
        return unavailable()
    log.exception("unhandled error method=%s path=%s request_id=%s", request.method,
                  json.dumps(request.path), request_id())
    return page(500, minimal=True)


def _note_form_errors(_app: Flask, *, template: Any, context: dict[str, Any],
                      **_extra: Any) -> None:
    """A form shown again with errors (a 422 page): its refused fields, for the log line.

    Every view re-renders its form its own way; the rendering is the one place they meet.
    """
    fields: list[str] = []
    for value in context.values():
        for form in value.values() if isinstance(value, dict) else (value,):
            if isinstance(form, FlaskForm) and form.errors:
                fields += ["_form" if name is None else str(name) for name in form.errors]
    if fields and g.get("refusal") is None:  # a view that said why keeps its reason
        note_refusal("invalid-input", fields)


def init_app(app: Flask, web: Blueprint) -> None:
    """HTTP errors app-wide (any path outside /api gets a page); the rest for the pages."""
    template_rendered.connect(_note_form_errors, app)
    for code in (400, 403, 404, 405, 413, 429, 500, 503):
        app.register_error_handler(code, _http_error)
    app.register_error_handler(CSRFError, _http_error)
    web.register_error_handler(DomainError, _domain_error)
    web.register_error_handler(Exception, _unexpected)
