"""Collector test kit: the Google service account and the Graph app registration the fakes
accept, pollers built from their configs as the daemon builds them, and one configured source
run under a real `SourceWorker` on a fake clock.

Why one kit: each vendor's tests drive the same credentials and the same build path, so a
change to either (a new required field, another secret file) is made here once.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fakes.fake_google import TOKEN_AUD, FakeGoogle
from fakes.fake_graph import FakeGraph
from fakes.fake_okta import SyncASGITransport
from prometheus_client import CollectorRegistry

from collectors import entra_provisioning_log, google_reports, kind_of
from collectors._graph_auth import budget_for
from collectors._graph_source import GraphSourceConfig
from collectors.base import Batch, BuildContext, Collector
from monitor.clock import FakeClock
from monitor.config import SourceSpec, parse
from monitor.events import IdpRecord
from monitor.ingest import Ingestor
from monitor.store import SqlStore
from monitor.supervisor import SourceWorker
from monitor.telemetry.metrics import Metrics
from monitor.telemetry.summary import BatchSummary

SA = "scimwatch@proj.iam.gserviceaccount.com"  # the service account's client_email
ADMIN = "it-admin@example.com"  # the admin it impersonates (`subject`)
GRAPH_TENANT = "7584ba9c-dd91-4745-9b7e-b4de9da3be7b"
GRAPH_CLIENT = "365401e1-2c0d-4990-b174-f48844df4fba"
GRAPH_SECRET = "s3cr3t~Graph.Client_do-not-leak"
GRAPH_URL = "https://graph.test"  # both graph_url and login_url: the fake serves both


def build(
    config: Any, tmp_path: Path, clock: FakeClock, transport: httpx.BaseTransport, name: str
) -> Collector:
    """The collector its registry entry makes from `config`, as `scimwatch run` makes it."""
    context = BuildContext(clock=clock, transport=transport)
    return kind_of(config.type).make(config, name=name, base_dir=tmp_path, context=context)


def service_key() -> rsa.RSAPrivateKey:
    """A throwaway service-account signing key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def write_service_account(folder: Path, key: rsa.RSAPrivateKey, token_uri: str = TOKEN_AUD) -> None:
    """`sa.json` in the shape the Cloud console downloads."""
    info = {"type": "service_account", "private_key_id": "k1", "private_key": pem(key)}
    info |= {"client_email": SA, "client_id": "1", "token_uri": token_uri}
    (folder / "sa.json").write_text(json.dumps(info))


def fake_google(clock: FakeClock, key: rsa.RSAPrivateKey) -> FakeGoogle:
    """A fake Reports API that accepts `key`'s JWTs for SA impersonating ADMIN."""
    return FakeGoogle(clock=clock, public_key=key.public_key(), client_email=SA, subject=ADMIN)


def google_config(application: str = "admin", **options: Any) -> google_reports.Config:
    raw = {"type": "google_reports", "application": application, "credentials_file": "sa.json"}
    return google_reports.Config.model_validate({**raw, "subject": ADMIN, **options})


def google_poller(
    tmp_path: Path,
    clock: FakeClock,
    transport: httpx.BaseTransport,
    key: rsa.RSAPrivateKey,
    config: google_reports.Config | None = None,
    name: str = "google",
) -> Collector:
    """A Reports poller whose service account signs with `key` (the wrong key is how a test
    makes the fake refuse the grant)."""
    write_service_account(tmp_path, key)
    return build(config or google_config(), tmp_path, clock, transport, name)


def fake_graph(clock: FakeClock, tenant: str = GRAPH_TENANT) -> FakeGraph:
    """A fake Graph tenant with the app registration GRAPH_CLIENT, whose secret is GRAPH_SECRET."""
    return FakeGraph(clock=clock, tenant=tenant, client_id=GRAPH_CLIENT, secret=GRAPH_SECRET)


def graph_config(kind: Any = entra_provisioning_log, **options: Any) -> GraphSourceConfig:
    """A Graph source of the fake's app registration (tenant_id defaults to GRAPH_TENANT)."""
    raw = {"type": kind.KIND.type, "tenant_id": GRAPH_TENANT, "client_id": GRAPH_CLIENT}
    raw |= {"client_secret_file": "graph.secret", "graph_url": GRAPH_URL, "login_url": GRAPH_URL}
    config: GraphSourceConfig = kind.Config.model_validate({**raw, **options})
    return config


def graph_poller(
    tmp_path: Path,
    clock: FakeClock,
    transport: httpx.BaseTransport,
    secret: str = GRAPH_SECRET,
    kind: Any = entra_provisioning_log,
    *,
    name: str = "",
    rested: bool = True,
    **options: Any,
) -> Collector:
    """A Graph poller of `graph_config(kind, **options)` whose secret file holds `secret`;
    named after its type unless `name` is given. A new tenant budget starts as if its window
    was used up (a new process cannot know what the last one sent); `rested` waits that out on
    the clock, so the first poll asks. The budget's own tests keep the wait (`rested=False`)."""
    (tmp_path / "graph.secret").write_text(secret + "\n")
    config = graph_config(kind, **options)
    collector = build(config, tmp_path, clock, transport, name or kind.KIND.type)
    if rested and config.tenant_id:
        clock.advance(budget_for(config.tenant_id, clock).wait())
    return collector


def drain(collector: Collector) -> list[Batch]:
    """Every batch until the poller has nothing more to hand out right now."""
    batches = []
    while (batch := collector.poll()) is not None:
        batches.append(batch)
    return batches


class Recorder(Ingestor):
    """The real ingest pipeline, remembering the keys of every batch it committed."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.keys: list[str] = []

    def ingest(self, source: SourceSpec, batch: Batch) -> BatchSummary:
        summary = super().ingest(source, batch)
        self.keys += [r.key for r in batch.records if isinstance(r, IdpRecord)]
        return summary


class Daemon:
    """One configured source under a SourceWorker, as `scimwatch run` builds it: `source` is
    the source's YAML flow mapping, `app` the fake it reads in process."""

    def __init__(
        self, tmp_path: Path, clock: FakeClock, app: Any, source: str, poll_interval: float
    ) -> None:
        config = parse(
            f"apps: [{{name: hr}}]\nsources: [{source}]\n", source="x.yaml", base_dir=tmp_path
        )
        self.spec = config.sources[0]
        transport = SyncASGITransport(app)
        collector = build(self.spec.config, tmp_path, clock, transport, self.spec.name)
        self.store = SqlStore(f"sqlite:///{tmp_path / 'scimwatch.db'}")
        self.metrics = Metrics(CollectorRegistry())
        self.ingestor = Recorder(config=config, store=self.store, metrics=self.metrics, clock=clock)
        self.worker = SourceWorker(
            spec=self.spec,
            collector=collector,
            ingestor=self.ingestor,
            store=self.store,
            metrics=self.metrics,
            clock=clock,
            stop=threading.Event(),
            poll_interval=poll_interval,
        )
        self.clock = clock

    def run_until(self, done: Callable[[], bool], steps: int = 5000) -> None:
        """`SourceWorker.run` on the fake clock: step, then wait what the step asked for."""
        for _ in range(steps):
            if done():
                return
            self.clock.advance(self.worker.step())
        raise AssertionError("the source never got there")

    def sample(self, name: str, **labels: str) -> float | None:
        return self.metrics.registry.get_sample_value(name, {"collector": self.spec.name, **labels})
