"""Grafana dashboards as code; may import only `monitor.telemetry.metrics`.

Reserved for the dashboards work.
"""
