"""A fake PagerDuty Events API v2 (`POST /v2/enqueue`), per PagerDuty's developer docs.

- 202 `{"status": "success", "message": "Event processed", "dedup_key": ...}`;
- 400 `{"status": "invalid event", "message": "Event object is invalid", "errors": [...]}` when
  a required field is missing or wrong: `routing_key` (must be a known key), `event_action`
  (`trigger`/`acknowledge`/`resolve`), `dedup_key` longer than 255 or missing on
  acknowledge/resolve, and for a trigger `payload.summary` (1-1024 characters),
  `payload.source`, `payload.severity` (`critical`/`error`/`warning`/`info`);
- `fail(status, count=None, retry_after=None)`: 429 / 5xx until `recover()` or `count` requests;
- alert bookkeeping as PagerDuty documents it for `dedup_key`: a trigger
  opens an alert for its `dedup_key`, or, while that alert is open, is deduplicated into it (202,
  a log entry, no new alert and no new page); a resolve closes the open alert and is dropped when
  none is open; a trigger after a resolve opens a new alert. `incidents[dedup_key]` counts
  alerts `opened`, trigger events received (`triggers`), those `deduplicated` into an open alert,
  and `resolved`.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

__all__ = ["FakePagerDuty", "Incident"]

_ACTIONS = ("trigger", "acknowledge", "resolve")
_SEVERITIES = ("critical", "error", "warning", "info")


@dataclass
class Incident:
    """What happened to one `dedup_key`."""

    opened: int = 0
    triggers: int = 0
    deduplicated: int = 0
    resolved: int = 0
    open: bool = False
    last_payload: dict[str, Any] = field(default_factory=dict)


@dataclass
class FakePagerDuty:
    """Valid `routing_keys`; every request in `events` (valid or not); `incidents` by key."""

    routing_keys: set[str]
    events: list[dict[str, Any]] = field(default_factory=list)
    incidents: dict[str, Incident] = field(default_factory=dict)
    _fault: tuple[int, int | None, int | None] | None = None

    def fail(self, status: int, count: int | None = None, retry_after: int | None = None) -> None:
        self._fault = (status, count, retry_after)

    def recover(self) -> None:
        self._fault = None

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v2/enqueue", self._enqueue, methods=["POST"])])

    def _faulted(self) -> Response | None:
        if self._fault is None:
            return None
        status, count, wait = self._fault
        if count is not None:
            self._fault = (status, count - 1, wait) if count > 1 else None
        headers = {"Retry-After": str(wait)} if wait is not None else {}
        body = (
            {
                "status": "throttle event",
                "message": "Requests for this service are arriving "
                "too quickly.  Please retry later.",
            }
            if status == 429
            else {"status": "error"}
        )
        return JSONResponse(body, status, headers=headers)

    async def _enqueue(self, request: Request) -> Response:
        try:
            event = json.loads(await request.body())
        except ValueError:
            event = None
        self.events.append(event if isinstance(event, dict) else {"_invalid": True})
        faulted = self._faulted()
        if faulted is not None:
            return faulted
        errors = self._errors(event)
        if errors:
            return JSONResponse(
                {"status": "invalid event", "message": "Event object is invalid", "errors": errors},
                400,
            )
        assert isinstance(event, dict)
        key = str(event.get("dedup_key") or uuid.uuid4().hex)
        self._apply(key, event)
        return JSONResponse(
            {"status": "success", "message": "Event processed", "dedup_key": key}, 202
        )

    def _errors(self, event: Any) -> list[str]:
        if not isinstance(event, dict):
            return ["Event object must be JSON"]
        errors: list[str] = []
        if event.get("routing_key") not in self.routing_keys:
            errors.append("Invalid routing key")
        action = event.get("event_action")
        if action not in _ACTIONS:
            errors.append(
                "'event_action' is invalid (must be one of trigger, acknowledge, resolve)"
            )
        key = event.get("dedup_key")
        if key is not None and (not isinstance(key, str) or len(key) > 255):
            errors.append("'dedup_key' must be a string of at most 255 characters")
        if action in ("acknowledge", "resolve") and not key:
            errors.append("'dedup_key' is required for acknowledge and resolve")
        if action == "trigger":
            errors.extend(_payload_errors(event.get("payload")))
        return errors

    def _apply(self, key: str, event: dict[str, Any]) -> None:
        incident = self.incidents.setdefault(key, Incident())
        if event["event_action"] == "trigger":
            incident.triggers += 1
            incident.last_payload = event["payload"]
            if incident.open:
                incident.deduplicated += 1
            else:
                incident.open = True
                incident.opened += 1
        elif event["event_action"] == "resolve" and incident.open:
            incident.open = False
            incident.resolved += 1


def _payload_errors(payload: Any) -> list[str]:
    if not isinstance(payload, dict):
        return ["'payload' is missing or not an object"]
    errors = []
    summary = payload.get("summary")
    if not isinstance(summary, str) or not 1 <= len(summary) <= 1024:
        errors.append("'payload.summary' is missing or longer than 1024 characters")
    if not isinstance(payload.get("source"), str) or not payload["source"]:
        errors.append("'payload.source' is missing")
    if payload.get("severity") not in _SEVERITIES:
        errors.append(
            "'payload.severity' is invalid (must be one of critical, error, warning, info)"
        )
    return errors
