"""Public e-mail subscriptions to the register's answers (issue 18), no sign-in:
`/julkiset/tilaa` (subscribe; `?region=` / `?category=` prefill the scope), the
confirmation link's page, and the unsubscribe link's page.

The subscribe form answers the same whatever the address (new, unconfirmed, subscribed
already), so nobody learns who is subscribed. Confirming takes a button (a POST), not the
link alone: mail scanners that open links confirm nothing. Unsubscribing is a POST to
the mail's link with no CSRF token and no sign-in (RFC 8058 one-click: a mail client
posts `List-Unsubscribe=One-Click` there); the link's secret is what authorises it, and
doing it twice is harmless (api/web/security.py exempts the path from the token check).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, RadioField, SelectChoice, SelectField, SubmitField
from wtforms.validators import InputRequired

from api.web import labels
from api.web.forms import CheckedForm, choices, show_refusal
from api.web.i18n import region_name
from escalation import db, languages, runtime
from escalation.errors import InvalidInput, TooManyAttempts
from escalation.limits import CATEGORIES, EMAIL_MAX, SUBSCRIPTION_CONFIRM_DAYS
from escalation.models import PublicSubscription
from escalation.services import subscriptions, tasks

bp = Blueprint("subscriptions", __name__, url_prefix="/julkiset")
UNSUBSCRIBE_PATH = "/julkiset/peru/"  # api/web/security.py: one-click, no CSRF token


class SubscribeForm(CheckedForm):
    """An address, what to follow of the public answers, and the mails' language."""

    email = EmailField(_l("E-mail address"),
                       validators=[InputRequired(_l("Give your e-mail address."))],
                       render_kw={"autocomplete": "email", "maxlength": EMAIL_MAX,
                                  "spellcheck": "false"})
    scope = RadioField(_l("What to receive"), choices=[
        SelectChoice("all", _l("All new public answers")),
        SelectChoice("region", _l("The answers to one region's questions")),
        SelectChoice("category", _l("The answers in one category"))], default="all")
    region = SelectField(_l("Region"), choices=[], validate_choice=False)
    category = SelectField(_l("Category"), choices=[SelectChoice("", _l("Choose a category")),
                                                     *choices(labels.CATEGORIES, CATEGORIES)],
                           validate_choice=False)
    locale = RadioField(_l("Language of the mails"),
                        choices=[SelectChoice(c, n) for c, n in languages.NAMES.items()])
    go = SubmitField(_l("Subscribe"))


class ConfirmForm(CheckedForm):
    """Confirm the subscription (CSRF only)."""

    go = SubmitField(_l("Confirm the subscription"))


def _regions(form: SubscribeForm) -> None:
    with db.reading() as session:
        form.region.choices = [SelectChoice("", _l("Choose a region")),
                               *(SelectChoice(r.code, region_name(r))
                                 for r in tasks.regions(session))]


def _form_page(form: SubscribeForm, status: int = 200) -> Any:
    return render_template("web/subscriptions/subscribe.html", form=form,
                           days=SUBSCRIPTION_CONFIRM_DAYS), status


@bp.get("/tilaa")
def subscribe() -> Any:
    """The subscription form, its scope prefilled from `?region=` or `?category=`."""
    region, category = request.args.get("region", ""), request.args.get("category", "")
    scope = "region" if region else "category" if category else "all"
    form = SubscribeForm(formdata=None, scope=scope, region=region, category=category,
                         locale=languages.known(str(get_locale())))
    _regions(form)
    return _form_page(form)


@bp.post("/tilaa")
def subscribe_post() -> Any:
    """Ask for a subscription; the same answer for any valid address."""
    form = SubscribeForm()
    _regions(form)
    if not form.locale.data:
        form.locale.data = languages.known(str(get_locale()))
    if not form.validate():
        return _form_page(form, 422)
    scope = form.scope.data or "all"
    if scope == "region" and not form.region.data:
        form.region.errors = [str(_l("Choose a region."))]
        return _form_page(form, 422)
    if scope == "category" and not form.category.data:
        form.category.errors = [str(_l("Choose a category."))]
        return _form_page(form, 422)
    try:
        with db.transaction() as session:
            subscriptions.subscribe(
                session, email=form.email.data or "",
                region=form.region.data if scope == "region" else None,
                category=form.category.data if scope == "category" else None,
                locale=form.locale.data or "fi", client=request.remote_addr or "unknown",
                secret_key=runtime.settings().secret_key)
    except InvalidInput as exc:
        errors = dict(exc.errors)
        if scope == "region" and "region" not in errors and "scope" in errors:
            errors["region"] = errors.pop("scope")
        show_refusal(form, errors)
        return _form_page(form, 422)
    except TooManyAttempts:
        return render_template("web/subscriptions/sent.html", throttled=True), 429
    return render_template("web/subscriptions/sent.html", throttled=False,
                           days=SUBSCRIPTION_CONFIRM_DAYS)


@bp.get("/vahvista/<token>")
def confirm(token: str) -> Any:
    """The confirmation link's page: a button that confirms."""
    return render_template("web/subscriptions/confirm.html", form=ConfirmForm(), done=None)


@bp.post("/vahvista/<token>")
def confirm_post(token: str) -> Any:
    """Confirm; an unknown, used or expired link says so (in the same words for each)."""
    form = ConfirmForm()
    if not form.validate():
        return render_template("web/subscriptions/confirm.html", form=form, done=None), 422
    with db.transaction() as session:
        done = subscriptions.confirm(session, token) is not None
    return render_template("web/subscriptions/confirm.html", form=form, done=done), \
        200 if done else 404


def _scope_name(row: PublicSubscription) -> str:
    """A subscription as the unsubscribe page names it (in the page's language)."""
    if row.region is not None:
        return f"{_l('Region')}: {region_name(row.region)}"
    if row.category:
        return f"{_l('Category')}: {labels.CATEGORIES.get(row.category, row.category)}"
    return str(_l("All new public answers"))


def _names(rows: list[PublicSubscription]) -> list[str]:
    return [_scope_name(r) for r in rows]


@bp.get("/peru/<token>")
@bp.get("/peru/<token>/<reference>")
def unsubscribe(token: str, reference: str | None = None) -> Any:
    """The unsubscribe link's page: what the link ends (the subscriptions its mail came
    from), a button that ends them (opening the link does not, so a mail scanner cannot),
    and, if the address has others, a button that ends them all."""
    with db.reading() as session:
        found = subscriptions.unsubscribing(session, token, reference)
        ending, others = (_names(found.ending), _names(found.others)) if found else ([], [])
    return render_template("web/subscriptions/unsubscribe.html", done=False,
                           ending=ending, others=others)


@bp.post("/peru/<token>")
@bp.post("/peru/<token>/<reference>")
def unsubscribe_post(token: str, reference: str | None = None) -> Any:
    """Unsubscribe: the page's button, or a mail client's one-click POST (RFC 8058), ends
    what the link names; the page's other button (`all`) every subscription of the address."""
    everything = request.form.get("all") == "1"
    with db.transaction() as session:
        found = subscriptions.unsubscribing(session, token, reference)
        ended: list[str] = []
        left: list[str] = []
        again: str | None = None  # the link that ends the rest: this one's row is gone
        if found is not None:
            ended = _names(found.ending + (found.others if everything else []))
            if found.others and not everything:
                left = _names(found.others)
                rest = found.others[0]
                again = subscriptions.unsubscribe_token(runtime.settings().secret_key,
                                                        rest.id, rest.salt)
        subscriptions.unsubscribe(session, token, reference=reference, everything=everything)
    return render_template("web/subscriptions/unsubscribe.html", done=True,
                           ended=ended, others=left, again=again)


__all__ = ["UNSUBSCRIBE_PATH", "bp"]
