"""Identity matches answered from memory equal the table's answer, whatever was read up front,
asked before, inserted or re-keyed in between (`KeyIndex` in `monitor.detect.matching`).

Generated sequences of inserts, key changes, up-front reads and questions run against one
`Resources` (as a batch has it); after each question a fresh `Resources`, which has nothing in
memory, asks the table the same, and the two answers must be the same accounts in the same
order. A question whose values were all read costs no statement."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.detect.matching import EXTERNAL, IDP_ID, NAME, Keys
from monitor.detect.resources import Resources, SpRow
from monitor.store import SqlStore
from monitor.store.prepared import Db, Prepared

APPS = ("crm", "wiki")
NAMES = ("ana@corp.test", "bo@corp.test")
IDS = ("ext-1", "00uA")
KINDS = {"user_key": NAME, "email_key": NAME, "external_id": EXTERNAL, "idp_user_id": IDP_ID}
POOLS = {"user_key": NAMES, "email_key": NAMES, "external_id": IDS, "idp_user_id": IDS}


class CountingDb(Db):
    """The real `Db`, counting the statements that return rows."""

    reads = 0

    def _execute(self, stmt: Prepared[Any], params: Mapping[str, Any]) -> Any:
        self.reads += 1
        return super()._execute(stmt, params)


def _maybe(pool: tuple[str, ...]) -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), st.sampled_from(pool))


KEYS = st.fixed_dictionaries({column: _maybe(pool) for column, pool in POOLS.items()})
TYPES = st.sampled_from(["User", "Group"])
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("insert"), st.sampled_from(APPS), TYPES, KEYS),
        st.tuples(st.just("rekey"), st.sampled_from(APPS), st.integers(0, 9), KEYS),
        st.tuples(st.just("read"), st.sampled_from(APPS), st.one_of(st.none(), KEYS), KEYS),
        st.tuples(st.just("ask"), st.sampled_from(APPS), st.just(""), KEYS),
    ),
    max_size=25,
)


def _keys(values: dict[str, str | None]) -> Keys:
    return (values["user_key"], values["email_key"], values["external_id"], values["idp_user_id"])


def _entries(app: str, values: dict[str, str | None]) -> list[tuple[str, int, str]]:
    return [(app, KINDS[column], value) for column, value in values.items() if value]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=STEPS)
def test_answers_from_memory_equal_the_tables(store: SqlStore, steps: list[Any]) -> None:
    with store.transaction() as conn:
        db = CountingDb(conn)
        resources = Resources(db)
        created: dict[str, list[str]] = {app: [] for app in APPS}
        for n, (op, app, extra, values) in enumerate(steps):
            if op == "insert":
                sp_id = f"{app}-{n}"
                resources.insert(SpRow(app, sp_id, extra, **values))
                created[app].append(sp_id)
            elif op == "rekey" and created[app]:
                sp_id = created[app][extra % len(created[app])]
                resources.update(app, sp_id, **values)
            elif op == "read":  # one app's values, or also other values of the other app
                other = APPS[1 - APPS.index(app)]
                more = _entries(other, extra) if extra is not None else []
                resources.prefetch_keys(_entries(app, values) + more)
            elif op == "ask":
                keys = _keys(values)
                resources.flush()  # the writes held back land, for the table to answer
                table = Resources(Db(conn)).match(app, keys)
                read_all = resources._index.answer(app, keys) is not None
                before = db.reads
                assert resources.match(app, keys) == table
                if read_all:
                    assert db.reads == before  # answered from memory
        conn.rollback()


def test_accounts_read_by_key_that_were_not_in_memory_are_read_whole(store: SqlStore) -> None:
    with store.transaction() as conn:
        setup = Resources(Db(conn))
        setup.insert(SpRow("crm", "a", "User", "Ana", "ana@corp.test", None, "ext-1"))
        setup.insert(SpRow("crm", "b", "User", "Bo", "bo@corp.test", "ana@corp.test"))
        setup.insert(SpRow("wiki", "c", "User", "Ana", "ana@corp.test", None, "ext-1"))
        setup.flush()
        db = CountingDb(conn)
        resources = Resources(db)
        resources.prefetch_keys([("crm", NAME, "ana@corp.test"), ("crm", EXTERNAL, "ext-9")])
        reads = db.reads
        assert [r.sp_id for r in resources.matching("crm", user_key="ana@corp.test")] == ["a", "b"]
        assert resources.matching("crm", external_id="ext-9") == []
        assert resources.get("crm", "b") is not None
        assert db.reads == reads  # the matched accounts were read whole up front
        assert [r.sp_id for r in resources.matching("crm", external_id="ext-1")] == ["a"]
        assert db.reads == reads + 1  # a value not read up front asks the table, once
        resources.matching("crm", external_id="ext-1")
        assert db.reads == reads + 1
