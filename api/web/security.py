"""Security for the pages: CSRF on every form, session cookies, and the response headers."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import Forbidden, RequestEntityTooLarge

from escalation import runtime

csrf = CSRFProtect()

# Everything from our own origin, nothing inline: no 'unsafe-inline', no outside hosts.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


# HTTPS only, for a year, once a browser has seen the service over HTTPS. Not for the
# subdomains: they may be other services of the organisation, not ours to decide.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"
JSON_TYPES = frozenset({"application/json", "application/problem+json"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CrossOrigin(Forbidden):
    """A form sent to us from another site's page (its Origin or Referer says so)."""

    description = "The form was sent from another site."


ONE_CLICK_UNSUBSCRIBE = "/julkiset/peru/"


def _in_api() -> bool:
    return request.path.startswith("/api/")


def _streamed() -> bool:
    """A body of unknown length that the server hands over whole (gunicorn's chunked)."""
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    return chunked and bool(request.environ.get("wsgi.input_terminated"))


def _origin(url: str) -> str | None:
    """scheme://host[:port] of a URL, lower-cased; None for anything else ("null")."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_origin() -> None:
    """Refuse a form post whose Origin (or, without one, Referer) is another site.

    A second line behind the CSRF token: a browser names the page a form was sent
    from, and only our own pages may send ours. Ours is BASE_URL's origin, or the
    origin the request itself was made to. A post with neither header is let through
    to the token check: browsers and privacy settings may leave both out (old
    browsers send no Origin on same-origin posts, and Referer can be stripped), and
    refusing them would lock such people out while the token still guards the form.
    An Origin of "null" (a sandboxed frame, a cross-site redirect) is refused.
    """
    sent = request.headers.get("Origin") or request.headers.get("Referer")
    if not sent:
        return
    ours = {_origin(runtime.settings().base_url), _origin(request.host_url)}
    if _origin(sent) not in ours - {None}:
        raise CrossOrigin()


def init_app(app: Flask, *, https: bool) -> None:
    """CSRF outside /api, cookie flags, and the headers on every response.

    The JSON API is exempt from CSRF as a whole (by path, so blueprints added later are
    covered too): it authenticates changes with a bearer token, which a browser never
    sends by itself; the web session opens only its GETs (api/auth.py).
    """
    # Flask ships these keys with defaults, so `setdefault` would never take: set them
    # unless a test or deployment config already chose stricter values.
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config.get("SESSION_COOKIE_SECURE")) or https
    if https:
        app.config["PREFERRED_URL_SCHEME"] = "https"
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)  # a working day on one form
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked below, by path
    csrf.init_app(app)

    @app.before_request
    def _limits_and_csrf() -> None:
        # Werkzeug refuses a body over MAX_CONTENT_LENGTH when it is read; say so before
        # anything reads it, whether or not the view would.
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        if limit is not None and (request.content_length or 0) > limit:
            raise RequestEntityTooLarge()
        if limit is not None and request.content_length is None and _streamed():
            # Werkzeug reads a body of unknown length only up to the limit and quietly
            # drops the rest: read it now (kept for the views) and refuse what is left.
            request.get_data(cache=True)
            if request.environ["wsgi.input"].read(1):
                raise RequestEntityTooLarge()
        if _in_api() or request.path.startswith(ONE_CLICK_UNSUBSCRIBE):
            # The one-click unsubscribe link (RFC 8058) is posted by mail clients, with no
            # token and no Origin of ours: its secret authorises it (api/web/subscriptions.py).
            return
        if request.method in UNSAFE_METHODS:
            check_origin()
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if https:
            response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
        # Pages and JSON alike show personal data to the signed-in: keep every answer out
        # of shared and browser caches, unless it chose its own caching (static files).
        response.headers.setdefault("Cache-Control", "no-store")
        if response.mimetype in JSON_TYPES and response.mimetype_params.get("charset") is None:
            response.mimetype_params["charset"] = "utf-8"  # updates Content-Type
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            response.headers.setdefault("X-Frame-Options", "DENY")
        return response
