"""A fake Slack: the Web API methods scimwatch calls, and incoming webhooks.

Why a fake server: update in place, thread replies and crash recovery through message metadata
only mean something against a server that keeps messages. Shapes follow Slack's method docs:

- every Web API answer is HTTP 200 with `{"ok": true, ...}` or `{"ok": false, "error": code}`;
  the token comes as `Authorization: Bearer` (or a `token` parameter): missing -> `not_authed`,
  wrong -> `invalid_auth`; arguments come as JSON, form body or query string;
- `auth.test`; `chat.postMessage` (`channel_not_found`, `no_text`, `invalid_blocks`,
  `thread_not_found`; answers `channel`, `ts`, `message`); `chat.update` (`message_not_found`);
  `conversations.history` (top-level messages newest first, `oldest`/`latest`, `limit`, `cursor`)
  and `conversations.replies` (parent then replies): a message's `metadata` is included only with
  `include_all_metadata`;
- `POST /services/...`: incoming webhooks; `200 ok`, `404 no_service`, `400 invalid_payload`;
- `fail(status, count=None, retry_after=None)`: the next `count` requests (all while None) get
  that HTTP status (429 with `Retry-After` and `ratelimited`) until `recover()`;
- `calls` records every request (path, method name, arguments) in order.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from monitor.clock import Clock

__all__ = ["Call", "FakeSlack"]

_METHODS = (
    "auth.test",
    "chat.postMessage",
    "chat.update",
    "conversations.history",
    "conversations.replies",
)


@dataclass
class Call:
    """One request as the fake saw it."""

    path: str
    method: str
    args: dict[str, Any]


@dataclass
class _Fault:
    status: int
    remaining: int | None
    retry_after: int | None
    html: bool


@dataclass
class FakeSlack:
    """State: channels, their messages (`ts` -> message), thread replies, recorded calls."""

    clock: Clock
    token: str
    channels: dict[str, str] = field(default_factory=lambda: {"C0ALERTS": "alerts"})
    webhook_path: str = "/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX"
    calls: list[Call] = field(default_factory=list)
    messages: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    webhook_posts: list[dict[str, Any]] = field(default_factory=list)
    _fault: _Fault | None = None
    _seq: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(
        self,
        status: int,
        count: int | None = None,
        retry_after: int | None = None,
        html: bool = False,
    ) -> None:
        """Answer `status` (an HTML page when `html`, as a failing edge proxy does)."""
        self._fault = _Fault(status, count, retry_after, html)

    def recover(self) -> None:
        self._fault = None

    def app(self) -> Starlette:
        routes = [Route(f"/api/{m}", self._api, methods=["GET", "POST"]) for m in _METHODS]
        routes.append(Route("/services/{rest:path}", self._webhook, methods=["POST"]))
        return Starlette(routes=routes)

    def top_level(self, channel: str) -> list[dict[str, Any]]:
        """Messages that are not replies, oldest first."""
        found = self.messages.get(channel, {}).values()
        return [m for m in found if m.get("thread_ts", m["ts"]) == m["ts"]]

    def replies(self, channel: str, ts: str) -> list[dict[str, Any]]:
        found = self.messages.get(channel, {}).values()
        return [m for m in found if m.get("thread_ts") == ts and m["ts"] != ts]

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def _faulted(self) -> Response | None:
        fault = self._fault
        if fault is None:
            return None
        if fault.remaining is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._fault = None
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        if fault.html:
            page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
            return HTMLResponse(page, fault.status, headers=headers)
        code = "ratelimited" if fault.status == 429 else f"http_{fault.status}"
        return JSONResponse({"ok": False, "error": code}, fault.status, headers=headers)

    async def _api(self, request: Request) -> Response:
        method = request.url.path.rsplit("/", 1)[-1]
        args = await _arguments(request)
        self.calls.append(Call(request.url.path, method, args))
        faulted = self._faulted()
        if faulted is not None:
            return faulted
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        token = token or str(args.get("token", ""))
        if not token:
            return _error("not_authed")
        if token != self.token:
            return _error("invalid_auth")
        with self._lock:
            return JSONResponse(self._dispatch(method, args))

    def _dispatch(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://scimwatch-test.slack.com/",
                "team": "Test",
                "user": "scimwatch",
                "team_id": "T0000",
                "user_id": "U0000",
                "bot_id": "B0000",
            }
        channel = self._channel(str(args.get("channel", "")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        handler = {
            "chat.postMessage": self._post,
            "chat.update": self._update,
            "conversations.history": self._history,
            "conversations.replies": self._replies,
        }[method]
        return handler(channel, args)

    def _channel(self, name: str) -> str | None:
        name = name.removeprefix("#")
        if name in self.channels:
            return name
        return next((cid for cid, cname in self.channels.items() if cname == name), None)

    def _next_ts(self) -> str:
        self._seq += 1
        return f"{int(self.clock.now())}.{self._seq:06d}"

    def _post(self, channel: str, args: dict[str, Any]) -> dict[str, Any]:
        problem = _content_problem(args)
        if problem:
            return {"ok": False, "error": problem}
        thread_ts = args.get("thread_ts")
        if thread_ts and thread_ts not in self.messages.get(channel, {}):
            return {"ok": False, "error": "thread_not_found"}
        ts = self._next_ts()
        message = {
            "type": "message",
            "user": "U0000",
            "bot_id": "B0000",
            "ts": ts,
            "text": args.get("text", ""),
            "blocks": args.get("blocks", []),
        }
        if thread_ts:
            message["thread_ts"] = thread_ts
        metadata = args.get("metadata")
        if metadata is not None:
            if not isinstance(metadata, dict) or "event_type" not in metadata:
                return {"ok": False, "error": "invalid_metadata_format"}
            message["metadata"] = metadata
        self.messages.setdefault(channel, {})[ts] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": _public(message, True)}

    def _update(self, channel: str, args: dict[str, Any]) -> dict[str, Any]:
        message = self.messages.get(channel, {}).get(str(args.get("ts", "")))
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        problem = _content_problem(args)
        if problem:
            return {"ok": False, "error": problem}
        message["text"] = args.get("text", "")
        message["blocks"] = args.get("blocks", [])
        message["edited"] = {"user": "U0000", "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": channel,
            "ts": message["ts"],
            "text": message["text"],
            "message": _public(message, True),
        }

    def _history(self, channel: str, args: dict[str, Any]) -> dict[str, Any]:
        oldest = float(args.get("oldest") or 0)
        latest = float(args.get("latest") or 1e12)
        found = [m for m in reversed(self.top_level(channel)) if oldest < float(m["ts"]) <= latest]
        return _page(found, args)

    def _replies(self, channel: str, args: dict[str, Any]) -> dict[str, Any]:
        ts = str(args.get("ts", ""))
        parent = self.messages.get(channel, {}).get(ts)
        if parent is None:
            return {"ok": False, "error": "thread_not_found"}
        return _page([parent, *self.replies(channel, ts)], args)

    async def _webhook(self, request: Request) -> Response:
        body = await request.body()
        self.calls.append(Call(request.url.path, "webhook", _json(body)))
        faulted = self._faulted()
        if faulted is not None:
            return faulted
        if request.url.path != self.webhook_path:
            return PlainTextResponse("no_service", 404)
        payload = _json(body)
        if not payload.get("text") and not payload.get("blocks"):
            return PlainTextResponse("invalid_payload", 400)
        self.webhook_posts.append(payload)
        return PlainTextResponse("ok")


def _error(code: str) -> Response:
    return JSONResponse({"ok": False, "error": code})


def _json(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


async def _arguments(request: Request) -> dict[str, Any]:
    """Slack accepts JSON bodies, form bodies and query strings alike."""
    args: dict[str, Any] = dict(request.query_params)
    body = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        args.update(_json(body))
    elif body:
        args.update(parse_qsl(body.decode()))
    for key in ("blocks", "metadata"):
        if isinstance(args.get(key), str):  # form-encoded JSON fields
            args[key] = json.loads(args[key])
    return args


def _content_problem(args: dict[str, Any]) -> str | None:
    blocks = args.get("blocks")
    if not args.get("text") and not blocks:
        return "no_text"
    if blocks is not None and (
        not isinstance(blocks, list)
        or len(blocks) > 50
        or not all(isinstance(b, dict) and "type" in b for b in blocks)
    ):
        return "invalid_blocks"
    return None


def _truthy(value: Any) -> bool:
    return str(value).lower() in ("1", "true")


def _public(message: dict[str, Any], metadata: bool) -> dict[str, Any]:
    return {k: v for k, v in message.items() if metadata or k != "metadata"}


def _page(found: list[dict[str, Any]], args: dict[str, Any]) -> dict[str, Any]:
    start = int(args.get("cursor") or 0)
    limit = int(args.get("limit") or 100)
    chunk = found[start : start + limit]
    more = start + limit < len(found)
    meta = _truthy(args.get("include_all_metadata", False))
    return {
        "ok": True,
        "messages": [_public(m, meta) for m in chunk],
        "has_more": more,
        "pin_count": 0,
        "response_metadata": {"next_cursor": str(start + limit) if more else ""},
    }
