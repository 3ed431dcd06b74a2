"""The WSGI entry point: `gunicorn wsgi:app`."""

import sys

from api import create_app
from escalation.config import SettingError

try:
    app = create_app()
except SettingError as exc:  # one line naming the variable, not a traceback per worker
    sys.exit(f"escalation: {exc}")
