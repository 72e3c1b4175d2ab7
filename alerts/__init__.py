"""Alerting: alert catalog, pipeline (route, group, dedup, silence, retry, record) and notifiers.

Reserved for the alerting work; it may not import `collectors`.
"""
