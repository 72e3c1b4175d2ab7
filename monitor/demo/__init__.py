"""Demo traffic for `scimwatch demo`: simulated IdPs provisioning real in-process SCIM SPs.

In: a directory, a seed and a start time. Out: one SCIM access log per app under
`directory/scim/`, in the formats of the replay contract (flat JSON, ECS JSON, nginx
combined), the IdPs' audit logs under `directory/idp/`, some apps' own activity logs under
`directory/activity/`, plus the scimwatch config that watches them. The SPs are scim2-server
applications called through WSGI; a fault injector in front of each adds throttling,
server errors, an expired token and slowness, and staged incidents (`incidents`) act out the
mishaps behind every finding type. Nothing here reads the clock: time is whatever `run_until`
is told.

May import: the standard library, orjson, scim2-models, scim2-server. Must not import the
rest of scimwatch (the demo feeds the monitor through files, like any real app would).
"""

from monitor.demo.apps import DEFAULT_APPS, DemoApp
from monitor.demo.traffic import DemoTraffic

__all__ = ["DEFAULT_APPS", "DemoApp", "DemoTraffic"]
