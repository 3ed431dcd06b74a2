"""Every page and every mail of the demo, rendered to files, to diff a change against.

    python -m tests.render_all OUT_DIR

A refactoring that must not change what people read (issue 14's rule: "the HTML of every
page, all roles, fi/sv/en, and every mail is byte-identical or changed only where a
wording becomes better") is checked by running this before and after and comparing:
`diff -r before/ after/`. The clock is frozen (time-machine) and the demo is loaded at a
fixed instant, so two runs of the same code write the same bytes; what differs per run
anyway (CSRF tokens) is replaced by a placeholder.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import sys
import tempfile
from pathlib import Path

import time_machine

from escalation.languages import LANGUAGES

FIXED = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
_BOUNDARY = re.compile(rb"=+\d{10,}==")
_TOKEN = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*(")|'
                    r'(value=")[A-Za-z0-9._-]{60,}(")')
# The single-use forms' tokens (issue 15, item 3): a hidden `..._token` field and `?once=`.
_ONCE = re.compile(r'(name="[\w-]*_token" type="hidden" value=")[^"]*(")|(once=)[\w-]{16,}()')


def _normal(html: str) -> str:
    html = _TOKEN.sub(lambda m: f"{m.group(1) or m.group(3)}TOKEN{m.group(2) or m.group(4)}",
                      html)
    return _ONCE.sub(lambda m: f"{m.group(1) or m.group(3)}ONCE{m.group(2) or m.group(4)}", html)


def main(out: Path) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="render-all-"))
    os.environ.update(ESCALATION_INSTANCE=str(tmp / "instance"), AUDIT_KEY="render-all",
                      SECRET_KEY="render-all", BASE_URL="http://localhost")
    url = f"sqlite:///{tmp / 'db.sqlite3'}"
    os.environ["DATABASE_URL"] = url
    for name in ("ESCALATION_WORKFLOWS", "REDIS_URL", "SMTP_URL"):
        os.environ.pop(name, None)

    from sqlalchemy import select

    from api import create_app
    from api.web.i18n import SESSION_KEY
    from escalation import db, demo, runtime
    from escalation.migrate import upgrade
    from escalation.models import Issue, OutboxMessage
    from escalation.notify import deliver, direct, mail, meeting_mail

    out.mkdir(parents=True, exist_ok=True)
    with time_machine.travel(FIXED, tick=False):
        upgrade(url)
        db.configure(url)
        with db.transaction() as session:
            demo.load(session, now=FIXED)
        app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": True})
        with db.transaction() as session:
            refs = list(session.scalars(select(Issue.reference).order_by(Issue.reference)))
        paths = ["/", "/issues/new", "/reports/", "/admin/", "/admin/mail",
                 "/queues/region", "/queues/backbone", "/queues/stakeholders",
                 "/queues/working_group", "/issues/ESC-2026-9999", "/no-such-page",
                 "/calendar"]
        for ref in refs:
            paths += [f"/issues/{ref}", f"/issues/{ref}/edit"]
        paths.append(f"/issues/{refs[0]}/workflow")  # the drawing, one stage suffices
        # The meetings (issue 17): the list both ways, the form, the working group's
        # meeting (the demo's first) and its edit form.
        paths += ["/meetings", "/meetings?when=past", "/meetings/new", "/meetings/1",
                  "/meetings/1/edit"]
        count = 0
        people = [None, *demo.logins()]
        for person in people:
            client = app.test_client()
            who = "anonymous" if person is None else person.email.split("@")[0]
            if person is not None:
                page = client.get("/login").get_data(as_text=True)
                token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
                answer = client.post("/login", data={
                    "email": person.email, "password": person.password,
                    "csrf_token": token.group(1) if token else ""})
                if answer.status_code not in (302, 303):
                    print(f"sign-in failed for {person.email}: {answer.status_code}")
                    return 1
            for lang in LANGUAGES:
                # Signing in chose the person's own language; the pages of each language
                # are asked for by Accept-Language, as before.
                with client.session_transaction() as kept:
                    kept.pop(SESSION_KEY, None)
                for path in (["/login"] if person is None else paths):
                    answer = client.get(path, headers={"Accept-Language": lang})
                    name = path.strip("/").replace("/", "_") or "home"
                    target = out / "pages" / who / lang / f"{name}.html"
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(f"{answer.status_code} {answer.headers.get('Location', '')}"
                                      f"\n{_normal(answer.get_data(as_text=True))}")
                    count += 1
        mails = 0
        with db.transaction() as session:
            messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
            for message in messages:
                issue = session.get(Issue, message.issue_id) if message.issue_id else None
                if issue is None and message.kind in meeting_mail.KINDS:
                    for lang in LANGUAGES:
                        composed = direct.compose(
                            session, message, to=None, email="r@example.org", locale=lang,
                            message_id="<fixed@example>", settings=runtime.settings(),
                            now=FIXED)
                        if composed is None:
                            continue
                        target = out / "mails" / f"{message.id:04d}-{message.kind}-{lang}.eml"
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(bytes(composed))
                        mails += 1
                    continue
                if issue is None:
                    continue
                notice = deliver.notice_of(session, message, issue)
                variants = {"as-sent": notice,
                            "acting": dataclasses.replace(notice, acting=not notice.acting)}
                if message.id % 7 == 0:  # deadline mails, spread over the issues' states
                    due = issue.due_at or FIXED
                    for kind in ("reminder", "overdue", "follow_up"):
                        variants[kind] = dataclasses.replace(notice, kind=kind, due_at=due,
                                                             acting=True, action=None)
                for variant, text in variants.items():
                    for lang in LANGUAGES:
                        composed = mail.compose(
                            text, mail.Recipient(name="Reader Name", email="r@example.org",
                                                 locale=lang),
                            sender="service@example.org", message_id="<fixed@example>",
                            base_url="https://escalation.example", now=FIXED)
                        target = out / "mails" / f"{message.id:04d}-{variant}-{lang}.eml"
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(_BOUNDARY.sub(b"=====BOUNDARY==", bytes(composed)))
                        mails += 1
    runtime.reset()
    print(f"{count} pages and {mails} mails in {out}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        raise SystemExit(2)
    raise SystemExit(main(Path(sys.argv[1])))
