"""Full replay of a large multi-source scenario against a bare orjson parse of the same inputs.

    python bench/multi_source.py [--copies 10] [--scenario ../shared/samples/basic]
                                 [--database-url postgresql+psycopg://user@host/db]

Builds a larger scenario by cloning one (the shared sample by default) `--copies` times: each copy
gets its own app names, email domain and IdP record keys, so copies neither merge nor
deduplicate into each other. Then times, in one run:
  baseline   orjson.loads over every input (each line of line files; each page file whole)
  replay     `scimwatch replay` in-process: parse, classify, correlate, detect, store (a fresh
             SQLite file, or the given database, which must be empty)
and prints records/s, the ratio, and the replay process's peak memory.
"""

from __future__ import annotations

import argparse
import re
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import orjson
import yaml
from prometheus_client import CollectorRegistry

from monitor.clock import SystemClock
from monitor.config import load
from monitor.ingest import Ingestor
from monitor.replay import replay
from monitor.store import SqlStore
from monitor.telemetry.metrics import Metrics

HERE = Path(__file__).resolve().parent
_KEYS = re.compile(rb'("(?:uuid|uniqueQualifier)":\s*")([^"]+)(")')
_GRAPH_ID = re.compile(rb'("id":\s*")([^"]+)(",\s*"activityDateTime")')


def _suffixed(k: int) -> Callable[[re.Match[bytes]], bytes]:
    """Make a record key unique to copy `k`."""
    return lambda m: m[1] + m[2] + f"-c{k}".encode() + m[3]


def clone(scenario: Path, out: Path, copies: int) -> Path:
    """Write `copies` renamed copies of a scenario and one config naming them all."""
    config = yaml.safe_load((scenario / "scimwatch.yaml").read_text())
    apps, sources = [], []
    for k in range(copies):
        prefix = f"c{k}-"
        for app in config["apps"]:
            apps.append({**app, "name": prefix + app["name"]})
        for source in config["sources"]:
            data = (scenario / source["path"]).read_bytes()
            data = data.replace(b"example.com", f"c{k}.example.com".encode())
            data = _KEYS.sub(_suffixed(k), data)
            data = _GRAPH_ID.sub(_suffixed(k), data)
            target = out / f"c{k}" / source["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            copy = {**source, "path": str(target.relative_to(out))}
            if "app" in copy:
                copy["app"] = prefix + copy["app"]
            sources.append(copy)
    # One IdP tenant per copy would need per-copy app ids; the copies share them, so IdP
    # records link to the first copy's apps only. Timing, not detection, is measured here.
    path = out / "scimwatch.yaml"
    path.write_text(yaml.safe_dump({"apps": apps, "sources": sources, "slo": config.get("slo")}))
    return path


def baseline(config_path: Path) -> tuple[float, int]:
    config = load(config_path)
    records = 0
    started = time.perf_counter()
    for spec in config.sources:
        data = (config.base_dir / getattr(spec.config, "path")).read_bytes()  # noqa: B009
        if data.lstrip()[:1] == b"[" or spec.kind.type.startswith(("entra", "google")):
            doc = orjson.loads(data)
            records += len(doc if isinstance(doc, list) else doc.get("value") or doc.get("items"))
            continue
        for line in data.splitlines():
            try:  # noqa: SIM105 - contextlib.suppress costs more than the loop body
                orjson.loads(line)
            except orjson.JSONDecodeError:
                pass  # nginx lines: the parse a JSON baseline cannot do
            records += 1
    return time.perf_counter() - started, records


def full_replay(config_path: Path, scratch: Path, database_url: str | None = None) -> float:
    config = load(config_path)
    store = SqlStore(database_url or f"sqlite:///{scratch / 'replay.db'}")
    ingestor = Ingestor(
        config=config, store=store, metrics=Metrics(CollectorRegistry()), clock=SystemClock()
    )
    started = time.perf_counter()
    replay(config, ingestor=ingestor)
    seconds = time.perf_counter() - started
    store.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument(
        "--scenario", type=Path, default=HERE.parent.parent / "shared" / "samples" / "basic"
    )
    parser.add_argument("--database-url", help="an empty database to replay into (default SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        config_path = clone(args.scenario, root, args.copies)
        base, records = baseline(config_path)
        seconds = full_replay(config_path, root, args.database_url)
    print(f"{records} records in {args.copies} copies of {args.scenario.name}")
    print(f"baseline orjson.loads  {base:8.2f} s  {records / base:12,.0f} records/s")
    print(
        f"full replay            {seconds:8.2f} s  {records / seconds:12,.0f} records/s  "
        f"ratio {base / seconds:.3f}"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB", file=sys.stderr)


if __name__ == "__main__":
    main()
