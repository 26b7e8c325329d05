"""Benchmark place tagging on the bundled real posts (run: python bench/places.py).

Reports, from one run on one core: the gazetteer's load (once per process, on first use), the
cost per post of tagging and of the search index terms with and without places (what ingest
pays per post), the matcher's own cost per post for scale, and the start-up of `patterns check`
and `check-config` with this tree against the `--baseline` tree (another checkout, e.g. main),
measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FEED = ROOT / "monitor" / "sandbox" / "feeds" / "ru-news-channels"


def load_posts() -> list[str]:
    posts: list[str] = []
    for path in sorted(FEED.glob("*.json")):
        posts.extend(str(p["text"] or "") for p in json.loads(path.read_text("utf-8")))
    return posts


def per_post_us(fn: object, posts: list[str], repeats: int = 3) -> float:
    assert callable(fn)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for text in posts:
            fn(text)
        best = min(best, time.perf_counter() - start)
    return best / len(posts) * 1e6


def _run_s(tree: Path, args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, str(tree / "bot.py"), *args],
        cwd=tree,
        env={**env, "PYTHONPATH": str(tree)},
        capture_output=True,
        check=False,
    )
    return time.perf_counter() - start


def startup_s(
    tree: Path, baseline: Path | None, args: list[str], env: dict[str, str], runs: int = 9
) -> tuple[float, float | None]:
    """Median start-up of this tree and of the baseline, runs interleaved (the machine is
    shared: load shifts between runs, not between the two trees)."""
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(_run_s(tree, args, env))
        if baseline is not None:
            theirs.append(_run_s(baseline, args, env))
    return statistics.median(ours), statistics.median(theirs) if theirs else None


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", type=Path, help="another checkout to compare start-up with")
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    posts = load_posts()

    start = time.perf_counter()
    from monitor.matching import index_terms
    from monitor.places.gazetteer import default_gazetteer
    from monitor.places.tagger import tag_post
    from monitor.places.tagging import index_terms as index_terms_with_places

    imported = time.perf_counter() - start
    start = time.perf_counter()
    g = default_gazetteer()
    loaded = time.perf_counter() - start
    print(f"import {imported:.2f} s; gazetteer load {loaded:.2f} s ({len(g.places)} places)")

    tagged = [tag_post(g, t) for t in posts]
    mentions = sum(len(t.mentions) for t in tagged)
    print(f"{len(posts)} posts, {mentions} place mentions")
    tag_us = per_post_us(lambda t: tag_post(g, t), posts)
    lemma_us = per_post_us(index_terms, posts)
    both_us = per_post_us(index_terms_with_places, posts)
    print(f"tag_post: {tag_us:.0f} µs/post")
    print(f"index terms: {lemma_us:.0f} µs/post lemmas only, {both_us:.0f} µs/post with places")
    print(
        f"ingest pays tag_post twice (the places step and the index step): "
        f"{2 * tag_us:.0f} µs/post, {1e6 / (2 * tag_us):,.0f} posts/s on one core"
    )

    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM", "BOT_"))}
    env.update(TELEGRAM_API_ID="1", TELEGRAM_API_HASH="0" * 32, BOT_TOKEN="1:x", ADMIN_IDS="1")
    for label, cmd in (
        ("patterns check", ["patterns", "check"]),
        ("check-config", ["check-config"]),
    ):
        now, before = startup_s(ROOT, args.baseline, cmd, env)
        line = f"{label}: {now:.2f} s"
        if before is not None:
            line += f" (baseline {before:.2f} s, {1000 * (now - before):+.0f} ms)"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
