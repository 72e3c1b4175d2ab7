"""Slack incoming webhooks: the same inert Block Kit message, one POST per delivery."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

Kit = Any


def test_posts_blocks_each_time_and_keeps_no_thread(
    harness_for: Callable[[str], tuple[Any, str]], kit: Kit
) -> None:
    harness, base = harness_for("slack_webhook")
    notifier = harness.build(base)
    evil = kit.alert(summary="<!channel> <https://evil|click> @everyone")
    assert notifier.notify(kit.notification(evil)) == {}
    gone = kit.alert(resolved_at=1_767_226_000.0)
    assert notifier.notify(kit.notification(resolved=(gone,), id="n-2")) == {}
    first, second = harness.fake.webhook_posts
    assert first["blocks"][0]["type"] == "header"
    assert second["blocks"][0]["text"]["text"].startswith(":white_check_mark: [RESOLVED]")
    assert [p["metadata"] for p in (first, second)] == [
        {"event_type": "scimwatch_notification", "event_payload": {"id": i, "group_key": key}}
        for i, key in (("n-1", kit.notification().group_key), ("n-2", kit.notification().group_key))
    ]
    recorded = json.dumps(first, ensure_ascii=False)
    for live in ("<!channel>", "<https://evil", "@everyone"):
        assert live not in recorded
    assert "&lt;!channel&gt;" in recorded
