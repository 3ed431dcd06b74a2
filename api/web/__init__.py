"""The HTML face: pages for people, on the same services as the JSON API.

One `web` blueprint holds the page blueprints (auth, home, issues, queues, reports,
admin); its error handlers turn the core's refusals into pages. `init_app` wires in
Babel, Flask-Login, CSRF and the security headers; `create_app` calls it once.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask
from flask_babel import gettext

from api.web import (
    about,
    action_items,
    admin,
    auth,
    calendar,
    errors,
    following,
    forms,
    home,
    i18n,
    issues,
    labels,
    lists,
    meetings,
    minutes,
    password,
    queues,
    register,
    related,
    reports,
    search,
    security,
    situation,
    subscriptions,
)
from escalation import runtime
from escalation.models import Role
from escalation.services.meetings import bodies_of as meeting_bodies
from escalation.services.tasks import bodies_of


def main_menu() -> list[tuple[str, dict[str, Any], str]]:
    """The signed-in person's menu: what their roles work with."""
    me = auth.actor()
    items: list[tuple[str, dict[str, Any], str]] = [
        ("web.home.index", {}, gettext("My tasks"))]
    if me.lead_regions:
        items.append(("web.issues.new", {}, gettext("New issue")))
    # The lists: the region's issues (its leads), mine and all (everyone), so whoever may
    # see an issue finds it in two clicks: the list, then the issue.
    items += [("web.lists.show", {"scope": s}, title)
              for s, title in lists.menu_scopes(bool(me.lead_regions))]
    items += [("web.queues.show", {"body": b}, labels.label(labels.BODIES, b))
              for b in bodies_of(me)]
    if meeting_bodies(me):
        items.append(("web.meetings.index", {}, gettext("Meetings")))
    items.append(("web.reports.index", {}, gettext("Reports")))
    items.append(("web.following.index", {}, gettext("Following")))
    if Role.ADMIN in me.roles:
        items.append(("web.admin.index", {}, gettext("Administration")))
    return items


def init_app(app: Flask) -> None:
    # Secure cookies follow the address the service is published at (BASE_URL), not the
    # request: behind a TLS-terminating proxy the request itself looks like plain HTTP.
    https = runtime.settings().base_url.startswith("https://")
    security.init_app(app, https=https)
    i18n.init_app(app)
    auth.init_app(app)
    web = Blueprint("web", __name__)
    for child in (home.bp, auth.bp, issues.bp, lists.bp, queues.bp, reports.bp, admin.bp,
                  about.bp, password.bp, meetings.bp, minutes.bp, calendar.bp,
                  action_items.bp, situation.bp, following.bp, subscriptions.bp, register.bp,
                  related.bp, search.bp):
        web.register_blueprint(child)
    errors.init_app(app, web)
    register.init_app(app)
    app.register_blueprint(web)
    app.jinja_env.globals.update(
        labels=labels.Labels, describe=labels.describe, due_phrase=i18n.due_phrase,
        region_name=i18n.region_label, month_name=i18n.month_name, main_menu=main_menu,
        field_label=labels.field_label, obligation_rows=forms.obligation_rows,
        meeting_line=labels.meeting_line)
    app.jinja_env.filters.update(shown=labels.shown)
