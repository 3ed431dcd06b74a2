"""Run by tests/test_recipes_language.py in a fresh interpreter over a copy of the source
whose languages.py has one more `Language` entry: what a person of that language meets.

Not a test module: it is the service as deployed after the recipe, driven through its
faces (the pages, the JSON API, the relay's mail folder, the service layer), writing what
it saw as JSON to the file named by its first argument (then: a regional lead's API token,
the e-mail and password of a coordinator speaking the new language, the region's code).
The test decides what is right.
"""

from __future__ import annotations

import json
import sys
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from sqlalchemy import select

import escalation
from api import create_app
from escalation import db, runtime
from escalation.models import Issue, KnownLanguage, User
from escalation.services import people

LEAD_TOKEN, COORDINATOR, PASSWORD, REGION = sys.argv[2:6]


def main(out: Path) -> None:
    seen: dict[str, Any] = {"source": escalation.__file__}
    app = create_app({"WTF_CSRF_ENABLED": False})  # a deployed app: the relay mails
    with db.transaction() as session:
        seen["languages"] = sorted(session.scalars(select(KnownLanguage.code)))
        seen["cli_locale"] = session.scalar(select(User.locale).where(User.email == COORDINATOR))
        user = people.add_user(session, email="lukki@example.fi", name="Lukki",
                               roles=["observer"], locale="se")
        seen["service_locale"] = user.locale

    reader = app.test_client()
    seen["login_before"] = reader.get("/login").get_data(as_text=True)
    seen["switched"] = reader.post("/language", data={"lang": "se"}).status_code
    seen["login"] = reader.get("/login").get_data(as_text=True)
    signed = reader.post("/login", data={"email": COORDINATOR, "password": PASSWORD})
    seen["signed_in"] = signed.status_code

    lead = app.test_client()
    created = lead.post("/api/v1/issues", headers={"Authorization": f"Bearer {LEAD_TOKEN}"},
                        json={"title": "Mánáidsuodjalusa dieđáhus", "region": REGION,
                              "description": "Guovllus lea eahpečielggasvuohta.",
                              "category": "interpretation", "submit": True})
    seen["created"] = created.status_code, created.get_data(as_text=True)
    reference = created.get_json()["reference"]
    with db.transaction() as session:
        due = session.scalar(select(Issue.due_at).where(Issue.reference == reference))
        seen["due_at"] = due.isoformat() if due else None
    seen["page"] = reader.get(f"/issues/{reference}").get_data(as_text=True)

    mails = []
    for path in sorted((runtime.settings().instance_path / "mail").glob("*.eml")):
        msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        mails.append({
            "to": str(msg["To"]), "subject": str(msg["Subject"]),
            "content_language": str(msg["Content-Language"]),
            "text": msg.get_body(("plain",)).get_content(),  # type: ignore[union-attr]
            "html": msg.get_body(("html",)).get_content(),  # type: ignore[union-attr]
        })
    seen["mails"] = mails
    out.write_text(json.dumps(seen), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
