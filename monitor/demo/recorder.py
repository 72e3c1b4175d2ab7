"""Writes each SCIM exchange as one line of the app's access log (contract section 3).

Five shapes: flat JSON with bodies as JSON values (`flat`) or as strings holding JSON
(`flat_str`), ECS JSON with nested objects (`ecs`) or dotted keys (`ecs_dotted`), and nginx
combined with `$request_time` (`combined`, no bodies). Lines are buffered and appended whole,
with one write per batch, so a tailer never sees half a line.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from monitor.demo.wire import Json, Request, Response

__all__ = ["Exchange", "Recorder", "rfc3339"]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_FLUSH_BYTES = 1 << 20


def rfc3339(t: float) -> str:
    """RFC 3339 UTC with milliseconds, as the contract asks for."""
    seconds, ms = divmod(int(t * 1000), 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{ms:03d}Z"


def _clf_time(t: float) -> str:
    g = time.gmtime(int(t))
    day = f"{g.tm_mday:02d}/{_MONTHS[g.tm_mon - 1]}/{g.tm_year}"
    return f"{day}:{g.tm_hour:02d}:{g.tm_min:02d}:{g.tm_sec:02d} +0000"


class Exchange:
    """One request/response pair as the SP's access log sees it."""

    __slots__ = ("app", "client_ip", "latency", "path", "request", "request_id", "response", "t")

    def __init__(
        self,
        *,
        app: str,
        t: float,
        path: str,
        request: Request,
        response: Response,
        latency: float,
        request_id: str,
        client_ip: str,
    ) -> None:
        self.app, self.t, self.path = app, t, path
        self.request, self.response, self.latency = request, response, latency
        self.request_id, self.client_ip = request_id, client_ip


def _dumps(body: Json) -> str:
    return orjson.dumps(body).decode()


def _retry_after(response: Response) -> str | None:
    return response.headers.get("Retry-After")


def _flat(ex: Exchange, user_agent: str, encode: Callable[[Json], Any]) -> Json:
    line: Json = {
        "ts": rfc3339(ex.t),
        "app": ex.app,
        "method": ex.request.method,
        "path": ex.path,
        "status": ex.response.status,
        "latency_ms": round(ex.latency * 1000.0, 1),
        "user_agent": user_agent,
        "request_id": ex.request_id,
    }
    if ex.request.body is not None:
        line["request_body"] = encode(ex.request.body)
    if ex.response.body is not None:
        line["response_body"] = encode(ex.response.body)
    if (retry := _retry_after(ex.response)) is not None:
        line["response_headers"] = {"Retry-After": retry}
    return line


def _ecs_dotted(ex: Exchange, user_agent: str) -> Json:
    path, _, query = ex.path.partition("?")
    line: Json = {
        "@timestamp": rfc3339(ex.t),
        "service.name": ex.app,
        "http.request.method": ex.request.method,
        "http.request.id": ex.request_id,
        "url.path": path,
    }
    if query:
        line["url.query"] = query
    if ex.request.body is not None:
        line["http.request.body.content"] = _dumps(ex.request.body)
    line["http.response.status_code"] = ex.response.status
    if ex.response.body is not None:
        line["http.response.body.content"] = _dumps(ex.response.body)
    if (retry := _retry_after(ex.response)) is not None:
        line["http.response.headers"] = {"retry-after": retry}
    line["user_agent.original"] = user_agent
    line["source.ip"] = ex.client_ip
    line["event.duration"] = int(ex.latency * 1e9)
    return line


def _nest(dotted: Json) -> Json:
    """ECS nested form: the dotted keys expanded into objects; header maps stay maps."""
    out: Json = {}
    for key, value in dotted.items():
        node = out
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def _combined(ex: Exchange, user_agent: str) -> str:
    size = len(orjson.dumps(ex.response.body)) if ex.response.body is not None else 0
    request = f"{ex.request.method} {ex.path} HTTP/1.1"
    return (
        f'{ex.client_ip} - - [{_clf_time(ex.t)}] "{request}" {ex.response.status} {size} '
        f'"-" "{user_agent}" {ex.latency:.3f}'
    )


_FORMATS: dict[str, Callable[[Exchange, str], str]] = {
    "flat": lambda ex, ua: orjson.dumps(_flat(ex, ua, lambda b: b)).decode(),
    "flat_str": lambda ex, ua: orjson.dumps(_flat(ex, ua, _dumps)).decode(),
    "ecs": lambda ex, ua: orjson.dumps(_nest(_ecs_dotted(ex, ua))).decode(),
    "ecs_dotted": lambda ex, ua: orjson.dumps(_ecs_dotted(ex, ua)).decode(),
    "combined": _combined,
}


class Recorder:
    """The access log of one app: formats exchanges and appends them in whole-line batches."""

    def __init__(self, path: Path, log_format: str, user_agent: str) -> None:
        self._path = path
        self._format = _FORMATS[log_format]
        self._user_agent = user_agent
        self._pending: list[str] = []
        self._pending_bytes = 0
        self.written = 0

    def record(self, exchange: Exchange) -> None:
        line = self._format(exchange, self._user_agent) + "\n"
        self._pending.append(line)
        self._pending_bytes += len(line)
        if self._pending_bytes >= _FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        """Append everything recorded so far with a single write."""
        if not self._pending:
            return
        with self._path.open("ab") as f:
            f.write("".join(self._pending).encode())
            f.flush()
        self.written += len(self._pending)
        self._pending.clear()
        self._pending_bytes = 0
