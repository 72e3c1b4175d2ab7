"""Grafana dashboards as code (grafana-foundation-sdk), one module per dashboard.

Queries are built from the metric name constants of `monitor.telemetry.metrics` and
`monitor.telemetry.state`, the only project modules this package may import (an import-linter
contract). `python -m dashboards.build` writes dashboards/json/<uid>.json; see docs/dashboards.md.
"""
