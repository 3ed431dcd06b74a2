"""Settings from the environment: numbers are checked, and a refusal names the variable."""

from __future__ import annotations

import pytest

from escalation.config import SettingError, Settings

BASE = {"AUDIT_KEY": "k", "SECRET_KEY": "k"}


def test_numbers_and_lists_are_read() -> None:
    s = Settings.from_env({**BASE, "REPORT_ROLLUP_FROM": "0", "REPORT_ROLLUP_EVERY": "60",
                           "NOTIFY_RETRY_INTERVALS": "5, 30", "NOTIFY_SWEEP_EVERY": ""})
    assert (s.rollup_from, s.rollup_every, s.retry_intervals) == (0, 60, (5, 30))
    assert s.sweep_every == Settings.sweep_every  # empty keeps the default


@pytest.mark.parametrize(("name", "value"), [
    ("REPORT_ROLLUP_FROM", "abc"), ("REPORT_ROLLUP_FROM", "-1"), ("REPORT_ROLLUP_EVERY", "0"),
    ("NOTIFY_SWEEP_EVERY", "1.5"), ("NOTIFY_STALE_AFTER", "ten"),
    ("NOTIFY_RETRY_INTERVALS", "10,x"),
])
def test_a_bad_value_is_refused_by_name(name: str, value: str) -> None:
    with pytest.raises(SettingError) as refused:
        Settings.from_env({**BASE, name: value})
    assert name in str(refused.value)
    assert repr(value) in str(refused.value)


def test_the_body_limit_is_read_and_checked() -> None:
    assert Settings.from_env(BASE).max_content_length == 1024 * 1024
    assert Settings.from_env({**BASE, "MAX_CONTENT_LENGTH": "2097152"}).max_content_length == (
        2 * 1024 * 1024)
    for bad in ("1mb", "100"):  # not a number; too small for any form
        with pytest.raises(SettingError, match="MAX_CONTENT_LENGTH"):
            Settings.from_env({**BASE, "MAX_CONTENT_LENGTH": bad})
