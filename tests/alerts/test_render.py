"""Escaping, masking and Retry-After parsing: the pure helpers every notifier relies on."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts.notifiers._common import retry_after, status_error
from alerts.notifiers._render import Renderer, mask_emails, safe_url
from alerts.notifiers.base import Reason


def test_mrkdwn_escapes_control_syntax_and_mentions() -> None:
    text = Renderer().mrkdwn("a & b <!channel> <https://evil|click> @here @Everyone")
    assert text == (
        "a &amp; b &lt;!channel&gt; &lt;https://evil|click&gt; @\u200dhere @\u200dEveryone"
    )


@given(st.text())
def test_mrkdwn_never_leaves_an_angle_bracket(text: str) -> None:
    out = Renderer(mask=True).mrkdwn(text)
    assert "<" not in out and ">" not in out


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("jane.doe@example.com", "j***@example.com"),
        ("by a@b.io and x_y+z@sub.corp.example.", "by a***@b.io and x***@sub.corp.example."),
        ("no email @ here", "no email @ here"),
    ],
)
def test_mask_emails(text: str, masked: str) -> None:
    assert mask_emails(text) == masked


def test_safe_url_only_links_plain_http_urls() -> None:
    assert safe_url("https://runbooks.example.com/a?b=1") == "https://runbooks.example.com/a?b=1"
    for bad in ("javascript:alert(1)", "https://x|click", "https://a b", "ftp://x", "", None):
        assert safe_url(bad) is None


def test_retry_after_seconds_and_http_date() -> None:
    assert retry_after("30", 0.0) == 30.0
    assert retry_after("Thu, 01 Jan 2026 00:01:00 GMT", 1_767_225_600.0) == 60.0
    assert retry_after("soon", 0.0) is None
    assert retry_after(None, 0.0) is None


def test_status_error_carries_retry_after_only_when_recoverable() -> None:
    err = status_error("x", 503, retry_after_s=5)
    assert err is not None and (err.reason, err.recoverable, err.retry_after) == (
        Reason.SERVER_ERROR,
        True,
        5,
    )
    assert status_error("x", 204) is None
    other = status_error("x", 302)
    assert other is not None and (other.reason, other.recoverable) == (Reason.OTHER, False)
