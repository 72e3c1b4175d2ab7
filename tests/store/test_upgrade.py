"""Upgrading a store that holds data: rows survive, the (app, key) indexes of revision 0006
replace the key-only ones (and go again on downgrade), and every migration round-trips."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, select

import monitor.store
from monitor.detect.resources import Resources
from monitor.store import SqlStore
from monitor.store.prepared import Db
from monitor.store.tables import SP_KEYS, metadata, sp_resources

MIGRATIONS = Path(monitor.store.__file__).parent / "migrations"
ROWS = [
    {
        "app": app,
        "sp_id": f"{app}-1",
        "resource_type": "User",
        "user_name": "Ana@Corp.test",
        "user_key": "ana@corp.test",
        "email_key": "ana@corp.test",
        "external_id": "00uA",
        "idp_user_id": None,
        "active": True,
        "first_seen": 100.0,
        "last_seen": 200.0,
        "representation": '{"id":"x"}',
    }
    for app in ("crm", "wiki")  # the same person in two apps
]


def _alembic(engine: Engine, action: str, revision: str) -> None:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        getattr(command, action)(config, revision)


def _indexes(engine: Engine) -> set[str]:
    return {str(ix["name"]) for ix in inspect(engine).get_indexes("sp_resources")}


def _rows(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        query = select(sp_resources.c.app, sp_resources.c.sp_id, sp_resources.c.user_key)
        return [tuple(row) for row in conn.execute(query.order_by(sp_resources.c.app))]


def test_0006_keeps_the_rows_and_swaps_the_indexes(empty_db_url: str) -> None:
    engine = create_engine(empty_db_url)
    _alembic(engine, "upgrade", "0005")
    with engine.begin() as conn:
        conn.execute(sp_resources.insert(), ROWS)
    assert _indexes(engine) >= {f"ix_sp_resources_{key}" for key in SP_KEYS}

    store = SqlStore(empty_db_url)  # what a restarted daemon does: upgrade to the newest
    app_keys = {f"ix_sp_resources_app_{key}" for key in SP_KEYS}
    assert app_keys <= _indexes(engine)
    assert not {f"ix_sp_resources_{key}" for key in SP_KEYS} & _indexes(engine)
    assert _rows(engine) == [("crm", "crm-1", "ana@corp.test"), ("wiki", "wiki-1", "ana@corp.test")]
    with store.transaction() as conn:
        found = Resources(Db(conn)).matching("wiki", external_id="00uA")
    assert [row.sp_id for row in found] == ["wiki-1"]  # the other app's account is not read
    store.close()

    _alembic(engine, "downgrade", "0005")
    assert not app_keys & _indexes(engine)
    assert len(_rows(engine)) == 2
    _alembic(engine, "upgrade", "head")
    assert app_keys <= _indexes(engine)
    engine.dispose()


def test_every_migration_downgrades_and_upgrades_again(empty_db_url: str) -> None:
    engine = create_engine(empty_db_url)
    _alembic(engine, "upgrade", "head")
    _alembic(engine, "downgrade", "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    _alembic(engine, "upgrade", "head")
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    engine.dispose()
