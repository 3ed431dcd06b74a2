"""The public register of answers (issue 18): pages, an Atom feed and open data, no sign-in.

`/julkiset` lists the public answered issues (services/register.py says which), newest
answer first, filtered by region, category and children's-rights dimension and searched
with the list's own `q`; `/julkiset/<reference>` is an issue's permanent page;
`/julkiset/syote.atom` the feed of new answers (all, `?region=`, `?category=`);
`/julkiset/avoin-data.json` and `.csv` the same as open data (CC BY 4.0), described at
`/julkiset/avoin-data`.

Caching: each answer carries an ETag made of what it shows (the newest change of any
public issue, the address with its query, the language, and whether the reader is signed
in and as whom, since the header then names them) and answers `If-None-Match` with 304.
Anonymous readers get `Cache-Control: public, max-age=300`; a signed-in reader's copy
(their name in the header) is `private`. The language comes from `?lang=`, else the
session's choice, else `Accept-Language`: hence `Vary: Accept-Language, Cookie`. The
pages' language links (`?lang=sv`) set no cookie, and nothing here writes the session, so
an anonymous answer sets no cookie at all. For a reader without a session the rendered
answer is also kept in the process under its ETag (api/web/page_cache.py), so the next
such reader of the same page, before any public issue changes, is not rendered one anew.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]
from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_login import current_user
from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from api.web import i18n, labels
from api.web.page_cache import PageCache
from escalation import db, languages, runtime
from escalation.db import utcnow
from escalation.models import Category, Region, RightsDimension
from escalation.redacted import is_redacted_text
from escalation.services import register
from escalation.services.register import Entry, Filters

bp = Blueprint("register", __name__, url_prefix="/julkiset")

MAX_AGE = 300  # seconds a shared cache may keep a copy without asking again
PAGES = "escalation_public_pages"  # app.extensions' key of the kept answers (PageCache)
LICENCE_NAME = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"

# Open data's columns, in order: the CSV's header, the JSON items' keys, the schema page
# and docs/open-data.md (a test holds the four equal). (name, type, meaning)
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("reference", "string", "The issue's permanent reference, ESC-YYYY-NNNN."),
    ("url", "string (URL)", "The issue's permanent public page."),
    ("title", "string", "The question's title."),
    ("region", "string", "The region's code (lower-case slug)."),
    ("region_name", "string", "The region's name in Finnish."),
    ("co_raising_regions", "list of strings", "The codes of the other regions that raised the "
     "same question (they joined it, or a question of theirs was merged into it), in the "
     "order they came (CSV: separated by |)."),
    ("category", "string or empty", "legislation, interpretation, national_policy, funding, "
     "data_and_information or other; empty if none was chosen."),
    ("rights_dimensions", "list of strings", "Children's-rights dimensions: best_interests, "
     "non_discrimination, right_to_be_heard, life_and_development (CSV: separated by |)."),
    ("state", "string", "decided or closed."),
    ("answer_type", "string", "decision (the working group decided) or local_answer (the "
     "backbone team answered)."),
    ("answered_at", "string (ISO 8601 date-time, UTC)", "When the answer in force was given."),
    ("outcome", "string or empty", "The decision's outcome: clarified, refer_to_ministry, "
     "propose_legislative_change, national_guidance, no_action, returned_to_region; empty "
     "for a local answer."),
    ("rationale", "string", "The decision's rationale, or the backbone team's answer. A "
     "text removed from the record reads [redacted]."),
    ("responsible", "string or empty", "The body responsible for the follow-up, if any."),
    ("follow_up_due", "string (ISO 8601 date) or empty", "The decision's follow-up date, if "
     "any."),
    ("obligations_total", "integer", "The decision's follow-up obligations."),
    ("obligations_open", "integer", "Of them, open."),
    ("obligations_in_progress", "integer", "Of them, in progress."),
    ("obligations_done", "integer", "Of them, done."),
    ("obligations_cancelled", "integer", "Of them, cancelled."),
    ("public_statements", "integer", "Statements their organisations gave as public (on the "
     "issue's page)."),
)
JSON_KEYS = ("licence", "licence_url", "attribution", "schema", "generated_at", "page",
             "per_page", "total", "next", "items")


def _lang() -> str:
    return languages.known(str(get_locale() or languages.DEFAULT))


def _filters() -> Filters:
    def one(name: str) -> str | None:
        value = request.args.get(name, "").strip()
        return value or None
    found = Filters(region=one("region"), category=one("category"),
                    dimension=one("dimension"), q=one("q"))
    if found.problems():
        abort(400)
    return found


def _page_number(limit: int = 100_000) -> int:
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        abort(400)
    if not 1 <= page <= limit:
        abort(400)
    return page


def _cached(make: Callable[[Session], Response], *, changes: bool = True) -> Response:
    """`make(session)`'s answer with the register's caching, or 304 when the reader's copy
    is still what it would get. One read-only transaction for both; `changes=False`: what
    the answer shows does not follow the issues (the open data's description)."""
    signed_in = current_user.is_authenticated
    who = str(current_user.get_id()) if signed_in else ""
    kept = _pages() if _shareable(signed_in) else None
    with db.reading() as session:
        generation = register.generation(session) if changes else None
        basis = "|".join((str(generation), request.full_path, _lang(), who))
        etag = hashlib.sha256(basis.encode()).hexdigest()[:32]
        if request.if_none_match.contains_weak(etag):
            response = Response(status=304)
        elif kept is not None and (found := kept.get(etag)) is not None:
            response = found
        else:
            response = make(session)
            if kept is not None:
                kept.put(etag, response)
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = (f"public, max-age={MAX_AGE}" if not signed_in
                                         else "private, no-cache")
    response.vary.update(("Accept-Language", "Cookie"))
    return response


def _pages() -> PageCache | None:
    """The process's kept answers (api/web/page_cache.py); None when it keeps none."""
    found: PageCache | None = current_app.extensions.get(PAGES)
    return found


def _shareable(signed_in: bool) -> bool:
    """Whether this request's answer is everybody's: nobody signed in and no session (whose
    notices or chosen language its page would show)."""
    return not signed_in and current_app.config["SESSION_COOKIE_NAME"] not in request.cookies


def _keep_lang(args: dict[str, Any]) -> dict[str, Any]:
    """A link's arguments with the page's `?lang=`, so a language chosen by link stays."""
    lang = request.args.get("lang")
    return {**args, "lang": lang} if lang in languages.LANGUAGES else args


def _absolute(endpoint: str, **args: Any) -> str:
    """An address at BASE_URL: the feed's and open data's links and ids never follow the
    Host a request happened to name."""
    return runtime.settings().base_url.rstrip("/") + url_for(endpoint, **args)


@bp.get("")
def index() -> Response:
    """The register: public answers, newest first, with filters, search and pages."""
    f = _filters()
    page = _page_number(register.COUNT_CAP // register.PER_PAGE)

    def make(session: Session) -> Response:
        found = register.answers(session, f, page=page, now=utcnow(), cap=register.COUNT_CAP)
        regions = list(session.scalars(_region_query()))
        args = {k: v for k, v in (("region", f.region), ("category", f.category),
                                  ("dimension", f.dimension), ("q", f.q)) if v}
        pages = max(1, -(-found.total // found.per_page))
        return Response(render_template(
            "web/register/index.html", found=found, f=f, regions=regions, pages=pages,
            args=args, categories=[c.value for c in Category],
            dimensions=[d.value for d in RightsDimension],
            marks=register.marked(found.entries, f.q),
            subscribe=_subscribe_args(f), feed_args=_feed_args(f)), mimetype="text/html")

    return _cached(make)


def _region_query() -> Select[tuple[Region]]:
    return select(Region).order_by(Region.in_name_order())


def _link(endpoint: str, **args: Any) -> str:
    return url_for(endpoint, **_keep_lang({k: v for k, v in args.items() if v}))


def _subscribe_args(f: Filters) -> dict[str, str]:
    return {k: v for k, v in (("region", f.region), ("category", f.category)) if v}


def _feed_args(f: Filters) -> dict[str, str]:
    # The feed comes per region or per category; with both chosen, the region's.
    if f.region:
        return {"region": f.region}
    return {"category": f.category} if f.category else {}


@bp.get("/<reference>")
def show(reference: str) -> Response:
    """An issue's permanent public page: the answer, the rationale, the obligations and
    the statements given as public. Anything not in the register is 404, alike."""

    def make(session: Session) -> Response:
        found = register.entry(session, reference)
        if found is None:  # alike for every reason: nothing tells a hidden issue apart
            return Response(render_template("web/register/not_found.html"), status=404,
                            mimetype="text/html")
        return Response(render_template("web/register/show.html", e=found,
                                        subscribe=_subscribe_args(Filters(
                                            region=found.region.code,
                                            category=found.category))),
                        mimetype="text/html")

    return _cached(make)


@bp.get("/syote.atom")
def feed() -> Response:
    """New answers as an Atom feed: all, or `?region=` / `?category=`; the newest
    FEED_ENTRIES, each identified by its permanent page's address."""
    f = Filters(region=request.args.get("region") or None,
                category=request.args.get("category") or None)
    if f.problems():
        abort(400)

    def make(session: Session) -> Response:
        found = register.answers(session, f, per_page=register.FEED_ENTRIES,
                                 now=utcnow(), counted=False)
        region = (session.scalar(_region_query().where(Region.code == f.region))
                  if f.region else None)
        return Response(_atom(found.entries, f, region), mimetype="application/atom+xml")

    return _cached(make)


def _text(value: str | None) -> str:
    return str(labels.REDACTED) if is_redacted_text(value) else (value or "")


def _atom(entries: list[Entry], f: Filters, region: Region | None) -> bytes:
    fg = FeedGenerator()
    here = _absolute("web.register.feed", **_feed_args(f))
    title = gettext("Public answers")
    if region is not None:
        title = f"{title}: {region.name_in(_lang())}"
    elif f.category:
        title = f"{title}: {labels.Labels.category(f.category)}"
    fg.id(here)
    fg.title(title)
    fg.subtitle(gettext("New answers of the national bodies to the regions' questions."))
    fg.link(href=here, rel="self", type="application/atom+xml")
    fg.link(href=_absolute("web.register.index", **_feed_args(f)), rel="alternate",
            type="text/html")
    fg.language(_lang())
    fg.rights(f"{LICENCE_NAME} {LICENCE_URL}")
    fg.author({"name": gettext("Escalation service")})
    fg.updated(entries[0].answered_at if entries else dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    for e in reversed(entries):  # feedgen puts each new entry first
        fe = fg.add_entry()
        url = _absolute("web.register.show", reference=e.reference)
        fe.id(url)
        fe.link(href=url, rel="alternate", type="text/html")
        fe.title(f"{e.reference}: {_text(e.title)}")
        fe.updated(e.answered_at)
        fe.published(e.answered_at)
        what = (labels.Labels.outcome(e.outcome) if e.outcome
                else gettext("Answered by the backbone team"))
        fe.summary(f"{what}. {_text(e.text)}")
        if e.category:
            fe.category(term=e.category, label=labels.Labels.category(e.category))
    body: bytes = fg.atom_str(pretty=False)
    return body


@bp.get("/avoin-data")
def open_data() -> Response:
    """Open data's description: the addresses, the columns, the licence."""

    def make(session: Session) -> Response:
        return Response(render_template("web/register/open_data.html", columns=COLUMNS,
                                        licence=LICENCE_NAME, licence_url=LICENCE_URL,
                                        per_page=register.OPEN_DATA_PER_PAGE,
                                        feed_entries=register.FEED_ENTRIES),
                        mimetype="text/html")

    return _cached(make, changes=False)


def _rows(entries: list[Entry], statements: dict[int, int]) -> Iterator[dict[str, Any]]:
    for e in entries:
        counts = e.obligation_counts()
        yield {
            "reference": e.reference,
            "url": _absolute("web.register.show", reference=e.reference),
            "title": e.title,
            "region": e.region.code,
            "region_name": e.region.name_in(languages.DEFAULT),
            "co_raising_regions": [r.code for r in e.co_regions],
            "category": e.category,
            "rights_dimensions": list(e.rights_dimensions),
            "state": e.state,
            "answer_type": e.kind,
            "answered_at": e.answered_at.astimezone(dt.UTC).isoformat(),
            "outcome": e.outcome,
            "rationale": e.text,
            "responsible": e.responsible,
            "follow_up_due": e.follow_up_due.isoformat() if e.follow_up_due else None,
            "obligations_total": len(e.obligations),
            "obligations_open": counts.get("open", 0),
            "obligations_in_progress": counts.get("in_progress", 0),
            "obligations_done": counts.get("done", 0),
            "obligations_cancelled": counts.get("cancelled", 0),
            "public_statements": statements.get(e.issue_id, 0),
        }


def _open_page(session: Session) -> tuple[register.RegisterPage, list[dict[str, Any]],
                                          str | None]:
    page = _page_number()
    found = register.answers(session, Filters(), page=page,
                             per_page=register.OPEN_DATA_PER_PAGE, now=utcnow())
    statements = register.public_statement_counts(session, [e.issue_id for e in found.entries])
    rows = list(_rows(found.entries, statements))
    more = page * found.per_page < found.total
    return found, rows, (str(page + 1) if more else None)


def _paging_links(endpoint: str, page: int, next_page: str | None) -> str:
    links = [f'<{LICENCE_URL}>; rel="license"',
             f'<{_absolute("web.register.open_data")}>; rel="describedby"']
    if next_page:
        links.append(f'<{_absolute(endpoint, page=next_page)}>; rel="next"')
    return ", ".join(links)


@bp.get("/avoin-data.json")
def open_data_json() -> Response:
    """Open data as JSON: OPEN_DATA_PER_PAGE answers a request (`?page=`), `next` links on."""

    def make(session: Session) -> Response:
        found, rows, next_page = _open_page(session)
        body = {
            "licence": LICENCE_NAME, "licence_url": LICENCE_URL,
            "attribution": gettext("Escalation service") + ", " + _absolute("web.register.index"),
            "schema": _absolute("web.register.open_data"),
            "generated_at": utcnow().isoformat(),
            "page": found.page, "per_page": found.per_page, "total": found.total,
            "next": (_absolute("web.register.open_data_json", page=next_page)
                     if next_page else None),
            "items": rows,
        }
        response = Response(json.dumps(body, ensure_ascii=False),
                            mimetype="application/json")
        response.headers["Link"] = _paging_links("web.register.open_data_json", found.page,
                                                 next_page)
        return response

    return _cached(make)


@bp.get("/avoin-data.csv")
def open_data_csv() -> Response:
    """Open data as CSV (UTF-8, commas, a header row): the JSON's items, a page a request."""

    def make(session: Session) -> Response:
        found, rows, next_page = _open_page(session)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([name for name, _, _ in COLUMNS])
        for row in rows:
            writer.writerow([_cell(row[name]) for name, _, _ in COLUMNS])
        response = Response(out.getvalue(), mimetype="text/csv")
        response.headers["Content-Disposition"] = (
            f'attachment; filename="julkiset-vastaukset-{found.page}.csv"')
        response.headers["Link"] = _paging_links("web.register.open_data_csv", found.page,
                                                 next_page)
        return response

    return _cached(make)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "|".join(str(v) for v in value)
    text = str(value)
    # A spreadsheet must not run a cell as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def language_links() -> list[tuple[str, str, str]]:
    """The header's language choice on the register's pages: links (code, name, address)
    that set no cookie, so the answers stay shareable by caches."""
    args = {k: v for k, v in request.args.items() if k != "lang"}
    return [(code, name, f"{request.path}?{urlencode({**args, 'lang': code})}")
            for code, name in i18n.LANGUAGE_NAMES.items()]


def init_app(app: Any) -> None:
    room = runtime.settings().public_page_cache_mb * 1024 * 1024
    app.extensions[PAGES] = PageCache(room, MAX_AGE) if room else None
    app.jinja_env.globals.update(register_language_links=language_links,
                                 register_link=_link)


__all__ = ["COLUMNS", "JSON_KEYS", "LICENCE_NAME", "LICENCE_URL", "PAGES", "bp", "init_app"]
