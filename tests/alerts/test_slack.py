"""Slack Web API notifier against the fake Slack (tests/fakes/fake_slack.py) over real HTTP:
Block Kit shape, update in place, thread replies, resolve, crash recovery through metadata,
escaping of user-sourced text and email masking."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from alerts.notifiers import NotifyError, Reason, Reconciling

Kit = Any
EVIL = "<!channel> <https://evil|click>"


@pytest.fixture
def slack(harness_for: Callable[[str], tuple[Any, str]]) -> tuple[Any, Callable[..., Any]]:
    """(fake, build(**options) -> notifier)."""
    harness, base = harness_for("slack")
    return harness.fake, lambda **options: harness.build(base, **options)


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def test_first_delivery_posts_one_block_kit_message(slack: Any, kit: Kit) -> None:
    fake, build = slack
    firing = kit.alert(
        description="3 PATCH requests got 401",
        fix_hint="Rotate the SCIM token in the IdP",
        runbook_url="https://runbooks.example.com/scim-auth",
    )
    thread = build().notify(kit.notification(firing))
    assert thread == {"channel": "C0ALERTS", "ts": fake.top_level("C0ALERTS")[0]["ts"]}
    (call,) = fake.calls_to("chat.postMessage")
    blocks = call.args["blocks"]
    assert blocks[0]["type"] == "header"
    assert blocks[0]["text"]["text"].startswith(":rotating_light: [FIRING:1] ScimAuthFailing")
    section = next(b for b in blocks if b["type"] == "section")["text"]["text"]
    assert "ScimAuthFailing for acme" in section
    assert "3 PATCH requests got 401" in section
    assert "*Fix:* Rotate the SCIM token in the IdP" in section
    urls = [e["url"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert urls == [
        "https://runbooks.example.com/scim-auth",
        "https://scimwatch.example.com/alerts",
    ]
    assert blocks[-1]["type"] == "context"
    assert "team-identity" in blocks[-1]["elements"][0]["text"]
    assert call.args["metadata"] == {
        "event_type": "scimwatch_notification",
        "event_payload": {"id": "n-1", "group_key": kit.notification(firing).group_key},
    }
    assert call.args["text"] == "[FIRING:1] ScimAuthFailing (alertname=ScimAuthFailing app=acme)"


def test_later_delivery_updates_in_place_and_threads_new_evidence(slack: Any, kit: Kit) -> None:
    fake, build = slack
    notifier = build()
    first = kit.alert(summary="ann lost her groups")
    thread = notifier.notify(kit.notification(first))
    second = kit.alert(summary="bob lost his groups", user="bob")
    later = kit.notification(
        first, second, id="n-2", new=frozenset({second.fingerprint}), thread=thread
    )
    assert notifier.notify(later) == thread
    assert len(fake.top_level("C0ALERTS")) == 1
    (update,) = fake.calls_to("chat.update")
    assert update.args["ts"] == thread["ts"]
    message = fake.messages["C0ALERTS"][thread["ts"]]
    assert "[FIRING:2]" in message["blocks"][0]["text"]["text"]
    (reply,) = fake.replies("C0ALERTS", thread["ts"])
    assert "bob lost his groups" in _dump(reply["blocks"])
    assert "ann lost her groups" not in _dump(reply["blocks"])
    # no new evidence: update only, no further reply
    notifier.notify(kit.notification(first, second, id="n-3", new=frozenset(), thread=thread))
    assert len(fake.calls_to("chat.update")) == 2
    assert len(fake.replies("C0ALERTS", thread["ts"])) == 1


def test_resolve_updates_the_message_to_the_resolved_look(slack: Any, kit: Kit) -> None:
    fake, build = slack
    notifier = build()
    firing = kit.alert()
    thread = notifier.notify(kit.notification(firing))
    gone = kit.alert(resolved_at=1_767_225_900.0)
    notifier.notify(kit.notification(resolved=(gone,), id="n-2", new=frozenset(), thread=thread))
    message = fake.messages["C0ALERTS"][thread["ts"]]
    header = message["blocks"][0]["text"]["text"]
    assert header.startswith(":white_check_mark: [RESOLVED] ScimAuthFailing")
    assert "_(resolved)_" in _dump(message["blocks"])
    assert message["text"].startswith("[RESOLVED]")
    assert len(fake.top_level("C0ALERTS")) == 1


def test_deleted_message_is_posted_again_and_recovered(slack: Any, kit: Kit) -> None:
    fake, build = slack
    notifier = build()
    thread = notifier.notify(kit.notification(kit.alert()))
    del fake.messages["C0ALERTS"][thread["ts"]]
    later = kit.notification(kit.alert(), id="n-2", thread=thread)
    assert notifier.delivered(later) is None
    again = notifier.notify(later)
    assert again["ts"] != thread["ts"]
    assert [m["ts"] for m in fake.top_level("C0ALERTS")] == [again["ts"]]
    assert build().delivered(later) == again


def test_delivered_finds_a_post_and_a_reply_by_metadata(slack: Any, kit: Kit) -> None:
    fake, build = slack
    notifier = build()
    assert isinstance(notifier, Reconciling)
    first = kit.notification(kit.alert())
    assert notifier.delivered(first) is None
    thread = notifier.notify(first)  # "crash": the outbox never learns the thread
    fresh = build()  # a restarted daemon
    assert fresh.delivered(first) == thread
    assert fresh.delivered(kit.notification(kit.alert(), id="n-other")) is None
    history = fake.calls_to("conversations.history")
    assert history[-1].args["include_all_metadata"] in ("1", "true", True)

    second = kit.alert(user="bob")
    reply = kit.notification(
        kit.alert(), second, id="n-2", new=frozenset({second.fingerprint}), thread=thread
    )
    assert fresh.delivered(reply) is None
    fresh.notify(reply)
    assert fresh.delivered(reply) == thread
    assert fake.calls_to("conversations.replies")[-1].args["ts"] == thread["ts"]
    update_only = kit.notification(kit.alert(), id="n-3", new=frozenset(), thread=thread)
    assert fresh.delivered(update_only) is None  # an update is safe to repeat


def test_user_text_arrives_inert(slack: Any, kit: Kit) -> None:
    fake, build = slack
    evil = kit.alert(summary=f"userName {EVIL}", description="ping @here and @channel")
    notification = kit.notification(evil)
    notification = type(notification)(
        **{
            **{f: getattr(notification, f) for f in notification.__dataclass_fields__},
            "group_labels": {"app": "<!here>"},
        }
    )
    build().notify(notification)
    (call,) = fake.calls_to("chat.postMessage")
    recorded = _dump(call.args)
    for live in ("<!channel>", "<https://evil", "<!here>", "@here", "@channel"):
        assert live not in recorded
    assert "&lt;!channel&gt; &lt;https://evil|click&gt;" in recorded
    assert "@\u200dhere" in recorded


def test_mask_emails(slack: Any, kit: Kit) -> None:
    fake, build = slack
    leaky = kit.alert(summary="jane.doe@example.com was re-created", actor="admin@corp.example")
    build(mask_emails=True).notify(kit.notification(leaky))
    recorded = _dump(fake.calls_to("chat.postMessage")[0].args)
    assert "jane.doe@example.com" not in recorded and "admin@corp.example" not in recorded
    assert "j***@example.com was re-created" in recorded
    assert "a***@corp.example" in recorded
    build().notify(kit.notification(leaky, id="n-2"))
    assert "jane.doe@example.com" in _dump(fake.calls_to("chat.postMessage")[1].args)


@pytest.mark.parametrize(
    ("channel", "token", "reason"),
    [
        ("C0MISSING", None, Reason.CLIENT_ERROR),
        ("C0ALERTS", "xoxb-wrong-token", Reason.AUTH_ERROR),
    ],
)
def test_slack_error_codes_on_http_200(
    harness_for: Callable[[str], tuple[Any, str]],
    kit: Kit,
    channel: str,
    token: str | None,
    reason: Reason,
) -> None:
    harness, base = harness_for("slack")
    raw, environ = harness.config(base)
    harness.config = lambda _b: (
        {**raw, "channel": channel},
        {"SLACK_TOKEN": token or environ["SLACK_TOKEN"]},
    )
    with pytest.raises(NotifyError) as caught:
        harness.build(base).notify(kit.notification(kit.alert()))
    assert (caught.value.reason, caught.value.recoverable) == (reason, False)
    assert "xoxb-" not in str(caught.value)
    # the SDK's exception holds the request (and its Authorization header): never chained
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_too_many_alerts_are_counted_not_shown(slack: Any, kit: Kit) -> None:
    fake, build = slack
    alerts = [kit.alert(user=f"u{i}", summary=f"user u{i}") for i in range(30)]
    build(max_alerts=5).notify(kit.notification(*alerts))
    blocks = fake.calls_to("chat.postMessage")[0].args["blocks"]
    assert len(blocks) <= 50
    assert "…and 25 more alert(s) not shown" in _dump(blocks)
    assert sum(1 for b in blocks if b["type"] == "section") == 5


def test_html_error_page_from_a_proxy_is_a_server_error(slack: Any, kit: Kit) -> None:
    fake, build = slack
    fake.fail(502, html=True)
    with pytest.raises(NotifyError) as caught:
        build().notify(kit.notification(kit.alert()))
    assert (caught.value.reason, caught.value.recoverable) == (Reason.SERVER_ERROR, True)
    assert "<html" not in str(caught.value)
