"""Security for the pages: CSRF on every form, session cookies, and the response headers."""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask_wtf.csrf import CSRFProtect

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


def _in_api() -> bool:
    return request.path.startswith("/api/")


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
    def _csrf() -> None:
        if current_app.config.get("WTF_CSRF_ENABLED", True) and not _in_api():
            csrf.protect()

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            response.headers.setdefault("X-Frame-Options", "DENY")
            if not _in_api():  # pages show personal data; keep them out of shared caches
                response.headers.setdefault("Cache-Control", "no-store")
        return response
