"""Full replay of a large multi-source scenario against a bare orjson parse of the same inputs.

    python bench/multi_source.py [--copies 10] [--scenario ../shared/samples/basic]
                                 [--database-url postgresql+psycopg://user@host/db]
                                 [--stage all|none|baseline|parse|classify|replay] [--repeat 3]

Builds a larger scenario by cloning one (the shared sample by default) `--copies` times: each copy
is its own tenant, with its own app names, IdP app ids, person ids (GUIDs, Okta ids, Google
profile ids), emails and IdP record keys, so copies neither merge, deduplicate nor correlate
into each other, and the clone's report is the scenario's once per copy
(`tests/demo/test_bench_multi_source.py` scores each copy against the rewritten truth).
Then times, in one run:
  baseline   orjson.loads over every input (each line of line files; each page file whole)
  parse      every source read and parsed by its collector, nothing merged or stored
  classify   the same, each batch also classified and counted (`monitor.tally.summarize`)
  replay     `scimwatch replay` in-process: parse, classify, correlate, detect, store (a fresh
             SQLite file, or the given database, which must be empty)
and prints records/s, each stage's ratio to the baseline, and the process's peak memory.
Each stage runs `--repeat` times (a replay into a fresh SQLite file each time; once into a given
database) and its best time counts: the first pass over freshly written inputs runs up to 1.6x
slower than later ones (the heap and page cache still growing), and timing only the baseline's
first pass had overstated every ratio by as much.
`--stage` runs one stage alone, for counting its instructions, which unlike times are the same
from run to run on a shared machine (subtract a `--stage none` run: start-up and the clone):

    PYTHONHASHSEED=0 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
        .venv/bin/python bench/multi_source.py --copies 2 --stage replay
"""

from __future__ import annotations

import argparse
import re
import resource
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

import orjson
import yaml
from prometheus_client import CollectorRegistry

from monitor.clock import SystemClock
from monitor.config import load
from monitor.events import Idp
from monitor.ingest import Ingestor
from monitor.replay import replay
from monitor.store import SqlStore
from monitor.tally import summarize
from monitor.telemetry.metrics import Metrics

HERE = Path(__file__).resolve().parent
_KEYS = re.compile(rb'("(?:uuid|uniqueQualifier)":\s*")([^"]+)(")')
_GRAPH_ID = re.compile(rb'("id":\s*")([^"]+)(",\s*"activityDateTime")')
# Identifiers that tie records to a person or an app, made distinct per copy below: GUIDs
# (Entra object and servicePrincipal ids, SCIM ids), Okta ids (`00u...` users, `0oa...` apps),
# Google's 21-digit profile ids, and email local parts (also sent as externalIds).
_HEX = rb"[0-9a-fA-F]"
_GUID = re.compile(rb"(?<!%s)%s{8}(?:-%s{4}){3}-%s{12}(?!%s)" % ((_HEX,) * 5))
_OKTA_ID = re.compile(rb"\b0(?:0[a-z]|[a-z]{2})[A-Za-z0-9]{16,17}\b")
_PROFILE_ID = re.compile(rb"\b\d{21}\b")
# An email starts where a run of local-part characters starts (the lookbehind), or each failed
# match would rescan the rest of a long run from every position in it.
_EMAIL = re.compile(rb"(?<![A-Za-z0-9._+-])([A-Za-z0-9._+-]+)@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_TOKENS = re.compile(rb"([A-Za-z0-9._+-]+)")
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Where a copy's own text goes in a template (no JSON or log line holds a NUL byte): a GUID's
# first two hex digits, an Okta id's fourth character, a profile id's second digit, the start
# of an email domain, the end of a person's local part, the end of a record key.
_GUID_HEAD, _OKTA_CHAR, _PROFILE_DIGIT, _DOMAIN, _PERSON, _KEY = (
    b"\x00" + bytes([n]) for n in range(1, 7)
)


class _Templates:
    """A scenario's inputs with markers where each copy's own text goes: the regex passes run
    once per input, and a copy is six `bytes.replace` calls (a copy rewritten by the regexes
    took seconds)."""

    def __init__(self, inputs: Iterable[bytes]) -> None:
        # Email local parts that name a person (a dot or a digit: `mia.garcia325`), which SPs
        # also receive as externalIds; bare words (`admin`) could be JSON keys or values too.
        found = {m[1].lower() for data in inputs for m in _EMAIL.finditer(data)}
        self._people = {p for p in found if b"." in p or any(c in b"0123456789" for c in p)}

    def make(self, data: bytes) -> bytes:
        data = _GUID.sub(lambda m: _GUID_HEAD + m[0][2:], data)
        data = _OKTA_ID.sub(lambda m: m[0][:3] + _OKTA_CHAR + m[0][4:], data)
        data = _PROFILE_ID.sub(lambda m: m[0][:1] + _PROFILE_DIGIT + m[0][2:], data)
        data = _EMAIL.sub(lambda m: m[1] + b"@" + _DOMAIN + m[2], data)
        data = _KEYS.sub(lambda m: m[1] + m[2] + _KEY + m[3], data)
        data = _GRAPH_ID.sub(lambda m: m[1] + m[2] + _KEY + m[3], data)
        parts = _TOKENS.split(data)  # separators at even indexes, tokens at odd ones
        people = self._people
        parts[1::2] = [t + _PERSON if t.lower() in people else t for t in parts[1::2]]
        return b"".join(parts)

    @staticmethod
    def fill(template: bytes, k: int) -> bytes:
        """Copy `k`: the same id gets the same text in every file of a copy, and keeps its
        shape (a GUID stays a GUID, an Okta id its length, an email an email)."""
        texts = (
            (_GUID_HEAD, f"{k:02x}"),
            (_OKTA_CHAR, _DIGITS[k % len(_DIGITS)]),
            (_PROFILE_DIGIT, str(k % 10)),
            (_DOMAIN, f"c{k}."),
            (_PERSON, f"c{k}"),
            (_KEY, f"-c{k}"),
        )
        for marker, text in texts:
            template = template.replace(marker, text.encode())
        return template


def rewriters(inputs: Iterable[bytes], copies: int) -> list[Callable[[bytes], bytes]]:
    """One identifier rewrite per copy of a scenario whose input files are `inputs`."""
    templates = _Templates(inputs)
    return [partial(_rewrite, templates, k) for k in range(copies)]


def _rewrite(templates: _Templates, k: int, data: bytes) -> bytes:
    return templates.fill(templates.make(data), k)


def clone(scenario: Path, out: Path, copies: int) -> Path:
    """Write `copies` copies of a scenario and one config naming them all. Each copy is its
    own set of people and apps: app names, IdP app ids, person ids, emails and record keys
    are rewritten per copy, so copies neither merge, deduplicate nor correlate into each
    other (one IdP tenant per copy; a replay's report is the scenario's, once per copy)."""
    config = yaml.safe_load((scenario / "scimwatch.yaml").read_text())
    inputs = {
        source["path"]: (scenario / source["path"]).read_bytes() for source in config["sources"]
    }
    templates = _Templates(inputs.values())
    made = {path: templates.make(data) for path, data in inputs.items()}
    apps, sources = [], []
    for k in range(copies):
        prefix = f"c{k}-"
        for app in config["apps"]:
            refs = {
                key: _rewrite(templates, k, str(value).encode()).decode()
                for key, value in app.items()
                if key.endswith("_id")
            }
            apps.append({**app, **refs, "name": prefix + app["name"]})
        for source in config["sources"]:
            target = out / f"c{k}" / source["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(templates.fill(made[source["path"]], k))
            copy = {**source, "path": str(target.relative_to(out))}
            if "app" in copy:
                copy["app"] = prefix + copy["app"]
            sources.append(copy)
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


def read_all(config_path: Path, *, classify: bool) -> float:
    """Every source read and parsed by its collector (and, with `classify`, classified and
    counted), nothing merged, detected or stored: the part of a replay that no change to the
    detectors can remove."""
    config = load(config_path)
    idps = {app.name: Idp(app.idp) if app.idp else None for app in config.apps}
    started = time.perf_counter()
    for spec in config.sources:
        settings = spec.config
        if getattr(settings, "start_at", None) == "end":  # as a replay: every file whole
            settings = settings.model_copy(update={"start_at": "beginning"})
        collector = spec.kind.make(settings, name=spec.name, base_dir=config.base_dir)
        collector.restore(None)
        while (batch := collector.poll(final=True)) is not None:
            if classify:
                summarize(batch, app=spec.app, idp=idps.get(spec.app or ""))
            else:
                deque(batch.records, maxlen=0)  # line files parse as their records are read
        collector.close()
    return time.perf_counter() - started


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


def _fresh(root: Path, n: int) -> Path:
    """A scratch directory of its own for the `n`th replay: each starts from an empty store."""
    path = root / f"replay-{n}"
    path.mkdir()
    return path


STAGES = ("baseline", "parse", "classify", "replay")
_LABELS = {
    "baseline": "baseline orjson.loads",
    "parse": "read and parse",
    "classify": "  + classify, count",
    "replay": "full replay",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument(
        "--scenario", type=Path, default=HERE.parent.parent / "shared" / "samples" / "basic"
    )
    parser.add_argument("--database-url", help="an empty database to replay into (default SQLite)")
    parser.add_argument(
        "--repeat",
        type=int,
        help="runs per stage, best time counts (default 3; 1 with --stage, for instructions)",
    )
    parser.add_argument(
        "--stage",
        choices=("all", "none", *STAGES),
        default="all",
        help="run one stage only, or none (start-up and clone: the part to subtract), to count "
        "its instructions under valgrind",
    )
    args = parser.parse_args()
    wanted = {"all": STAGES, "none": ()}.get(args.stage, (args.stage,))
    repeat = max(1, args.repeat or (3 if args.stage == "all" else 1))
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        config_path = clone(args.scenario, root, args.copies)
        # The baseline also counts the records; a single stage other than it goes uncounted,
        # so its instructions are its own.
        base_runs = [baseline(config_path) for _ in range(repeat if "baseline" in wanted else 0)]
        records = base_runs[0][1] if base_runs else 0
        runs: dict[str, Callable[[int], float]] = {
            "baseline": lambda n: base_runs[n][0],
            "parse": lambda n: read_all(config_path, classify=False),
            "classify": lambda n: read_all(config_path, classify=True),
            "replay": lambda n: full_replay(config_path, _fresh(root, n), args.database_url),
        }
        seconds = {
            stage: min(
                runs[stage](n)
                for n in range(1 if stage == "replay" and args.database_url else repeat)
            )
            for stage in wanted
        }
    print(f"{records or 'the'} records in {args.copies} copies of {args.scenario.name}")
    base = seconds.get("baseline")
    for stage, taken in seconds.items():
        rate = f"  {records / taken:12,.0f} records/s" if records else ""
        ratio = f"  ratio {base / taken:.3f}" if base and stage != "baseline" else ""
        print(f"{_LABELS[stage]:22} {taken:8.2f} s{rate}{ratio}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB", file=sys.stderr)


if __name__ == "__main__":
    main()
