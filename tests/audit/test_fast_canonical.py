"""The verifier's and the bulk loader's event text is byte for byte `canonical(body(...))`.

If the two ever differed, every chain written by one would read as broken to the other.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from escalation import audit

KEY = b"k" * 32

_json_leaf = st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False)
_json = st.recursive(
    _json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
_states = st.none() | st.sampled_from(["draft", "submitted", "closed"]) | st.text()
_events = st.builds(
    SimpleNamespace,
    seq=st.integers(min_value=1, max_value=10**9),
    at=st.datetimes(timezones=st.just(dt.UTC)),
    actor_id=st.none() | st.integers(min_value=1, max_value=2**62),
    actor=st.text(),
    action=st.text(),
    from_state=_states,
    to_state=_states,
    data=st.dictionaries(st.text(), _json, max_size=4),
)


def _fast(reference: str, e: Any) -> str:
    return audit.event_text(reference, e.seq, audit.at_text(e.at), e.actor_id, e.actor, e.action,
                            e.from_state, e.to_state, audit.data_text(e.data))


@given(reference=st.text(), event=_events)
def test_event_text_is_the_canonical_body(reference: str, event: Any) -> None:
    assert _fast(reference, event).encode() == audit.canonical(audit.body(reference, event))


@given(reference=st.text(), event=_events, prev=st.text(alphabet="0123456789abcdef", min_size=64,
                                                        max_size=64))
def test_hasher_gives_the_chain_hash(reference: str, event: Any, prev: str) -> None:
    chain = audit.hasher(KEY)
    expected = audit.chain_hash(KEY, prev, audit.body(reference, event))
    assert chain(prev, _fast(reference, event)) == expected


def test_finnish_and_swedish_letters_stay_as_they_are() -> None:
    event = SimpleNamespace(seq=1, at=dt.datetime(2026, 11, 23, tzinfo=dt.UTC), actor_id=None,
                            actor="system", action="create", from_state=None, to_state="draft",
                            data={"title": "Lapsen etu ja välfärdsområde – äö", "n": [1, 2.5]})
    text = _fast("ESC-2026-0001", event)
    assert "välfärdsområde – äö" in text
    assert text.encode() == audit.canonical(audit.body("ESC-2026-0001", event))
