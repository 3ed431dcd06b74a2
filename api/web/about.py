"""The accessibility statement (saavutettavuusseloste) and its feedback form, for anyone.

The Finnish act on the provision of digital services (306/2019) requires the statement
and a feedback channel; both are public, signed in or not. The statement's text is a
document kept per language (templates/web/about/statement_<lang>.html), like a legal
text, so each language can say it as its authorities do; the page around it and the
form come from the catalogue.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_login import current_user

from api.web.auth import actor
from api.web.forms import FeedbackForm, show_refusal
from escalation import db, languages, runtime
from escalation.db import utcnow
from escalation.errors import InvalidInput
from escalation.services import accessibility

bp = Blueprint("about", __name__)


def _page(form: FeedbackForm, status: int = 200) -> tuple[str, int]:
    settings = runtime.settings()
    lang = languages.known(str(get_locale() or languages.DEFAULT))
    contact = settings.accessibility_contact or settings.mail_from
    return render_template("web/about/accessibility.html", form=form, lang=lang,
                           contact=contact), status


def _came_from() -> str:
    """The page the reader came from: a path of this service only, and never a
    set-password link's token (the feedback is mailed to the administrators)."""
    given = urlsplit(request.referrer or "")
    if given.netloc and given.netloc != request.host:
        return ""
    path = given.path or ""
    return "/password/…" if path.startswith("/password/") else path


@bp.get("/accessibility")
def accessibility_statement() -> tuple[str, int]:
    """The accessibility statement with the feedback form."""
    form = FeedbackForm(formdata=None, data={"page": _came_from()})
    return _page(form)


@bp.post("/accessibility")
def send_feedback() -> Any:
    """Send feedback on accessibility to the administrators."""
    form = FeedbackForm()
    valid = form.validate()
    # The core's refusals too, beside every field the form found no fault with: one round.
    found = accessibility.problems(name=form.name.data or "", email=form.email.data or "",
                                   message=form.message.data or "")
    show_refusal(form, {k: v for k, v in found.items() if not form._fields[k].errors})
    if valid and not found:
        try:
            with db.transaction() as session:
                accessibility.send(
                    session, name=form.name.data or "", email=form.email.data or "",
                    message=form.message.data or "", page=form.page.data or "",
                    user_id=actor().user_id if current_user.is_authenticated else None,
                    now=utcnow())
        except InvalidInput as exc:
            show_refusal(form, exc.errors)
        else:
            flash(gettext("Thank you. Your feedback was sent to the service's administrators."
                          " If you gave your e-mail address, you get an answer within 14 "
                          "days."), "success")
            return redirect(url_for(".accessibility_statement"))
    busy = any(str(m) == str(gettext(
        "Too many messages were sent in the last hour. Try again later, or write to the "
        "e-mail address above.")) for m in form.message.errors)
    return _page(form, status=429 if busy else 422)
