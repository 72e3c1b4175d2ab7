"""Scenario builder for detector tests: write a story as log files, replay it, read the report.

    sc = Scenario(tmp_path)
    crm = sc.app("crm", idp="okta", fmt="ecs")      # flat | ecs | ecs_dotted | combined
    crm.create("08:00", user("u1", "ana@corp.test", external_id="00uA"))
    sc.okta("09:00", "user.lifecycle.deactivate", "00uA", "ana@corp.test")
    crm.patch("09:10", "u1", {"op": "replace", "value": {"active": False}})
    report = sc.run()                               # `scimwatch replay`, parsed
    assert report.deprovisions == [deprovision("crm", "ana@corp.test", "u1", "09:00", "09:10")]

Times are clock strings on one fixed day (`"09:10:00.250"`, `"d1 09:10"` the day after);
`iso()` spells them as the report does. Records are written in the shapes the sources really
have, so a story exercises collectors and classifier as well as the detectors. Findings are
projected onto the fields contract section 6 names: extra fields never break a test, a
missing one does.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from detect.scenario_idp import google_activity, graph_audit, graph_provisioning, okta_event, page
from detect.scenario_lines import LINE_WRITERS, Exchange, Format, iso, moment, rfc3339

from monitor.cli import main

__all__ = [
    "ENTERPRISE",
    "App",
    "Format",
    "Report",
    "Scenario",
    "deprovision",
    "iso",
    "patch_body",
    "user",
]

Json = dict[str, Any]
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
AGENTS = {
    "okta": "Okta SCIM Client 1.0.0",
    "entra": "Microsoft Azure AD SCIM provisioning 1.0",
    "google": "google-provisioning-test/2.1",
}
FIELDS = {  # contract section 6: what each finding type carries
    "silent_attribute_loss": ("app", "sp_id", "at", "last_at", "count", "lost_attributes"),
    "digital_twin": ("app", "sp_ids", "user_name", "at"),
    "recreate_churn": ("app", "external_id", "old_sp_id", "new_sp_id", "at"),
    "activity_after_deprovision": ("source", "app", "user_name", "first_at", "count"),
    "vendor_quirk_rejected": ("app", "idp", "count"),
    "deprovision_not_applied": ("app", "sp_id", "at"),
}


def user(
    sp_id: str, user_name: str, *, external_id: str | None = None, active: Any = True, **extra: Any
) -> Json:
    """A full SCIM User as an SP answers it: name, emails, title and the enterprise extension."""
    given, _, family = user_name.split("@")[0].partition(".")
    rep: Json = {
        "schemas": [CORE_USER, ENTERPRISE],
        "id": sp_id,
        "userName": user_name,
        "active": active,
        "displayName": f"{given.title()} {family.title()}".strip(),
        "name": {"givenName": given.title(), "familyName": family.title() or "Doe"},
        "emails": [{"value": user_name.lower(), "type": "work", "primary": True}],
        "title": "analyst",
        ENTERPRISE: {"department": "finance", "employeeNumber": "4711"},
        "meta": {"resourceType": "User", "location": f"/Users/{sp_id}"},
    }
    if external_id is not None:
        rep["externalId"] = external_id
    rep.update(extra)
    return rep


def patch_body(*ops: Json) -> Json:
    return {"schemas": [PATCH_OP], "Operations": list(ops)}


def deprovision(
    app: str,
    user_name: str,
    sp_id: str,
    requested: str | None,
    confirmed: str | None = None,
    *,
    overdue: bool = False,
) -> Json:
    """The report entry a deprovision should have; its lag compares within 1 ms."""
    lag = None
    if requested is not None and confirmed is not None:
        seconds = (moment(confirmed) - moment(requested)).total_seconds()
        lag = pytest.approx(seconds, abs=1e-3)
    return {
        "app": app,
        "user_name": user_name,
        "sp_id": sp_id,
        "requested_at": iso(requested),
        "confirmed_at": iso(confirmed),
        "lag_seconds": lag,
        "status": "pending" if confirmed is None else "confirmed",
        "overdue": overdue,
    }


@dataclass(frozen=True)
class Report:
    """A parsed report; entries come sorted so tests compare whole lists."""

    data: Json

    @property
    def now(self) -> str:
        return str(self.data["now"])

    @property
    def deprovisions(self) -> list[Json]:
        rows: list[Json] = self.data["deprovisions"]
        return sorted(rows, key=lambda d: (d["app"], d["sp_id"] or "", d["requested_at"] or ""))

    def findings(self, kind: str) -> list[Json]:
        """Findings of one type, projected onto the contract's fields (KeyError if one lacks)."""
        rows = [{name: f[name] for name in FIELDS[kind]} for f in self.raw_findings(kind)]
        return sorted(rows, key=lambda f: json.dumps(f, sort_keys=True))

    def raw_findings(self, kind: str) -> list[Json]:
        return [f for f in self.data["findings"] if f["type"] == kind]

    @property
    def finding_types(self) -> set[str]:
        return {str(f["type"]) for f in self.data["findings"]}


@dataclass
class App:
    """One watched service provider: its SCIM log, its activity log and its config entry."""

    name: str
    fmt: Format
    base: str
    entry: Json
    lines: list[tuple[datetime, str]] = field(default_factory=list)
    activities: list[tuple[datetime, str]] = field(default_factory=list)

    def exchange(
        self,
        when: str,
        method: str,
        path: str,
        status: int,
        *,
        request: Any = None,
        response: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """One request and its answer, logged in this app's format (`path` after the base)."""
        agent = AGENTS.get(str(self.entry["idp"]), "scim-client")
        x = Exchange(
            moment(when),
            self.name,
            method,
            self.base + path,
            status,
            request,
            response,
            headers,
            agent,
        )
        self.lines.append((x.at, LINE_WRITERS[self.fmt](x)))

    def create(self, when: str, rep: Json, *, status: int = 201) -> Json:
        sent = {k: v for k, v in rep.items() if k not in ("id", "meta")}
        self.exchange(when, "POST", "/Users", status, request=sent, response=rep)
        return rep

    def get(self, when: str, rep: Json) -> None:
        self.exchange(when, "GET", f"/Users/{rep['id']}", 200, response=rep)

    def list(self, when: str, reps: list[Json], *, query: str = "startIndex=1&count=100") -> None:
        """A ListResponse page, as an import (or a filter query) reads it."""
        answer = {
            "schemas": [LIST_RESPONSE],
            "totalResults": len(reps),
            "startIndex": 1,
            "itemsPerPage": len(reps),
            "Resources": reps,
        }
        self.exchange(when, "GET", f"/Users?{query}", 200, response=answer)

    def patch(
        self,
        when: str,
        sp_id: str,
        *ops: Json,
        status: int = 204,
        response: Any = None,
        headers: dict[str, str] | None = None,
        endpoint: str = "Users",
    ) -> None:
        """A PatchOp of `ops` to `/Users/{sp_id}` (or another endpoint, such as Groups)."""
        path = f"/{endpoint}/{sp_id}"
        body = patch_body(*ops)
        self.exchange(when, "PATCH", path, status, request=body, response=response, headers=headers)

    def put(self, when: str, rep: Json, *, status: int = 200, response: Any = "same") -> None:
        """A full replace; the SP answers with the representation unless told otherwise."""
        sent = {k: v for k, v in rep.items() if k != "meta"}
        answer = rep if response == "same" else response
        self.exchange(when, "PUT", f"/Users/{rep['id']}", status, request=sent, response=answer)

    def delete(self, when: str, sp_id: str, *, status: int = 204) -> None:
        self.exchange(when, "DELETE", f"/Users/{sp_id}", status)

    def activity(
        self, when: str, user_name: str, *, status: int = 200, action: str = "record.update"
    ) -> None:
        """One line of the app's own activity log."""
        at = moment(when)
        line = {
            "ts": rfc3339(at),
            "app": self.name,
            "user": user_name,
            "auth": "api_token",
            "action": action,
            "status": status,
        }
        self.activities.append((at, json.dumps(line)))


class Scenario:
    """Apps, SCIM exchanges and IdP records; `run()` writes them all and replays them."""

    def __init__(self, root: Path, *, slo: float | None = None) -> None:
        self.root = root
        self.slo = slo
        self.apps: list[App] = []
        self.records: dict[str, list[tuple[datetime, Json]]] = {}
        self._ids = itertools.count(1)

    def app(
        self,
        name: str,
        *,
        idp: str,
        fmt: Format = "flat",
        base: str = "/scim/v2",
        slo: float | None = None,
        **refs: str,
    ) -> App:
        """`refs`: okta_app_id, entra_service_principal_id or google_app_name."""
        entry: Json = {"name": name, "idp": idp, **refs}
        if slo is not None:
            entry["slo"] = {"deprovision_seconds": slo}
        app = App(name, fmt, base, entry)
        self.apps.append(app)
        return app

    def okta(
        self,
        when: str,
        event_type: str,
        user_id: str,
        login: str,
        *,
        app_id: str | None = None,
        result: str = "SUCCESS",
    ) -> None:
        at = moment(when)
        event = okta_event(self._uid(), at, event_type, user_id, login, app_id, result)
        self._add("okta_system_log", at, event)

    def entra_audit(
        self,
        when: str,
        activity: str,
        object_id: str,
        upn: str,
        *,
        enabled: tuple[bool, bool] | None = None,
    ) -> None:
        at = moment(when)
        record = graph_audit(self._uid(), at, activity, object_id, upn, enabled)
        self._add("entra_directory_audit", at, record)

    def entra_provisioning(
        self,
        when: str,
        action: str,
        object_id: str,
        upn: str,
        *,
        principal: str,
        target_id: str,
        status: str = "success",
    ) -> None:
        at = moment(when)
        record = graph_provisioning(
            self._uid(), at, action, object_id, upn, principal, target_id, status
        )
        self._add("entra_provisioning_log", at, record)

    def google(self, application: str, when: str, name: str, email: str, **params: str) -> None:
        at = moment(when)
        activity = google_activity(next(self._ids) * 7919, at, application, name, email, params)
        self._add(f"google_reports/{application}", at, activity)

    def run(self) -> Report:
        """Write every file and the config, run `scimwatch replay`, parse the report."""
        sources = [source for app in self.apps for source in self._write_app(app)]
        for kind, records in sorted(self.records.items()):
            name = kind.replace("/", "-")
            ordered = [record for _, record in sorted(records, key=lambda r: r[0])]
            _write(self.root / f"idp/{name}.json", json.dumps(page(kind, ordered)))
            source: Json = {"type": kind, "path": f"idp/{name}.json"}
            if kind.startswith("google_reports/"):
                source = {**source, "type": "google_reports", "application": kind.split("/")[1]}
            sources.append(source)
        config: Json = {"apps": [app.entry for app in self.apps], "sources": sources}
        if self.slo is not None:
            config["slo"] = {"deprovision_seconds": self.slo}
        path = self.root / "scimwatch.yaml"
        _write(path, yaml.safe_dump(config, sort_keys=False))
        out = self.root / "report.json"
        args = ["replay", "--config", str(path), "--report", str(out), "--no-progress"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        data: Json = json.loads(out.read_text())
        assert data["rejected_lines"] == 0, "the scenario wrote a line scimwatch cannot read"
        return Report(data)

    def _write_app(self, app: App) -> list[Json]:
        sources = []
        for kind, rows in (("scim_log", app.lines), ("app_activity_log", app.activities)):
            if rows:
                path = f"{kind}/{app.name}.log"
                ordered = sorted(rows, key=lambda row: row[0])  # stable: same-time lines keep order
                _write(self.root / path, "".join(line + "\n" for _, line in ordered))
                sources.append({"type": kind, "app": app.name, "path": path})
        return sources

    def _add(self, kind: str, at: datetime, record: Json) -> None:
        self.records.setdefault(kind, []).append((at, record))

    def _uid(self) -> str:
        return f"5ce0{next(self._ids):04d}-4a1e-4b1d-9c3e-00000000ab{next(self._ids) % 100:02d}"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
