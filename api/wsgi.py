"""The WSGI entry point inside the package: `gunicorn api.wsgi:app`.

It lives in the package (not beside it) so that a wheel installed outside the checkout
serves the same app: the container image and the systemd units run it from there.
"""

import sys

from api import create_app
from escalation.config import SettingError

try:
    app = create_app()
except SettingError as exc:  # one line naming the variable, not a traceback per worker
    sys.exit(f"escalation: {exc}")
