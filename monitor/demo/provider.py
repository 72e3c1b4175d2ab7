"""One app's SCIM service provider: a real scim2-server WSGI app, called in-process.

The demo's answers come from scim2-server itself, not from templates, so a strict SP really
rejects Entra's legacy shapes and a PUT really drops what it omits. Requests go through the
WSGI interface with a hand-built environ: no sockets, no threads. Ids come from the demo's
seeded random source and `meta` dates from the simulated clock, so runs are reproducible.
"""

from __future__ import annotations

import datetime
import io
import random
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Union

import orjson
from scim2_models import (
    ListResponse,
    PatchOp,
    Path,
    ResourceType,
    ResponseParameters,
    ScimFilter,
    ScimPolicy,
    ScimProvider,
    SearchRequest,
)
from scim2_server.memory import InMemoryStorage
from scim2_server.requests import ScimRequest as ScimServerRequest
from scim2_server.responses import ScimResponse
from scim2_server.service import ScimService
from scim2_server.testserver.application import BearerTokenApplication
from scim2_server.utils import (
    load_default_resource_types,
    load_default_schemas,
    load_default_service_provider_config,
)

from monitor.demo.wire import Json, Request, Response

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

__all__ = ["ServiceProvider"]

_TOKEN = "demo-static-token"  # a fixed credential: the SP is in-memory and in-process
_ENTRA_TOLERANT = ScimPolicy(
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
    unknown=ScimPolicy.Unknown.ignore,
)


class _SeededStorage(InMemoryStorage):
    """In-memory storage whose ids come from the demo's seed rather than `uuid4`."""

    def __init__(self, rng: random.Random, clock: Callable[[], datetime.datetime]) -> None:
        super().__init__(clock=clock)
        self._rng = rng

    def generate_id(self, resource_type: ResourceType, resource: Any) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))


class _Application(BearerTokenApplication):
    """scim2-server's app, told the public URL so `meta.location` shows the app's base path.

    scim2-server derives the base URL from the WSGI mount point plus a fixed `/v2`; the demo's
    apps live under arbitrary base paths, so the URL is set on each request instead.
    """

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._base_url = base_url

    def dispatch_request(self, request: ScimServerRequest) -> ScimResponse:
        request.base_url = self._base_url
        return super().dispatch_request(request)


def _pin_generics(service: ScimService) -> list[Any]:
    """Build, and hold on to, the generic models scim2-server parametrizes on every request.

    pydantic caches `Model[Param]` classes in a WeakValueDictionary; scim2-server keeps no
    reference to them, so the garbage collector keeps dropping them and each request rebuilt
    its ListResponse/PatchOp/Path classes (a few ms each; half of the demo run time).
    Holding strong references here keeps pydantic's own cache warm.
    """
    models: list[Any] = service.get_models()
    union: Any = Union[tuple(models)]  # noqa: UP007 - a runtime union of the provider's models
    generics: list[Any] = [ListResponse, SearchRequest, ScimFilter]
    pinned = [generic[union] for generic in generics]
    generics += [ResponseParameters, PatchOp, Path]
    return pinned + [generic[model] for generic in generics for model in models]


class ServiceProvider:
    """A scim2-server instance for one app, strict or Entra-tolerant."""

    def __init__(
        self,
        *,
        host: str,
        base_path: str,
        tolerant: bool,
        patch_returns_body: bool,
        rng: random.Random,
        clock: Callable[[], float],
    ) -> None:
        provider = ScimProvider.from_discovery(
            load_default_schemas().values(),
            load_default_resource_types().values(),
            config=load_default_service_provider_config(),
            policy=_ENTRA_TOLERANT if tolerant else None,
        )
        storage = _SeededStorage(
            rng, lambda: datetime.datetime.fromtimestamp(clock(), datetime.UTC)
        )
        self._app = _Application(
            f"https://{host}{base_path}",
            storage=storage,
            provider=provider,
            service=ScimService(provider, secret=f"{rng.getrandbits(256):064x}"),
            bearer_tokens=[_TOKEN],
        )
        self._host = host
        self._patch_returns_body = patch_returns_body
        self._pinned = _pin_generics(self._app.service)

    def handle(self, request: Request) -> Response:
        """Serve one request the way the app's SP does."""
        response = self._call(request)
        if (
            self._patch_returns_body
            and request.method == "PATCH"
            and request.path.startswith("/Users/")
            and response.status == 204
        ):
            current = self._call(Request("GET", request.path))
            return Response(200, current.body, current.headers)
        return response

    def _call(self, request: Request) -> Response:
        path, _, query = request.path.partition("?")
        data = b"" if request.body is None else orjson.dumps(request.body)
        captured: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> Any:
            captured.extend((int(status.split(" ", 1)[0]), dict(headers)))
            return lambda _: None

        environ = self._environ(request, path, query, data)
        chunks: Iterable[bytes] = self._app(environ, start_response)
        raw = b"".join(chunks)
        body: Json | None = orjson.loads(raw) if raw else None
        return Response(captured[0], body, captured[1])

    def _environ(self, request: Request, path: str, query: str, data: bytes) -> WSGIEnvironment:
        return {
            "REQUEST_METHOD": request.method,
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": self._host,
            "SERVER_PORT": "443",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": self._host,
            "HTTP_AUTHORIZATION": f"Bearer {_TOKEN}",
            "HTTP_ACCEPT": "application/scim+json",
            "CONTENT_TYPE": "application/scim+json; charset=utf-8",
            "CONTENT_LENGTH": str(len(data)),
            "wsgi.input": io.BytesIO(data),
            "wsgi.url_scheme": "https",
            "wsgi.version": (1, 0),
            "wsgi.errors": io.StringIO(),
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
