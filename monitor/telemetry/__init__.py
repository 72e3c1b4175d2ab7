"""Telemetry: every Prometheus metric scimwatch exports (`metrics`), built on an injected registry."""
