"""Progress on long work (the generator, `verify-audit`, the report rollup's refresh):
a bar on a terminal, nothing at all elsewhere (logs, CI, a pipe).

tqdm rather than rich: it has no dependencies of its own (rich brings a Markdown parser
and a syntax highlighter the service would never use), it draws on the plain stderr
stream the commands already write to, and a bar that is off costs one attribute check
per update. The work itself only calls a `Progress` callback (advance, total), so the
core knows nothing of bars and a test or a caller may pass its own.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from tqdm import tqdm

# Called with how much more is done and how much there is in all (0: not known yet).
Progress = Callable[[int, int], None]


def on_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(callable(isatty) and isatty())


@contextmanager
def bar(what: str, unit: str, stream: TextIO | None = None) -> Iterator[Progress]:
    """A bar on `stream` (stderr) when it is a terminal, removed when the work ends; off a
    terminal, a callback that does nothing."""
    out = stream if stream is not None else sys.stderr
    shown = tqdm(desc=what, unit=unit, file=out, disable=not on_terminal(out), leave=False,
                 unit_scale=True, dynamic_ncols=True)

    def advance(done: int, total: int) -> None:
        if total and shown.total != total:
            shown.total = total
            shown.refresh()
        shown.update(done)

    try:
        yield advance
    finally:
        shown.close()
