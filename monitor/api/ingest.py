"""`POST /api/v1/ingest/scim?app=NAME`: SCIM request records pushed by a log shipper.

The body is JSON lines or one JSON array of records in any SCIM log format (flat, ECS), gzip or
plain. Records are committed, with their detections, before the 202 answer: an acknowledged
batch is never lost, and a shipper that gets an error retries. Unreadable records are counted
and skipped; only a body that cannot be read at all is a 400.
"""

from __future__ import annotations

import gzip
import hmac
import zlib
from collections.abc import Iterator, Mapping
from typing import Protocol

import orjson
from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from collectors.base import Batch
from collectors.scimlog import parse_line
from monitor.config import SourceSpec
from monitor.events import Record, Rejected, RejectReason, ScimRequest
from monitor.ingest import Ingestor
from monitor.secret import Secret

__all__ = ["PushTarget", "router"]

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="scimwatch"'}


class PushTarget(Protocol):
    ingestor: Ingestor

    def push_source(self, app: str) -> tuple[SourceSpec, Secret, int] | None:
        """The push source of an app: its spec, token and body limit (None: not configured)."""
        ...


def _records(body: bytes) -> list[bytes]:
    """Each record as a JSON text; a body that is not JSON lines nor an array is a 400."""
    text = body.lstrip()
    if text[:1] != b"[":
        return [line for line in text.split(b"\n") if line.strip()]
    try:
        items = orjson.loads(text)
    except orjson.JSONDecodeError as err:
        raise HTTPException(
            400, f"the body starts like a JSON array but is not one: {err}"
        ) from None
    if not isinstance(items, list):
        raise HTTPException(400, "the body is not a JSON array of records")
    return [orjson.dumps(item) for item in items]


def _batch(lines: list[bytes], app: str) -> Batch:
    batch = Batch(records=(), checkpoint={}, units=len(lines), size=sum(map(len, lines)))

    def parsed() -> Iterator[Record]:
        for line in lines:
            record = parse_line(line)
            if isinstance(record, Rejected):
                batch.rejected[record.reason] += 1
                batch.examples.setdefault(record.reason, record.detail)
            elif isinstance(record, ScimRequest):
                record.app = app
                yield record

    batch.records = parsed()
    return batch


async def _body(request: Request, limit: int) -> bytes:
    """The request body, decompressed, refused with 413 past `limit` without reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"body larger than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"body larger than {limit} bytes")
        chunks.append(chunk)
    body = b"".join(chunks)
    if request.headers.get("content-encoding", "").lower() in ("gzip", "x-gzip"):
        body = _gunzip(body, limit)
    return body


def _gunzip(body: bytes, limit: int) -> bytes:
    try:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = inflater.decompress(body, limit + 1)
    except (zlib.error, gzip.BadGzipFile) as err:
        raise HTTPException(400, f"Content-Encoding is gzip but the body is not: {err}") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise HTTPException(413, f"decompressed body larger than {limit} bytes")
    return out


def _authorized(header: str | None, token: Secret) -> bool:
    scheme, _, given = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.reveal().encode()
    )


def _counts(rejected: Mapping[RejectReason, int]) -> dict[str, int]:
    return {str(reason): n for reason, n in sorted(rejected.items())}


def router(target: PushTarget) -> APIRouter:
    api = APIRouter(prefix="/api/v1/ingest", tags=["ingest"])

    @api.post("/scim", status_code=202, summary="Push SCIM request records (JSON lines or array)")
    async def ingest_scim(request: Request, app: str) -> JSONResponse:
        found = target.push_source(app)
        if found is None:
            raise HTTPException(404, f"no scim_push source is configured for app {app!r}")
        spec, token, limit = found
        if not _authorized(request.headers.get("authorization"), token):
            raise HTTPException(401, "missing or wrong bearer token", headers=_CHALLENGE)
        lines = _records(await _body(request, limit))
        if not lines:
            raise HTTPException(400, "the body holds no records")
        batch = _batch(lines, app)
        summary = await run_in_threadpool(target.ingestor.ingest, spec, batch)
        rejected = sum(summary.rejected.values())
        return JSONResponse(
            {
                "accepted": summary.units - rejected,
                "rejected": rejected,
                "rejected_by_reason": _counts(batch.rejected),
            },
            status_code=202,
        )

    return api
