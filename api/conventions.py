"""HTTP's own conventions, kept in one place so every view gets them without a line of its
own: entity tags and conditional requests, `Link` headers on pages, and trailing slashes.

- **ETag and If-None-Match.** A GET of the API answered with JSON carries a strong ETag of
  its body; a client sending it back in `If-None-Match` gets 304 and no body. The tag is a
  hash of what this reader was sent, so two readers who see different things never share
  one. A resource with a `version` (an issue, a meeting) puts that version first in its tag,
  `"<version>-<hash>"`, so the tag can also say which version it was.
- **If-Match** is the twin of `expected_version` on every request that takes one: a client
  may send back the ETag it read instead of the version. A stale tag answers 412 Precondition
  Failed, as HTTP has it, with the same problem body a stale `expected_version` gets with
  409 (its `current_version` says what to reload). Both given and disagreeing: 422.
- **Link** headers (RFC 8288) on every page of a list: `first`, `prev`, `next`, `last`, with
  the request's own filters kept.
- **A trailing slash** on an address that exists without one answers 308 to that address
  (method and body kept), instead of a 404 a person cannot make sense of.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, g, redirect, request
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

# `"12-…"`, with or without W/: the version a client read, as the ETag said it.
_VERSIONED_TAG = re.compile(r'^(?:W/)?"(\d{1,18})-[0-9a-f]+"$')
IF_MATCH = "If-Match"


def version_from_if_match() -> int | None:
    """The version named by the request's If-Match, None without one.

    Raises ValueError with a reader's message for a header that names no version of ours
    (a list, `*`, a tag of another kind)."""
    header = request.headers.get(IF_MATCH)
    if header is None:
        return None
    found = _VERSIONED_TAG.match(header.strip())
    if found is None:
        raise ValueError("Send the ETag of the issue as you read it (one tag, as given), "
                         "or use expected_version.")
    g.version_from_if_match = True
    return int(found.group(1))


def precondition_failed() -> bool:
    """Whether a version conflict of this request came from If-Match (412, not 409)."""
    return bool(g.get("version_from_if_match"))


def _etag(body: bytes, data: Any) -> str:
    digest = hashlib.sha256(body).hexdigest()[:32]
    version = data.get("version") if isinstance(data, Mapping) else None
    if isinstance(version, int) and not isinstance(version, bool):
        return f"{version}-{digest}"
    return digest


def link_header(page: int, per_page: int, total: int) -> str | None:
    """RFC 8288 links to a list's first, previous, next and last pages, keeping the
    request's other parameters; None for a list that fits on one page."""
    last = max(1, -(-total // per_page))
    if last == 1 and page == 1:
        return None
    kept = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]

    def url(number: int) -> str:
        return f"{request.path}?{urlencode([*kept, ('page', str(number))])}"

    links = [(1, "first")]
    if page > 1:
        links.append((min(page - 1, last), "prev"))
    if page < last:
        links.append((page + 1, "next"))
    links.append((last, "last"))
    return ", ".join(f'<{url(n)}>; rel="{rel}"' for n, rel in links)


def _is_page(data: Any) -> bool:
    return (isinstance(data, Mapping) and isinstance(data.get("items"), list)
            and all(isinstance(data.get(k), int) and not isinstance(data.get(k), bool)
                    for k in ("page", "per_page", "total"))
            and data["per_page"] > 0)


def _after(response: Response) -> Response:
    """The Link and ETag of a JSON answer to a GET of the API (its body read once)."""
    if (request.method not in ("GET", "HEAD") or response.status_code != 200
            or not request.path.startswith("/api/v1/") or response.is_streamed
            or response.mimetype != "application/json"):
        return response
    body = response.get_data()
    try:
        data = json.loads(body)
    except ValueError:
        return response
    if _is_page(data) and "Link" not in response.headers:
        link = link_header(data["page"], data["per_page"], data["total"])
        if link:
            response.headers["Link"] = link
    if "ETag" not in response.headers:
        response.set_etag(_etag(body, data))
        response = response.make_conditional(request)
    return response


def _slash(app: Flask) -> Any:
    """308 from `/x/` to `/x` where only `/x` exists; anything else goes on as it was."""
    if not isinstance(request.routing_exception, NotFound) or isinstance(
            request.routing_exception, RequestRedirect):
        return None
    path = request.path
    if len(path) < 2 or not path.endswith("/"):
        return None
    bare = path.rstrip("/") or "/"
    if bare.startswith("//"):  # never a redirect that reads as another host's address
        return None
    adapter = app.url_map.bind_to_environ(request.environ)
    try:
        adapter.match(bare, method=request.method)
    except MethodNotAllowed:
        pass  # the address exists; its own 405 follows the redirect
    except (NotFound, RequestRedirect):
        return None
    query = request.query_string.decode("latin-1")
    target = request.script_root + bare
    return redirect(f"{target}?{query}" if query else target, code=308)


def init_app(app: Flask) -> None:
    app.before_request(lambda: _slash(app))
    app.after_request(_after)


def problem_status(status: int) -> int:
    """409 for a stale `expected_version`, 412 for a stale If-Match."""
    return 412 if status == 409 and precondition_failed() else status

