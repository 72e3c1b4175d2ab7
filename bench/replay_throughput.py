"""Replay throughput against a bare `orjson.loads` loop over the same SCIM log.

    python bench/replay_throughput.py [--lines 1000000] [--format flat|ecs|mixed] [--repeat 3]

Generates (and caches under bench/out/) a realistic SCIM request log, then times, in one run:
  baseline   for line in file: orjson.loads(line)
  parse      collectors.scimlog.parse_line per line
  classify   parse + classify + count (monitor.ingest.summarize), no store
  replay     the whole replay path in-process: tail, parse, classify, count, commit to SQLite,
             publish metrics
  CLI        `scimwatch replay` as a separate process, start-up included, with its peak memory
and prints lines/s and the ratio to the baseline. Results are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
from prometheus_client import CollectorRegistry

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate

from collectors.base import Batch
from collectors.scimlog import parse_line
from monitor.clock import SystemClock
from monitor.config import parse
from monitor.events import Record, Rejected
from monitor.ingest import Ingestor, summarize
from monitor.replay import replay
from monitor.store import SqlStore
from monitor.telemetry.metrics import Metrics

OUT = Path(__file__).resolve().parent / "out"


def _lines(path: Path) -> list[bytes]:
    with path.open("rb") as handle:
        return handle.read().splitlines()


def baseline(lines: list[bytes]) -> None:
    loads = orjson.loads
    for line in lines:
        try:  # noqa: SIM105 - contextlib.suppress costs more than the loop body
            loads(line)
        except orjson.JSONDecodeError:
            pass


def parse_only(lines: list[bytes]) -> None:
    for line in lines:
        parse_line(line)


def classify_and_count(lines: list[bytes]) -> None:
    """What the ingest pipeline does per chunk, without the tailer, the store and metrics."""
    step = 4000

    def records(chunk: list[bytes]) -> Iterator[Record]:
        for line in chunk:
            record = parse_line(line)
            if not isinstance(record, Rejected):
                yield record

    for start in range(0, len(lines), step):
        chunk = lines[start : start + step]
        summarize(
            Batch(records=records(chunk), checkpoint={}, units=len(chunk)), app="bench", idp=None
        )


def full_replay(path: Path) -> None:
    text = f"apps: [{{name: bench}}]\nsources: [{{type: scim_log, app: bench, path: {path}}}]\n"
    config = parse(text, source="bench.yaml", base_dir=path.parent)
    with tempfile.TemporaryDirectory() as scratch:
        store = SqlStore(f"sqlite:///{scratch}/bench.db")
        ingestor = Ingestor(
            config=config, store=store, metrics=Metrics(CollectorRegistry()), clock=SystemClock()
        )
        replay(config, ingestor=ingestor)
        store.close()


def replay_process(path: Path) -> tuple[float, float]:
    """`scimwatch replay` as a user runs it (start-up included); its wall time and peak RSS."""
    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "bench.yaml"
        config.write_text(
            f"apps: [{{name: bench}}]\nsources: [{{type: scim_log, app: bench, path: {path}}}]\n"
        )
        command = [
            str(Path(sys.executable).parent / "scimwatch"),
            "replay",
            "--config",
            str(config),
            "--report",
            str(Path(scratch) / "report.json"),
            "--no-progress",
        ]
        started = time.perf_counter()
        # A small launcher forks the CLI, so the child's peak RSS is its own, not a copy of
        # this process's (which holds a million lines for the in-memory stages).
        out = subprocess.run(
            [sys.executable, "-c", _LAUNCHER, *command], check=True, capture_output=True, text=True
        ).stdout
        seconds = time.perf_counter() - started
    return seconds, float(out.strip()) / 1024


_LAUNCHER = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
    "stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def best_of(repeat: int, run: Callable[[], None]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--format", default="flat", choices=["flat", "ecs", "combined", "mixed"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / f"scim-{args.format}-{args.lines}-{args.seed}.log"
    if not path.exists():
        print(f"generating {path.name} ...", file=sys.stderr)
        generate(path, args.lines, args.format, args.seed)
    lines = _lines(path)
    size_mb = path.stat().st_size / 1e6
    print(f"{len(lines)} lines, {size_mb:.0f} MB, format {args.format}, best of {args.repeat}")
    base = best_of(args.repeat, lambda: baseline(lines))
    rows = [("baseline orjson.loads", base)]
    rows.append(("parse", best_of(args.repeat, lambda: parse_only(lines))))
    rows.append(("parse+classify+count", best_of(args.repeat, lambda: classify_and_count(lines))))
    rows.append(("full replay (SQLite)", best_of(args.repeat, lambda: full_replay(path))))
    print(f"{'stage':<24}{'seconds':>9}{'lines/s':>12}{'ratio':>8}")
    for label, seconds in rows:
        rate = args.lines / seconds
        print(f"{label:<24}{seconds:>9.2f}{rate:>12,.0f}{base / seconds:>8.2f}")
    seconds, child_peak = replay_process(path)
    print(
        f"{'scimwatch replay (CLI)':<24}{seconds:>9.2f}{args.lines / seconds:>12,.0f}"
        f"{base / seconds:>8.2f}"
    )
    print(f"peak RSS of the scimwatch replay process: {child_peak:.0f} MiB")


if __name__ == "__main__":
    main()
