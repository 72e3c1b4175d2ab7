"""Activity of a zombie account: actions per second as its count after deprovision grows.

    .venv/bin/python bench/zombie_activity.py [--actions 5000 20000 80000] [--batch 10000]

One account's deprovision in one app is confirmed; then `--actions` successful actions of that
account go through the activity detector in batches of `--batch` (a replay's transaction
size), into a fresh SQLite store each. A detector whose cost per action is constant shows
the same rate for every size; one that recounts the account's window per action slows down in
proportion to the actions already counted.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from monitor.detect.activity import ActivityDetector
from monitor.detect.findings import Findings, Outcomes
from monitor.store import SqlStore
from monitor.store.prepared import Db
from monitor.store.tables import deprovisions

APP, USER = "crm", "zed@corp.test"


def run(actions: int, batch: int, scratch: Path) -> float:
    """Seconds for `actions` actions of the zombie, in transactions of `batch`."""
    store = SqlStore(f"sqlite:///{scratch / f'zombie-{actions}.db'}")
    with store.transaction() as conn:
        row = {"app": APP, "person": "okta:1", "sp_id": "c-1", "user_key": USER}
        conn.execute(deprovisions.insert().values(**row, requested_at=0.0, confirmed_at=1.0))
    started = time.perf_counter()
    for first in range(0, actions, batch):
        with store.transaction() as conn:
            db = Db(conn)
            detector = ActivityDetector(db, Findings(db, Outcomes()))
            for i in range(first, min(actions, first + batch)):
                detector.action(app=APP, user_key=USER, ts=10.0 + i, source="app_activity")
            detector.flush()
            detector.findings.flush()
    seconds = time.perf_counter() - started
    store.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actions", type=int, nargs="+", default=[5_000, 20_000, 80_000])
    parser.add_argument("--batch", type=int, default=10_000)
    args = parser.parse_args()
    print(f"{'actions':>10} {'seconds':>9} {'actions/s':>11}")
    with tempfile.TemporaryDirectory() as scratch:
        for actions in args.actions:
            seconds = run(actions, args.batch, Path(scratch))
            print(f"{actions:>10,} {seconds:>9.2f} {actions / seconds:>11,.0f}", flush=True)


if __name__ == "__main__":
    main()
