"""Identity matches: several apps asked with one statement, key values asked or read up front
answered from memory afterwards, also after writes move accounts between values; every
answer must equal what the table answers for that app alone."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import select

from monitor.detect.deprovision import Deprovisions
from monitor.detect.findings import Findings, Outcomes
from monitor.detect.idp import AppIndex, IdpDetector
from monitor.detect.matching import MAX_APPS
from monitor.detect.resources import Resources, SpRow
from monitor.events import Idp, IdpAction, IdpEvent
from monitor.store import SqlStore
from monitor.store.prepared import Db, Prepared
from monitor.store.tables import deprovisions as deprovisions_table

# Accounts whose keys overlap in every way a match can join them: a userName equal to another's
# email (and one with no email), a shared externalId, a shared IdP id, a group, another app.
ROWS = [
    SpRow("crm", "a", "User", "ana", "ana@corp.test", "ana@corp.test", "ext-1", "00uA"),
    SpRow("crm", "b", "User", "ANA2", "ana2@corp.test", "ana@corp.test", None, None),
    SpRow("crm", "c", "User", "carl", "carl@corp.test", None, "ext-1", None),
    SpRow("crm", "d", "User", "dee", "dee@corp.test", None, None, "00uA"),
    SpRow("crm", "f", "User", "Nobody", "nobody@corp.test", None, None, None),
    SpRow("crm", "g", "Group", "ana@corp.test", "ana@corp.test", None, "ext-1", None),
    SpRow("wiki", "a", "User", "ana", "ana@corp.test", "ana@corp.test", "ext-1", "00uA"),
]
KEYS = ("user_key", "email_key", "external_id", "idp_user_id")
VALUES: dict[str, list[str | None]] = {
    "user_key": [None, "ana@corp.test", "carl@corp.test"],
    "email_key": [None, "ana@corp.test", "nobody@corp.test"],
    "external_id": [None, "ext-1"],
    "idp_user_id": [None, "00uA"],
}


class CountingDb(Db):
    """The real cursor, counting the statements that return rows."""

    reads = 0

    def rows(self, stmt: Prepared[Any], **params: Any) -> list[Any]:
        self.reads += 1
        return super().rows(stmt, **params)


def _queries() -> list[dict[str, str | None]]:
    combos = itertools.product(*(VALUES[k] for k in KEYS))
    return [dict(zip(KEYS, combo, strict=True)) for combo in combos if any(combo)]


def _narrower(query: dict[str, str | None]) -> list[dict[str, str | None]]:
    """Every query naming a non-empty subset of `query`'s keys, with the same values."""
    named = [k for k in KEYS if query[k]]
    subsets = itertools.chain.from_iterable(
        itertools.combinations(named, n) for n in range(1, len(named) + 1)
    )
    return [{k: (query[k] if k in subset else None) for k in KEYS} for subset in subsets]


def _ids(rows: list[SpRow]) -> list[str]:
    return [row.sp_id for row in rows]


def test_a_narrower_match_equals_the_tables_answer_without_a_statement(store: SqlStore) -> None:
    with store.transaction() as conn:
        setup = Resources(Db(conn))
        for row in ROWS:
            setup.insert(row)
        setup.flush()
        fresh, memo = Resources(Db(conn)), CountingDb(conn)
        checked = 0
        for wide in _queries():
            for narrow in _narrower(wide):
                remembering = Resources(memo)
                remembering.matching("crm", **wide)
                before = memo.reads
                answer = remembering.matching("crm", **narrow)
                assert memo.reads == before, (wide, narrow)  # answered from memory
                assert _ids(answer) == _ids(fresh.matching("crm", **narrow)), (wide, narrow)
                checked += 1
        assert checked > 100


def test_another_app_or_other_keys_go_to_the_table_and_writes_keep_answers_current(
    store: SqlStore,
) -> None:
    with store.transaction() as conn:
        db = CountingDb(conn)
        resources = Resources(db)
        for row in ROWS:
            resources.insert(row)
        resources.matching("crm", user_key="ana@corp.test", external_id="ext-1")
        reads = db.reads
        assert _ids(resources.matching("wiki", external_id="ext-1")) == ["a"]
        assert _ids(resources.matching("crm", external_id="ext-2")) == []
        assert _ids(resources.matching("crm", idp_user_id="00uA")) == ["a", "d"]
        assert db.reads == reads + 3
        # Inserts and updates move ids between the values asked before: no statement again.
        reads = db.reads
        resources.insert(SpRow("crm", "e", "User", "eve", "eve@corp.test", None, "ext-1", None))
        assert _ids(resources.matching("crm", external_id="ext-1")) == ["a", "c", "e"]
        resources.update("crm", "c", external_id="ext-2")
        assert _ids(resources.matching("crm", external_id="ext-1")) == ["a", "e"]
        assert _ids(resources.matching("crm", external_id="ext-2")) == ["c"]
        resources.update("crm", "d", idp_user_id=None, user_key="ana@corp.test")
        assert _ids(resources.matching("crm", idp_user_id="00uA")) == ["a"]
        assert _ids(resources.matching("crm", user_key="ana@corp.test")) == ["a", "b", "d"]
        assert db.reads == reads
        resources.flush()  # the writes held back land, for the table to answer
        fresh = Resources(Db(conn))
        for keys in _queries():
            assert _ids(resources.matching("crm", **keys)) == _ids(fresh.matching("crm", **keys))


def test_one_statement_asks_every_app_and_later_questions_are_answered(store: SqlStore) -> None:
    apps = ["crm", "wiki", "chat", "none"]
    keys = ("ana@corp.test", None, "ext-1", "00uA")
    with store.transaction() as conn:
        setup = Resources(Db(conn))
        for row in [*ROWS, ROWS[2]._replace(app="chat")]:
            setup.insert(row)
        setup.flush()
        db = CountingDb(conn)
        resources, fresh = Resources(db), Resources(Db(conn))
        answers = resources.matching_in(apps, keys)
        assert db.reads == 1
        for app in apps:
            alone = fresh.matching(app, user_key=keys[0], external_id=keys[2], idp_user_id=keys[3])
            assert _ids(answers[app]) == _ids(alone), app
            narrower = {"external_id": "ext-1", "idp_user_id": "00uA"}
            assert _ids(resources.matching(app, **narrower)) == _ids(
                fresh.matching(app, **narrower)
            )
        assert db.reads == 1  # the later questions came from memory
        assert _ids(answers["crm"]) == ["a", "b", "c", "d"] and _ids(answers["none"]) == []


def test_many_apps_are_asked_in_slices(store: SqlStore) -> None:
    apps = [f"app{i}" for i in range(MAX_APPS + 3)]
    with store.transaction() as conn:
        db = CountingDb(conn)
        resources = Resources(db)
        for app in apps:
            resources.insert(SpRow(app, "u", "User", "ana", "ana@corp.test"))
        answers = resources.matching_in(apps, ("ana@corp.test", None, None, None))
        assert db.reads == 2
        assert all(_ids(answers[app]) == ["u"] for app in apps)


class MatchCountingDb(CountingDb):
    """Counts only identity-match statements."""

    matches = 0

    def rows(self, stmt: Prepared[Any], **params: Any) -> list[Any]:
        if "a0" in params:  # only the match statements name apps a0, a1, ...
            self.matches += 1
        return super().rows(stmt, **params)


def test_an_idp_removal_asks_all_of_the_idps_apps_at_once(store: SqlStore) -> None:
    apps = [f"okta-app{i}" for i in range(6)]
    index = AppIndex({("okta", f"0oa{i}"): app for i, app in enumerate(apps)}, {"okta": apps})
    with store.transaction() as conn:
        db = MatchCountingDb(conn)
        resources = Resources(db)
        findings = Findings(db, Outcomes())
        deprovisions = Deprovisions(db, resources, findings)
        idp = IdpDetector(resources, deprovisions, index, findings)
        for app in apps[:2]:  # the person has accounts in two of the six apps
            resources.insert(SpRow(app, f"{app}-u", "User", "ana", "ana@corp.test", None, "00uA"))
        event = IdpEvent(
            ts=1000.0,
            idp=Idp.OKTA,
            action=IdpAction.DEACTIVATE,
            key="k1",
            user_id="00uA",
            user_name="ana@corp.test",
        )
        before = db.matches
        idp.handle(event, "okta_session")
        assert db.matches == before + 1
        deprovisions.rows.flush()  # the requests were held back, as a batch holds them
        requested = conn.execute(select(deprovisions_table.c.app)).scalars().all()
    assert sorted(requested) == apps[:2]
