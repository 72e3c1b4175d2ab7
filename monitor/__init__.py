"""scimwatch's daemon core.

Data flows one way: a collector reads records (`collectors`), the classifier turns each SCIM
request into a normalized `ScimEvent` (`monitor.classify`), the ingest pipeline counts them and
commits the counts with the source's checkpoint (`monitor.ingest`, `monitor.store`), and the
committed counts become Prometheus metrics (`monitor.telemetry`) served with the API
(`monitor.api`). `monitor.app` wires it all; `monitor.cli` is the thin entry point.
"""

__version__ = "0.1.0"
