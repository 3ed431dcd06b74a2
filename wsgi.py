"""The WSGI entry point: `gunicorn wsgi:app`."""

from api import create_app
from escalation.notify import relay

app = create_app()
relay.install()  # outbox rows go to the job queue right after the commit that wrote them
