"""Settings from the environment: numbers are checked, and a refusal names the variable."""

from __future__ import annotations

import pytest

from escalation.config import SettingError, Settings

BASE = {"AUDIT_KEY": "k", "SECRET_KEY": "k"}


def test_proxy_hops_and_session_limits_are_read() -> None:
    default = Settings.from_env(BASE)
    assert (default.proxy_hops, default.session_idle_minutes, default.session_max_days) == (
        0, 480, 7)
    s = Settings.from_env({**BASE, "PROXY_HOPS": "1", "SESSION_IDLE_MINUTES": "30",
                           "SESSION_MAX_DAYS": "2"})
    assert (s.proxy_hops, s.session_idle_minutes, s.session_max_days) == (1, 30, 2)


def test_numbers_and_lists_are_read() -> None:
    s = Settings.from_env({**BASE, "REPORT_ROLLUP_FROM": "0", "REPORT_ROLLUP_EVERY": "60",
                           "NOTIFY_RETRY_INTERVALS": "5, 30", "NOTIFY_SWEEP_EVERY": ""})
    assert (s.rollup_from, s.rollup_every, s.retry_intervals) == (0, 60, (5, 30))
    assert s.sweep_every == Settings.sweep_every  # empty keeps the default


@pytest.mark.parametrize(("name", "value"), [
    ("REPORT_ROLLUP_FROM", "abc"), ("REPORT_ROLLUP_FROM", "-1"), ("REPORT_ROLLUP_EVERY", "0"),
    ("NOTIFY_SWEEP_EVERY", "1.5"), ("NOTIFY_STALE_AFTER", "ten"),
    ("NOTIFY_RETRY_INTERVALS", "10,x"), ("PROXY_HOPS", "-1"), ("PROXY_HOPS", "one"),
    ("SESSION_IDLE_MINUTES", "0"), ("SESSION_MAX_DAYS", "1.5"),
    ("READY_OUTBOX_AGE", "-5"), ("READY_ROLLUP_AGE", "soon"), ("METRICS_ALLOW", "10.0.0.0/33"),
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


def test_readiness_limits_and_metrics_access_are_read() -> None:
    default = Settings.from_env(BASE)
    assert (default.ready_outbox_age, default.rollup_age_limit) == (3600, 900)
    assert (default.metrics_token, default.metrics_allow) == ("", ())
    # The rollup's limit follows its refresh interval unless set; 0 turns a check off.
    assert Settings.from_env({**BASE, "REPORT_ROLLUP_EVERY": "60"}).rollup_age_limit == 180
    s = Settings.from_env({**BASE, "READY_OUTBOX_AGE": "0", "READY_ROLLUP_AGE": "0",
                           "METRICS_TOKEN": "t", "METRICS_ALLOW": "127.0.0.1, 10.0.0.0/8,::1"})
    assert (s.ready_outbox_age, s.rollup_age_limit, s.metrics_token) == (0, 0, "t")
    assert [str(n) for n in s.metrics_allow] == ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]
