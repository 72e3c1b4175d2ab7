"""The composition root: the one place that wires config, store, collectors, metrics and API.

`App` is embeddable (tests start it on port 0 with a fake clock and their own registry);
`monitor.cli` only parses flags and calls into it.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from collections.abc import Sequence

import httpx
import uvicorn
from opentelemetry import trace
from opentelemetry.trace import TracerProvider
from prometheus_client import CollectorRegistry

from alerts.conditions import Context
from alerts.engine import AlertEngine
from alerts.notifiers import Notifier, NotifyContext, kind_of
from alerts.snapshot import CollectorStatus
from collectors.base import BuildContext
from monitor import __version__
from monitor.api import create_api
from monitor.clock import Clock, SystemClock
from monitor.config import Config, SourceSpec
from monitor.ingest import Ingestor
from monitor.report import build_report
from monitor.secret import Secret, SecretError, resolve_secret
from monitor.settings import Settings, parse_listen
from monitor.store import SqlStore, Store, StoreError
from monitor.supervisor import SourceWorker
from monitor.telemetry.metrics import Metrics
from monitor.telemetry.state import StateCollector
from monitor.telemetry.tracing import TRACER_NAME

__all__ = ["App", "bind"]

log = logging.getLogger("scimwatch")


def bind(listen: str) -> socket.socket:
    """Bind the listening socket up front, so port 0 resolves before anything is announced."""
    host, port = parse_listen(listen)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


class App:
    """A running scimwatch: sources polled in workers, state in the store, HTTP on top."""

    def __init__(
        self,
        *,
        settings: Settings,
        config: Config,
        clock: Clock | None = None,
        registry: CollectorRegistry | None = None,
        store: Store | None = None,
        transport: httpx.BaseTransport | None = None,
        notify_transport: httpx.BaseTransport | None = None,
        tracer_provider: TracerProvider | None = None,
    ) -> None:
        self.settings = settings
        self._transport = transport  # tests route the pollers to fake vendor APIs
        self.config = config
        self.clock = clock or SystemClock()
        self.registry = registry or CollectorRegistry()
        self.metrics = Metrics(self.registry, version=__version__)
        self.store: Store = store or SqlStore(settings.database_url.reveal())
        self._tracer = (tracer_provider or trace.get_tracer_provider()).get_tracer(TRACER_NAME)
        self.ingestor = Ingestor(
            config=config,
            store=self.store,
            metrics=self.metrics,
            clock=self.clock,
            tracer=self._tracer,
        )
        self._stop = threading.Event()
        self.workers = [self._worker(spec) for spec in config.sources]
        self.metrics.declare_sources(spec.name for spec in config.sources)
        self.registry.register(
            StateCollector(
                self.store,
                apps=[app.name for app in config.apps],
                slo=config.slo_seconds,
                now=self.clock.now,
            )
        )
        self._push = {
            spec.app: self._push_entry(spec)
            for spec in config.sources
            if spec.kind.type == "scim_push" and spec.app
        }
        self.alerting = self._alerting(notify_transport)
        self.api = create_api(self)

    def _worker(self, spec: SourceSpec) -> SourceWorker:
        collector = spec.kind.make(
            spec.config,
            name=spec.name,
            base_dir=self.config.base_dir,
            context=BuildContext(clock=self.clock, transport=self._transport),
        )
        return SourceWorker(
            spec=spec,
            collector=collector,
            ingestor=self.ingestor,
            store=self.store,
            metrics=self.metrics,
            clock=self.clock,
            stop=self._stop,
            poll_interval=self.settings.poll_interval,
            tracer=self._tracer,
        )

    def _alerting(self, transport: httpx.BaseTransport | None) -> AlertEngine:
        """Build every receiver's notifiers up front: a missing secret fails at start-up."""
        config = self.config.alerting
        context = NotifyContext(
            clock=self.clock, base_dir=self.config.base_dir, transport=transport
        )
        notifiers: dict[str, list[Notifier]] = {}
        for receiver in config.receivers:
            notifiers[receiver.name] = [
                kind_of(str(getattr(n, "type"))).build(n, context)  # noqa: B009
                for n in receiver.notifiers
            ]
        idps = {app.name: app.idp or "unknown" for app in self.config.apps}
        return AlertEngine(
            config=config,
            transaction=self.store.transaction,
            clock=self.clock,
            metrics=self.metrics,
            notifiers=notifiers,
            context=Context(
                thresholds=config.thresholds,
                slo_of=self.config.slo_seconds,
                idp_of=lambda app: idps.get(app, "unknown"),
                runbook_base=config.runbook_base_url,
            ),
            collectors=self._collector_states,
            tracer=self._tracer,
        )

    def _collector_states(self) -> list[CollectorStatus]:
        newest = self.store.newest_by_source()
        return [
            CollectorStatus(
                name=w.spec.name,
                down_since=w.down_since,
                reason=w.last_reason,
                newest_event=newest.get(w.spec.name),
            )
            for w in self.workers
        ]

    def start(self) -> None:
        for worker in self.workers:
            worker.thread.start()
        threading.Thread(
            target=self.alerting.run, args=(self._stop,), name="alerting", daemon=True
        ).start()
        threading.Thread(target=self._housekeeping, name="housekeeping", daemon=True).start()

    def _housekeeping(self) -> None:
        """Prune old per-action history once an hour, so storage follows the retention."""
        while True:
            try:
                cutoff = self.clock.now() - self.settings.retention_days * 86400
                removed = self.store.prune(before=cutoff)
                if removed:
                    log.info(
                        "pruned %d rows older than %s days",
                        removed,
                        f"{self.settings.retention_days:g}",
                    )
            except StoreError as err:
                log.warning("pruning failed: %s", err)
            if self.clock.sleep(3600, self._stop):
                return

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        for worker in self.workers:
            if worker.thread.is_alive():
                worker.thread.join(timeout)
        self.alerting.close()
        self.store.close()

    def readiness(self) -> dict[str, str]:
        """Each check's state; ready when all are 'ok'."""
        checks: dict[str, str] = {}
        try:
            self.store.ping()
            checks["store"] = "ok"
        except StoreError as err:
            checks["store"] = str(err)
        started = all(worker.thread.is_alive() for worker in self.workers)
        checks["sources"] = "ok" if started else "not all source workers are running"
        return checks

    def _push_entry(self, spec: SourceSpec) -> tuple[SourceSpec, Secret, int]:
        """Resolve a push source's token once, at start-up: a missing secret fails fast."""
        settings = spec.config
        file = getattr(settings, "token_file", None)
        token = resolve_secret(
            env=getattr(settings, "token_env", None),
            file=self.config.base_dir / file if file else None,
        )
        if token is None:
            raise SecretError(f"source {spec.name}: no token configured")
        return spec, token, int(getattr(settings, "max_body_bytes"))  # noqa: B009

    @property
    def api_token(self) -> Secret | None:
        return self.settings.api_token

    def push_source(self, app: str) -> tuple[SourceSpec, Secret, int] | None:
        return self._push.get(app)

    def now(self) -> float | None:
        """The clock pending deprovisions age by: the wall clock of a live daemon."""
        return self.clock.now()

    def report(self) -> dict[str, object]:
        return build_report(self.store, self.config)

    def serve(
        self, sockets: Sequence[socket.socket], *, until: threading.Event | None = None
    ) -> None:
        """Serve HTTP until SIGINT/SIGTERM (or `until` is set), then stop the workers cleanly."""
        config = uvicorn.Config(self.api, log_level="warning", access_log=False, lifespan="off")
        server = uvicorn.Server(config)
        done = until or threading.Event()

        def watch() -> None:
            done.wait()
            server.should_exit = True

        threading.Thread(target=watch, name="serve-until", daemon=True).start()
        if threading.current_thread() is threading.main_thread():
            # uvicorn restores these after its own handling and re-raises the signal into
            # them; ours only ask for a stop, so shutdown stays graceful and exits 0.
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: done.set())
        try:
            server.run(sockets=list(sockets))
        finally:
            done.set()
            self.stop()
