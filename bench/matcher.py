"""Benchmark the matcher on the bundled real posts against the naive substring loop (make bench).

Reports, from one run on one core: the one-time compile cost of the default packs (no cache,
cold and warm compile cache) and the start-up of `bot.py --help` and `bot.py match`, posts/s and
MB/s of the full path (normalize, match, explain-ready spans) and of the naive baseline
(lower-case substring search for a short stem list), their ratio, the alternative design
(lemmatize every token with pymorphy3 and a cache) cold and warm, and peak memory.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FEED = ROOT / "monitor" / "sandbox" / "feeds" / "ru-news-channels"
NAIVE_STEMS = (
    "повест", "повіст", "военком", "військком", "мобилиз", "мобіліз", "призыв", "призов",
    "тцк", "облав", "уклон", "ухил", "отсроч", "відстроч", "срочн", "бронь", "воинск", "сво",
)  # fmt: skip
REPEATS = 3


def load_posts() -> list[str]:
    posts: list[str] = []
    for path in sorted(FEED.glob("*.json")):
        posts.extend(str(p["text"] or "") for p in json.loads(path.read_text("utf-8")))
    return posts


def naive(text: str) -> bool:
    low = text.lower()
    return any(stem in low for stem in NAIVE_STEMS)


def best_of(run: Callable[[], int]) -> tuple[float, int]:
    """Best of a few runs in CPU seconds of this process: other load on the machine does not count."""
    best, found = float("inf"), 0
    for _ in range(REPEATS):
        gc.collect()
        started = time.process_time()
        found = run()
        best = min(best, time.process_time() - started)
    return best, found


def main() -> None:
    posts = load_posts()
    megabytes = sum(len(p.encode("utf-8")) for p in posts) / 1e6
    print(
        f"machine: {platform.machine()} {platform.processor() or ''} {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, one core used; times are CPU seconds of this "
        f"process, best of {REPEATS} (load average {os.getloadavg()[0]:.1f})"
    )
    print(
        f"corpus: {len(posts)} real posts, {megabytes:.2f} MB UTF-8 (monitor/sandbox/feeds/ru-news-channels)"
    )

    started = time.process_time()
    from monitor.matching import compile_matcher, load_default_packs

    packs = load_default_packs()
    matcher = compile_matcher(packs)
    compile_s = time.process_time() - started
    rules = len(matcher.rules)
    print(
        f"compile: {compile_s:.2f} s CPU once per process ({rules} rules, dictionaries loaded, forms expanded)"
    )

    full_s, full_hits = best_of(lambda: sum(1 for p in posts if matcher.find_hits(p)))
    naive_s, naive_hits = best_of(lambda: sum(1 for p in posts if naive(p)))
    report("full path", full_s, full_hits, len(posts), megabytes)
    report("naive substrings", naive_s, naive_hits, len(posts), megabytes)
    print(f"ratio: the full path takes {full_s / naive_s:.1f}x the time of the naive loop")

    compile_cache()
    startup()
    lemmatize_alternative(posts, megabytes)
    memory(posts)


def report(name: str, seconds: float, hits: int, count: int, megabytes: float) -> None:
    print(
        f"{name:>18}: {count / seconds:>9,.0f} posts/s {megabytes / seconds:>7.2f} MB/s"
        f"  ({seconds:.3f} s, {hits} posts matched)"
    )


def compile_cache() -> None:
    """Compiling the default packs through the compile cache: cold (expand, write), warm (read)."""
    from monitor.matching import cached_matcher, load_default_packs
    from monitor.matching.morphology import expand

    with tempfile.TemporaryDirectory() as folder:
        times = []
        for _ in ("cold", "warm"):
            expand.cache_clear()  # as in a new process; the dictionaries stay loaded
            started = time.process_time()
            cached_matcher(load_default_packs(), Path(folder))
            times.append(time.process_time() - started)
    print(
        f"compile with the cache: cold {times[0]:.2f} s CPU (expand and write), "
        f"warm {times[1]:.3f} s CPU (read the forms, build the automata)"
    )


def startup() -> None:
    """Whole processes, as a user starts them: CPU seconds of the child, best of a few."""
    bot = str(ROOT / "bot.py")
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "CACHE_DIR": folder}
        match = [sys.executable, bot, "match", "повестка"]
        cold = min(child_cpu(match, {**env, "CACHE_DIR": f"{folder}/{n}"}) for n in range(REPEATS))
        warm = min(child_cpu(match, env) for _ in range(REPEATS))
        help_s = min(child_cpu([sys.executable, bot, "--help"], env) for _ in range(REPEATS))
        bare = min(child_cpu([sys.executable, "-c", "pass"], env) for _ in range(REPEATS))
    print(
        f"start-up, CPU s of the process: bot.py --help {help_s:.2f}; bot.py match "
        f"'повестка' cold cache {cold:.2f}, warm cache {warm:.2f} (python -c pass: {bare:.2f})"
    )


def child_cpu(command: list[str], env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def lemmatize_alternative(posts: list[str], megabytes: float) -> None:
    """The design not taken: lemmatize every token of every post (ru + uk), cached per word."""
    from monitor.matching.morphology import lemmas
    from monitor.matching.normalize import normalize, tokens

    def run() -> int:
        n = 0
        for post in posts:
            s = normalize(post).text
            n += sum(len(lemmas(s[a:b])) for a, b in tokens(s))
        return n

    lemmas.cache_clear()
    started = time.process_time()
    run()
    cold = time.process_time() - started
    warm, _ = best_of(run)
    print(
        f"alternative, lemmatize every token: cold cache {len(posts) / cold:,.0f} posts/s "
        f"({megabytes / cold:.2f} MB/s, {lemmas.cache_info().currsize} distinct words), "
        f"warm cache {len(posts) / warm:,.0f} posts/s ({megabytes / warm:.2f} MB/s)"
    )


def memory(posts: list[str]) -> None:
    from monitor.matching import compile_matcher, load_default_packs
    from monitor.matching.morphology import expand

    expand.cache_clear()
    tracemalloc.start()
    matcher = compile_matcher(load_default_packs())
    compiled_peak = tracemalloc.get_traced_memory()[1]
    for post in posts:
        matcher.find_hits(post)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"memory: Python heap peak {compiled_peak / 1e6:.1f} MB compiling the packs (dictionaries already "
        f"loaded), {peak / 1e6:.1f} MB "
        f"after matching every post (tracemalloc); process max RSS {rss:.0f} MB with both "
        f"dictionaries and the corpus loaded"
    )


if __name__ == "__main__":
    main()
