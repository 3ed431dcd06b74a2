"""Rendered public pages kept in the process for readers who are nobody in particular.

The register's pages (api/web/register.py) are the same for every anonymous reader of one
address in one language until a public issue changes, and at national scale they are read
far more often than they change: rendering one again for each reader was most of its cost
(a million issues: 10 to 12 ms a page, of which the database is 3). So an answer is kept
here under its ETag, whose basis already names everything the answer shows (the newest
change of any public issue, the address with its query, the language) and is read anew
on each request. A change of any public issue makes a new ETag, so a kept answer is never
shown after the register changed; and none is kept longer than it lets a shared cache keep
its copy without asking (`Cache-Control: max-age`), which bounds what the ETag does not
name (a region renamed by an administrator) by the same rule a proxy already follows.

Kept and served only for a request that carries no session cookie and is not signed in
(`shareable`), and only a 200 that set no cookie: a reader with a session may have a
notice waiting (a flash) or a language chosen in it, and their page is rendered for them.

Each process keeps its own (gunicorn's workers alike), bounded by size
(`PUBLIC_PAGE_CACHE_MB`, 0 keeps nothing), the least recently used forgotten first.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import Counter
from werkzeug.wrappers import Response

LOOKUPS = Counter("escalation_public_page_cache",
                  "The public register's answers for anonymous readers: served from the "
                  "process's kept copy (hit) or rendered (miss).", ["outcome"])

# What of a rendered answer is kept: its own headers (the caller sets ETag, Cache-Control
# and Vary on every answer alike, kept or not).
_KEPT_HEADERS = ("Content-Type", "Link", "Content-Disposition")


@dataclass(frozen=True)
class _Kept:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    until: float  # on the monotonic clock


class PageCache:
    """Answers by key, at most `max_bytes` of bodies, each for `seconds`."""

    def __init__(self, max_bytes: int, seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_bytes = max_bytes
        self.seconds = seconds
        self.clock = clock
        self._kept: OrderedDict[str, _Kept] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        """The bytes of the bodies kept now."""
        return self._bytes

    def get(self, key: str) -> Response | None:
        """A fresh copy of the answer kept under `key`, or None (never kept, too old,
        forgotten)."""
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and kept.until <= self.clock():
                self._drop(key)
                kept = None
            if kept is not None:
                self._kept.move_to_end(key)
        LOOKUPS.labels("hit" if kept is not None else "miss").inc()
        if kept is None:
            return None
        response = Response(kept.body, status=kept.status)
        for name, value in kept.headers:
            response.headers[name] = value
        return response

    def put(self, key: str, response: Response) -> None:
        """Keep `response` if it may be kept: a whole 200 that sets no cookie and is no
        larger than a quarter of the room (so one large answer cannot empty the rest)."""
        if (response.status_code != 200 or response.is_streamed
                or "Set-Cookie" in response.headers):
            return
        body = response.get_data()
        if len(body) * 4 > self.max_bytes:
            return
        headers = tuple((name, response.headers[name]) for name in _KEPT_HEADERS
                        if name in response.headers)
        with self._lock:
            if key in self._kept:
                self._drop(key)
            self._kept[key] = _Kept(response.status_code, headers, body,
                                    self.clock() + self.seconds)
            self._bytes += len(body)
            while self._bytes > self.max_bytes:
                self._drop(next(iter(self._kept)))

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self._bytes = 0

    def _drop(self, key: str) -> None:
        self._bytes -= len(self._kept.pop(key).body)


__all__ = ["LOOKUPS", "PageCache"]
