"""The search page (issue 18): GET /search?q=, the best matches first, each with its
matching passage marked; the header's search box of every signed-in page leads here."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from api.web.auth import actor
from escalation import db
from escalation.db import utcnow
from escalation.errors import InvalidInput
from escalation.services import search
from escalation.services.queries import PAGE_MAX, Q_MAX

bp = Blueprint("search", __name__)
PER_PAGE = 20
REFUSED = _l("Use at most %(max)d characters, and no control characters.", max=Q_MAX)


@bp.get("/search")
@login_required
def results() -> Any:
    """The hits for `q`, a page at a time; without words, the box and the tips alone."""
    q = request.args.get("q", "").strip()
    try:
        page_no = min(PAGE_MAX, max(1, int(request.args.get("page", "1"))))
    except ValueError:
        page_no = 1
    if not search.groups(q):
        return render_template("web/search/results.html", q=q, found=None, error=None)
    with db.reading() as session:
        try:
            found = search.results(session, actor=actor(), q=q, page=page_no,
                                   per_page=PER_PAGE, now=utcnow())
        except InvalidInput:  # too long, a control character: say so beside the box
            return render_template("web/search/results.html", q=q, found=None,
                                   error=REFUSED), 400
        # Rendered while the rows are held: the page reads their regions.
        return render_template("web/search/results.html", q=q, found=found, error=None,
                               count_at_most=search.COUNT_AT_MOST)
