"""Peak memory and time of reading one large IdP page file: whole, or a range at a time.

    python bench/page_memory.py [--records 200000] [--scenario ../shared/samples/basic]

Writes an Okta System Log export of `--records` events (the scenario's Okta records repeated,
each copy with its own `uuid` and moved `published` time, so the file is one long history in
order), then reads it to the end with the Okta file collector in a fresh process per mode:
  whole    the file parsed in one go (what every page file up to `STREAM_BYTES` gets)
  ranges   the file scanned, then read `RANGE_RECORDS` records per poll (larger files)
and prints each mode's seconds, records and peak RSS beside the bare `orjson.loads` of the
file. Results are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
_MODES = {"whole": 1 << 62, "ranges": None, "orjson": 0}


def write_export(scenario: Path, out: Path, records: int) -> int:
    """The scenario's Okta events, repeated until `records`, each copy later than the last."""
    events = orjson.loads((scenario / "idp" / "okta-system-log.json").read_bytes())
    times = [datetime.fromisoformat(e["published"].replace("Z", "+00:00")) for e in events]
    span = max(times) - min(times) + timedelta(hours=1)
    written = 0
    with out.open("wb") as handle:
        handle.write(b"[")
        copy = 0
        while written < records:
            for event, at in zip(events, times, strict=True):
                if written == records:
                    break
                moved = (at + span * copy).astimezone(UTC).isoformat(timespec="milliseconds")
                uuid = f"{copy:06d}-{event['uuid']}"
                item = {**event, "uuid": uuid, "published": moved.replace("+00:00", "Z")}
                handle.write((b",\n" if written else b"") + orjson.dumps(item))
                written += 1
            copy += 1
        handle.write(b"]")
    return written


def _read(path: Path, mode: str) -> None:
    """One mode, in this process: print seconds, records and peak RSS (MiB)."""
    import resource

    from collectors._idp import record_reader
    from collectors._records_file import STREAM_BYTES, RecordsFileCollector
    from collectors.okta_system_log import _fields

    started = time.perf_counter()
    if mode == "orjson":
        count = len(orjson.loads(path.read_bytes()))
    else:
        threshold = _MODES[mode] or STREAM_BYTES
        read = record_reader("okta_system_log", _fields)
        collector = RecordsFileCollector(name="okta", path=path, read=read, stream_bytes=threshold)
        count = 0
        while (batch := collector.poll(final=True)) is not None:
            count += sum(1 for _ in batch.records)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{mode:8} {seconds:7.2f} s  {count:9,} records  peak RSS {peak:7.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument(
        "--scenario", type=Path, default=HERE.parent.parent / "shared" / "samples" / "basic"
    )
    parser.add_argument("--mode", choices=tuple(_MODES), help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        _read(args.path, args.mode)
        return
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "okta-export.json"
        written = write_export(args.scenario, path, args.records)
        print(f"{written:,} Okta events, {path.stat().st_size / 2**20:.0f} MiB")
        for mode in _MODES:
            command = [sys.executable, __file__, "--mode", mode, "--path", str(path)]
            subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
