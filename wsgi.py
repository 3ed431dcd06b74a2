"""The WSGI entry point of a checkout: `gunicorn wsgi:app`, the same app as `api.wsgi:app`
(which an installed wheel has; this file is not in the wheel)."""

from api.wsgi import app

__all__ = ["app"]
