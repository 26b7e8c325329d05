"""Import benchmark: a Telegram Desktop export of 200,000 messages (~100 MB), streamed into an archive.

    python bench/importer.py                     # 200,000 messages (a few minutes: storing)
    python bench/importer.py --messages 20000    # a quick run

Writes the export into a temporary folder, then runs each step in a fresh process, so that
its peak RSS (getrusage) is its own, and reports the wall time, the peak RSS and the growth
over the RSS the process had before the step began (interpreter, modules, matcher). The
baseline, in the same run: the old import's parse, json.loads of the whole file, alone and with
the tuple of Posts the old load_export kept. Then the streamed check (load_export: the header
and every message), the check with a read of every post, and the whole import into a new
SQLite archive migrated by Alembic (both passes, the default packs, the search index).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import ijson

from monitor.imports.desktop import import_export, load_export, parse_export
from monitor.sandbox.desktop_export import write_export

STEPS = {
    "json.loads (old parse)": "loads",
    "json.loads + Posts (old load_export)": "loads_posts",
    "streamed check (load_export)": "check",
    "streamed check + read every post": "check_read",
    "streamed import into SQLite": "store",
}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_step(step: str, file: Path, db: Path) -> dict[str, float]:
    """In this (child) process: prepare, then time one step; what it stored or read, and its RSS."""
    work = prepare(step, file, db)
    floor = peak_rss_mb()
    started = time.perf_counter()
    count = work()
    seconds = time.perf_counter() - started
    peak = peak_rss_mb()
    return {"seconds": seconds, "peak": peak, "growth": peak - floor, "count": count}


def prepare(step: str, file: Path, db: Path) -> Callable[[], int]:
    if step == "loads":
        return lambda: len(json.loads(file.read_text(encoding="utf-8"))["messages"])
    if step == "loads_posts":
        return lambda: len(
            tuple(parse_export(json.loads(file.read_text(encoding="utf-8")), source="").posts)
        )
    if step == "check":
        return lambda: load_export(file).post_count
    if step == "check_read":
        return lambda: sum(1 for _post in load_export(file).posts)
    return prepare_store(file, db)


def prepare_store(file: Path, db: Path) -> Callable[[], int]:
    from monitor.matching import compile_matcher, load_default_packs
    from monitor.search.query import default_lemmatizer
    from monitor.store import migrate
    from monitor.store.channels import ChannelRepo
    from monitor.store.engine import Database
    from monitor.store.posts import PostRepo
    from monitor.store.search import SearchRepo

    url = f"sqlite+aiosqlite:///{db}"
    migrate.upgrade(url)
    find_hits = compile_matcher(load_default_packs()).find_hits
    lemmatizer = default_lemmatizer()
    find_hits("Повестки в Мелитополе")  # warm the morphology, as a long-running import would

    async def store() -> int:
        database = Database.open(url)
        try:
            result = await import_export(
                load_export(file),
                channels=ChannelRepo(database),
                posts=PostRepo(database),
                now=datetime.now(UTC),
                find_hits=find_hits,
                hooks=[SearchRepo(database, lemmatizer).index_hook()],
            )
            return result.new
        finally:
            await database.close()

    return lambda: asyncio.run(store())


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    names = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    cpu = next(
        (n.split(":", 1)[1].strip() for n in names if n.startswith("model name")),
        platform.machine(),
    )
    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}; "
        f"ijson {ijson.__version__} ({ijson.backend}); {platform.system()} {platform.release()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--step", choices=STEPS.values(), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:  # a child: one step, its numbers as JSON
        print(json.dumps(run_step(args.step, args.file, args.db)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        file = Path(folder) / "result.json"
        written = write_export(file, messages=args.messages)
        size = file.stat().st_size / 2**20
        print(
            f"{machine()}\nexport: {args.messages:,} messages, {written.posts:,} posts, {size:.0f} MiB"
        )
        print(f"\n{'step':<38} {'wall s':>8} {'peak RSS MiB':>13} {'growth MiB':>11} {'count':>9}")
        for name, step in STEPS.items():
            command = [sys.executable, __file__, "--step", step, "--file", str(file)]
            command += ["--db", str(Path(folder) / f"{step}.db")]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            row = json.loads(done.stdout.splitlines()[-1])
            print(
                f"{name:<38} {row['seconds']:>8.2f} {row['peak']:>13.0f} "
                f"{row['growth']:>11.0f} {row['count']:>9,.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
