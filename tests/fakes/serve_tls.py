"""Serve an ASGI app over real HTTPS on 127.0.0.1, port 0, for in-process clients.

Why: the live pollers only accept `https://` URLs, and a test that drives them over a socket
must not change what the whole process trusts (no `SSL_CERT_FILE`). `trusting` gives an
`ssl.SSLContext` that trusts only the test CA, for an `httpx.HTTPTransport(verify=...)` passed
to the collector like any other transport. The server is `serve.py`'s, with a certificate: the
socket is bound and listening before uvicorn's thread starts, so there is no start-up wait.
"""

from __future__ import annotations

import ssl
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from fakes.serve import serve

__all__ = ["serve_tls", "trusting"]


def trusting(ca: Path) -> ssl.SSLContext:
    """A client context that verifies peers against `ca` only (hostnames still checked)."""
    return ssl.create_default_context(cafile=str(ca))


def serve_tls(app: Any, cert: Path) -> AbstractContextManager[str]:
    """Yield the base URL (`https://127.0.0.1:PORT`) while the app is served with `cert`
    (a PEM holding the server key and chain, as `tls.issue_certs` writes it)."""
    return serve(app, cert)
