"""Telemetry: the Prometheus metrics scimwatch exports (`metrics`), on an injected registry."""
