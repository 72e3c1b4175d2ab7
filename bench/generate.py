"""Write a large, realistic SCIM request log, fast, for the throughput benchmark.

    python bench/generate.py OUT --lines 1000000 [--format flat|ecs|combined|mixed] [--seed N]

The demo (`monitor.demo`) is faithful but runs a real SCIM server, about 1,500 lines/s; a
benchmark needs millions of lines. This script renders a pool of a few thousand exchanges once,
with the demo's mix of IdP dialects, methods, statuses and bodies (request bodies on writes,
SCIM errors with `scimType`, `Retry-After` on 429s), splits each rendered line around its
timestamp and request id, and then only stitches strings: well over 200k lines/s.
Standalone on purpose: standard library only, no scimwatch import, so it runs anywhere.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["FORMATS", "generate"]

FORMATS = ("flat", "ecs", "combined", "mixed")
_SHAPES = {
    "flat": ("flat",),
    "ecs": ("ecs",),
    "combined": ("combined",),
    "mixed": ("flat", "flat_str", "ecs", "ecs_dotted", "combined"),
}
_POOL = 4096
_CHUNK = 20_000
_TS, _RID = "@@TS@@", "@@RID@@"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_START = 1_790_000_000  # event time of the first line (2026-09-21T14:13:20Z)

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"

Json = dict[str, Any]
# (app, user agent, client ip, base path, dialect)
_APPS = (
    ("salesforge", "Okta SCIM Client 1.0.0", "198.51.100.23", "/scim/v2", "okta"),
    ("servicedesk", "Okta SCIM Client 1.0.0", "198.51.100.24", "/api/scim/v2", "okta_aiw"),
    ("intranet", "Microsoft Azure AD SCIM provisioning 1.0", "203.0.113.40", "/scim", "entra"),
    ("expenses", "Microsoft Azure AD SCIM provisioning 1.0", "203.0.113.41", "/id/scim", "entra2"),
    ("meetings", "Google-Auto-Provisioning/1.0", "192.0.2.77", "/v2", "google"),
)
_GIVEN = ("Amara", "Bruno", "Chen", "Dalia", "Emeka", "Farah", "Goran", "Hana", "Ivo", "Jonas")
_FAMILY = ("Abara", "Berg", "Costa", "Dubois", "Eriksen", "Ferreira", "Gallo", "Haddad", "Ito")


class _Exchange:
    """One request/response pair, before it is rendered in a log format."""

    def __init__(self, app: tuple[str, ...], method: str, path: str, status: int) -> None:
        self.app, self.method, self.path, self.status = app, method, app[3] + path, status
        self.request: Json | None = None
        self.response: Json | None = None
        self.retry_after: str | None = None
        self.latency = 0.02


def _uid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def _user(rng: random.Random, sp_id: str | None, active: bool = True) -> Json:
    given, family = rng.choice(_GIVEN), rng.choice(_FAMILY)
    email = f"{given}.{family}{rng.randrange(1000)}@example.com".lower()
    body: Json = {"schemas": [USER, ENTERPRISE]}
    if sp_id is not None:
        body["id"] = sp_id
    body |= {
        "externalId": "00u" + f"{rng.getrandbits(80):020x}"[:17],
        "userName": email,
        "active": active,
        "displayName": f"{given} {family}",
        "name": {"givenName": given, "familyName": family, "formatted": f"{given} {family}"},
        "emails": [{"value": email, "type": "work", "primary": True}],
        "title": rng.choice(("Engineer", "Accountant", "Designer", "Support Agent")),
        ENTERPRISE: {
            "department": rng.choice(("Sales", "Finance", "Legal")),
            "employeeNumber": "1",
        },
    }
    if sp_id is not None:
        body["meta"] = {"resourceType": "User", "location": f"https://sp.example.com/Users/{sp_id}"}
    return body


def _error(status: int, detail: str, scim_type: str | None = None) -> Json:
    body: Json = {"schemas": [ERROR], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return body


def _patch(*ops: Json) -> Json:
    return {"schemas": [PATCH_OP], "Operations": list(ops)}


def _listing(users: list[Json]) -> Json:
    n = len(users)
    return {
        "schemas": [LIST],
        "totalResults": n,
        "startIndex": 1,
        "itemsPerPage": n,
        "Resources": users,
    }


def _disable(dialect: str) -> Json:
    if dialect == "okta":
        return _patch({"op": "replace", "value": {"active": False}})
    if dialect == "entra":
        return _patch({"op": "Replace", "path": "active", "value": "False"})
    return _patch({"op": "replace", "path": "active", "value": False})


def _exchange(rng: random.Random) -> _Exchange:
    """One exchange drawn with the demo's mix: reads dominate, then writes, then failures."""
    app = rng.choice(_APPS)
    dialect, sp_id = app[4], _uid(rng)
    kind = rng.choices(tuple(_KINDS), tuple(w for w, _ in _KINDS.values()))[0]
    ex = _KINDS[kind][1](rng, app, dialect, sp_id)
    ex.latency = round(rng.lognormvariate(-3.8, 0.6) * (40 if rng.random() < 0.005 else 1), 4)
    return ex


def _read(rng: random.Random, app: tuple[str, ...], dialect: str, sp_id: str) -> _Exchange:
    ex = _Exchange(app, "GET", f"/Users/{sp_id}", 200)
    ex.response = _user(rng, sp_id, active=rng.random() < 0.9)
    return ex


def _lookup(rng: random.Random, app: tuple[str, ...], dialect: str, sp_id: str) -> _Exchange:
    query = "filter=userName%20eq%20%22ana.berg%40example.com%22"
    ex = _Exchange(app, "GET", f"/Users?{query}&startIndex=1&count=100", 200)
    ex.response = _listing([_user(rng, sp_id)] if rng.random() < 0.5 else [])
    return ex


def _import(rng: random.Random, app: tuple[str, ...], dialect: str, sp_id: str) -> _Exchange:
    ex = _Exchange(app, "GET", "/Users?startIndex=1&count=100", 200)
    ex.response = _listing([_user(rng, _uid(rng)) for _ in range(rng.randrange(20, 100))])
    return ex


def _create(rng: random.Random, app: tuple[str, ...], dialect: str, sp_id: str) -> _Exchange:
    conflict = rng.random() < 0.03
    ex = _Exchange(app, "POST", "/Users", 409 if conflict else 201)
    ex.request = _user(rng, None) | ({"password": "x8Hq2LmP0aZ7", "groups": []})
    ex.response = (
        _error(409, "userName already in use", "uniqueness") if conflict else _user(rng, sp_id)
    )
    return ex


def _replace(rng: random.Random, app: tuple[str, ...], dialect: str, sp_id: str) -> _Exchange:
    ex = _Exchange(app, "PUT", f"/Users/{sp_id}", 200)
    ex.request = _user(rng, sp_id, active=rng.random() < 0.7)
    ex.response = ex.request
    return ex


def _deprovision(rng: random.Random, app: tuple[str, ...], dialect: str, sp_id: str) -> _Exchange:
    if dialect in ("entra", "google") and rng.random() < 0.3:
        return _Exchange(app, "DELETE", f"/Users/{sp_id}", 204)
    ex = _Exchange(app, "PATCH", f"/Users/{sp_id}", 200 if dialect == "okta" else 204)
    ex.request = _disable(dialect)
    ex.response = _user(rng, sp_id, active=False) if ex.status == 200 else None
    return ex


def _update(rng: random.Random, app: tuple[str, ...], dialect: str, sp_id: str) -> _Exchange:
    ex = _Exchange(app, "PATCH", f"/Users/{sp_id}", 204)
    if dialect == "entra2":
        ex.request = _patch({"op": "replace", "value": {"title": "Lead", "name.familyName": "Ito"}})
    else:
        ex.request = _patch({"op": "Replace", "path": "title", "value": "Lead"})
    return ex


def _group(rng: random.Random, app: tuple[str, ...], dialect: str, sp_id: str) -> _Exchange:
    ex = _Exchange(app, "PATCH", f"/Groups/{_uid(rng)}", 204)
    ex.request = _patch({"op": "add", "path": "members", "value": [{"value": sp_id}]})
    return ex


def _quirk(rng: random.Random, app: tuple[str, ...], dialect: str, sp_id: str) -> _Exchange:
    if rng.random() < 0.5:
        ex = _Exchange(app, "PATCH", f"/Groups/{_uid(rng)}", 400)
        ex.request = _patch({"op": "Remove", "path": "members", "value": [{"value": sp_id}]})
        detail = "a remove operation carries no value, a filter in the path selects what to remove"
    else:
        ex = _Exchange(app, "PATCH", f"/Users/{sp_id}", 400)
        path = f"{ENTERPRISE}:manager"
        ex.request = _patch({"op": "Add", "path": path, "value": _uid(rng)})
        detail = "Input should be a valid dictionary or instance of Manager"
    ex.response = _error(400, detail, "invalidValue")
    return ex


def _failure(rng: random.Random, app: tuple[str, ...], dialect: str, sp_id: str) -> _Exchange:
    status = rng.choice((401, 404, 429, 429, 429, 500, 503))
    ex = _Exchange(app, rng.choice(("GET", "PATCH")), f"/Users/{sp_id}", status)
    if ex.method == "PATCH":
        ex.request = _disable(dialect)
    ex.response = _error(status, _DETAILS[status])
    if status in (429, 503):
        ex.retry_after = rng.choice(("5", "10", "30", "60", "120"))
    return ex


_DETAILS = {
    401: "Authorization failure. The bearer token has expired.",
    404: "User not found",
    429: "Too many requests. Retry later.",
    500: "Internal server error",
    503: "Service unavailable",
}
_Builder = Callable[[random.Random, tuple[str, ...], str, str], _Exchange]
_KINDS: dict[str, tuple[float, _Builder]] = {
    "read": (0.38, _read),
    "lookup": (0.26, _lookup),
    "import": (0.004, _import),
    "create": (0.11, _create),
    "replace": (0.05, _replace),
    "deprovision": (0.04, _deprovision),
    "update": (0.05, _update),
    "group": (0.07, _group),
    "quirk": (0.01, _quirk),
    "failure": (0.03, _failure),
}


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _render(ex: _Exchange, shape: str) -> str:
    app, ua, ip = ex.app[0], ex.app[1], ex.app[2]
    if shape == "combined":
        size = len(_dumps(ex.response)) if ex.response is not None else 0
        req = f"{ex.method} {ex.path} HTTP/1.1"
        return f'{ip} - - [{_TS}] "{req}" {ex.status} {size} "-" "{ua}" {ex.latency:.3f}'
    if shape in ("flat", "flat_str"):
        enc: Callable[[Json], Any] = _dumps if shape == "flat_str" else (lambda b: b)
        line: Json = {"ts": _TS, "app": app, "method": ex.method, "path": ex.path}
        line |= {"status": ex.status, "latency_ms": round(ex.latency * 1000, 1)}
        line |= {"user_agent": ua, "request_id": _RID}
        if ex.request is not None:
            line["request_body"] = enc(ex.request)
        if ex.response is not None:
            line["response_body"] = enc(ex.response)
        if ex.retry_after:
            line["response_headers"] = {"Retry-After": ex.retry_after}
        return _dumps(line)
    return _dumps(_ecs(ex, nested=shape == "ecs"))


def _ecs(ex: _Exchange, *, nested: bool) -> Json:
    path, _, query = ex.path.partition("?")
    flat: Json = {"@timestamp": _TS, "service.name": ex.app[0]}
    flat |= {"http.request.method": ex.method, "http.request.id": _RID, "url.path": path}
    if query:
        flat["url.query"] = query
    if ex.request is not None:
        flat["http.request.body.content"] = _dumps(ex.request)
    flat["http.response.status_code"] = ex.status
    if ex.response is not None:
        flat["http.response.body.content"] = _dumps(ex.response)
    if ex.retry_after:
        flat["http.response.headers"] = {"retry-after": ex.retry_after}
    flat |= {"user_agent.original": ex.app[1], "event.duration": int(ex.latency * 1e9)}
    if not nested:
        return flat
    out: Json = {}
    for key, value in flat.items():
        *parents, leaf = key.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def _pool(rng: random.Random, shapes: tuple[str, ...]) -> list[tuple[bytes, bytes, bytes, bool]]:
    """Rendered lines split as (before ts, between ts and id, after id, ISO timestamp?)."""
    pool = []
    for _ in range(_POOL):
        shape = rng.choice(shapes)
        text = _render(_exchange(rng), shape)
        head, _, rest = text.partition(_TS)
        middle, _, tail = rest.partition(_RID)
        pool.append((head.encode(), middle.encode(), (tail + "\n").encode(), shape != "combined"))
    return pool


def generate(path: Path, lines: int, fmt: str, seed: int) -> None:
    """Write exactly `lines` log lines in `fmt` (flat, ecs, combined or mixed) to `path`."""
    if fmt not in _SHAPES:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    rng = random.Random(seed)
    pool = _pool(rng, _SHAPES[fmt])
    steps = [rng.randrange(0, 120) for _ in range(4096)]
    ms_text = [f".{ms:03d}Z".encode() for ms in range(1000)]
    rid = f"{rng.getrandbits(80):020x}"
    rid_prefix = f"{rid[:8]}-{rid[8:12]}-4{rid[13:16]}-8{rid[17:20]}-"
    progress = _Progress(lines) if sys.stderr.isatty() else None
    clock_ms, second, iso, clf = _START * 1000, -1, b"", b""
    written = 0
    with path.open("wb") as out:
        while written < lines:
            # Pieces, not lines: one join per chunk is the only copy of the bulk bytes.
            pieces: list[bytes] = []
            extend = pieces.extend
            count = min(_CHUNK, lines - written)
            for n, idx in enumerate(rng.choices(range(_POOL), k=count)):
                clock_ms += steps[n & 4095]
                if clock_ms // 1000 != second:
                    second = clock_ms // 1000
                    iso, clf = _stamps(second)
                head, middle, tail, is_json = pool[idx]
                if is_json:
                    request_id = f"{rid_prefix}{written + n:012x}".encode()
                    extend((head, iso, ms_text[clock_ms % 1000], middle, request_id, tail))
                else:
                    extend((head, clf, middle, tail))
            out.write(b"".join(pieces))
            written += count
            if progress is not None:
                progress.update(written)
    if progress is not None:
        progress.done()


def _stamps(second: int) -> tuple[bytes, bytes]:
    """The per-second parts of both timestamp styles (RFC 3339 without ms, and CLF)."""
    g = time.gmtime(second)
    iso = time.strftime("%Y-%m-%dT%H:%M:%S", g)
    day = f"{g.tm_mday:02d}/{_MONTHS[g.tm_mon - 1]}/{g.tm_year}"
    return iso.encode(), f"{day}:{g.tm_hour:02d}:{g.tm_min:02d}:{g.tm_sec:02d} +0000".encode()


class _Progress:
    def __init__(self, total: int) -> None:
        self._total, self._start = total, time.perf_counter()

    def update(self, done: int) -> None:
        rate = done / max(time.perf_counter() - self._start, 1e-9)
        sys.stderr.write(f"\r{done:,}/{self._total:,} lines  {rate:,.0f} lines/s")
        sys.stderr.flush()

    def done(self) -> None:
        sys.stderr.write("\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("out", type=Path, help="file to write (overwritten)")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--format", choices=FORMATS, default="mixed")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.lines < 0:
        parser.error("--lines must be >= 0")
    generate(args.out, args.lines, args.format, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
