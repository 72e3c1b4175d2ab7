"""A narrower identity match right after a wider one is answered from the wider answer, and
only while nothing was written in between; it must equal what the table would answer."""

from __future__ import annotations

import itertools
from typing import Any

from monitor.detect.resources import Resources, SpRow
from monitor.store import SqlStore
from monitor.store.prepared import Db, Prepared

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


def test_a_write_or_another_app_or_other_keys_go_to_the_table(store: SqlStore) -> None:
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
        resources.matching("crm", user_key="ana@corp.test", external_id="ext-1")
        resources.insert(SpRow("crm", "e", "User", "eve", "eve@corp.test", None, "ext-1", None))
        reads = db.reads
        assert _ids(resources.matching("crm", external_id="ext-1")) == ["a", "c", "e"]
        assert db.reads == reads + 1
        resources.matching("crm", user_key="ana@corp.test", external_id="ext-1")
        resources.update("crm", "c", external_id="ext-9")
        assert _ids(resources.matching("crm", external_id="ext-1")) == ["a", "e"]
