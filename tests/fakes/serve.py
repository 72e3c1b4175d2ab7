"""Serve an ASGI app with uvicorn on 127.0.0.1, port 0, in a thread: a real HTTP server for
clients that cannot take an in-process transport (slack-sdk's WebClient uses urllib), or with
a certificate a real HTTPS server (`serve_tls.py`).

The socket is bound and listening before the thread starts, so the port is known at once and a
client that connects before uvicorn's loop runs waits in the listen backlog: no start-up wait.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

__all__ = ["serve"]


@contextmanager
def serve(app: Any, cert: Path | None = None) -> Iterator[str]:
    """Yield the base URL (`http://127.0.0.1:PORT`) while the app is served; with `cert` (a PEM
    holding the server key and chain, as `tls.issue_certs` writes it) over TLS, `https://`."""
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
        ssl_certfile=str(cert) if cert else None,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"{'https' if cert else 'http'}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
