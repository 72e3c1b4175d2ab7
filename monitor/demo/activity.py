"""The apps' own activity logs: who signed in or called the API, and whether it worked.

scimwatch reads these (`app_activity_log`, docs/inputs.md) to catch accounts still in use after
their deprovision was confirmed. Employees use the apps all day; a few leavers' API tokens keep
working after SCIM disabled them (`kept_token`), which is the risk the check exists for. Lines
are buffered like the SCIM logs and appended whole at `flush`, so a tailer never sees half of
one and the bytes do not depend on how `run_until` calls are split.
"""

from __future__ import annotations

import random
from pathlib import Path

import orjson

from monitor.demo.recorder import rfc3339

__all__ = ["ActivityLog", "ordinary_action", "token_action"]

# (auth, action) of an employee's everyday use; sign-ins outnumber API calls.
_EVERYDAY = (
    ("session", "sign_in"),
    ("session", "sign_in"),
    ("session", "record.view"),
    ("session", "record.update"),
    ("api_token", "report.export"),
    ("api_token", "records.sync"),
)
_TOKEN_ACTIONS = ("records.sync", "report.export", "contacts.export")
_REFUSED_SHARE = 0.02  # everyday actions the app refuses (a permission it does not grant)


def ordinary_action(rng: random.Random) -> tuple[str, str, int]:
    """(auth, action, status) of one everyday action."""
    auth, action = rng.choice(_EVERYDAY)
    return auth, action, 403 if rng.random() < _REFUSED_SHARE else 200


def token_action(rng: random.Random) -> tuple[str, str, int]:
    """A script still calling the API with a leaver's token, which still works."""
    return "api_token", rng.choice(_TOKEN_ACTIONS), 200


class ActivityLog:
    """One app's activity log; truncated on construction, since its SP starts empty."""

    def __init__(self, path: Path, app: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
        self._path = path
        self._app = app
        self._pending: list[bytes] = []
        self.written = 0

    def record(self, t: float, user: str, action: tuple[str, str, int]) -> None:
        auth, name, status = action
        line = {
            "ts": rfc3339(t),
            "app": self._app,
            "user": user,
            "auth": auth,
            "action": name,
            "status": status,
        }
        self._pending.append(orjson.dumps(line) + b"\n")

    def flush(self) -> None:
        """Append everything recorded so far with a single write."""
        if not self._pending:
            return
        with self._path.open("ab") as f:
            f.write(b"".join(self._pending))
        self.written += len(self._pending)
        self._pending.clear()
