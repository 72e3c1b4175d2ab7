"""Serve an ASGI app over real HTTPS on 127.0.0.1, port 0, for in-process clients.

Why: the live pollers only accept `https://` URLs, and a test that drives them over a socket
must not change what the whole process trusts (no `SSL_CERT_FILE`). `trusting` gives an
`ssl.SSLContext` that trusts only the test CA, for an `httpx.HTTPTransport(verify=...)` passed
to the collector like any other transport. As in `serve.py`, the socket is bound and listening
before uvicorn's thread starts, so the port is known at once and there is no start-up wait.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

__all__ = ["serve_tls", "trusting"]


def trusting(ca: Path) -> ssl.SSLContext:
    """A client context that verifies peers against `ca` only (hostnames still checked)."""
    return ssl.create_default_context(cafile=str(ca))


@contextmanager
def serve_tls(app: Any, cert: Path) -> Iterator[str]:
    """Yield the base URL (`https://127.0.0.1:PORT`) while the app is served with `cert`
    (a PEM holding the server key and chain, as `tls.issue_certs` writes it)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        lifespan="off",
        log_level="warning",
        access_log=False,
        ws="none",
        http="h11",
        ssl_certfile=str(cert),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
