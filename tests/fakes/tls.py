"""Serve a fake vendor API over real HTTPS on 127.0.0.1, trusted through a throwaway CA.

Why: the live API pollers only speak HTTPS (a `url` must be `https://`), so a daemon under test
can only poll a fake when the fake has a certificate the daemon trusts. `issue_certs` writes a
`trustme` CA and a server certificate for 127.0.0.1; a child process trusts the CA through
`SSL_CERT_FILE` (httpx honours it by default), and nothing outside the test ever does.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trustme
import uvicorn
from deadline import wait_for

__all__ = ["Certs", "Served", "issue_certs"]


@dataclass(frozen=True, slots=True)
class Certs:
    """`ca` goes into the client's SSL_CERT_FILE; `server` (key and chain) into `Served`."""

    ca: Path
    server: Path


def issue_certs(directory: Path) -> Certs:
    """A fresh CA and a server certificate for 127.0.0.1, as `ca.pem` and `server.pem`."""
    ca = trustme.CA()
    certs = Certs(ca=directory / "ca.pem", server=directory / "server.pem")
    ca.cert_pem.write_to_path(str(certs.ca))
    ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(certs.server))
    return certs


class Served:
    """One ASGI app behind uvicorn with TLS on 127.0.0.1, port 0, in a thread."""

    def __init__(self, app: Any, cert: Path) -> None:
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            ssl_certfile=str(cert),
            log_level="warning",
            lifespan="off",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        wait_for(lambda: self.server.started, timeout=10, what="a fake server to listen")
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"https://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
