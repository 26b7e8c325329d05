"""Benchmark the matcher on the bundled real posts against the naive substring loop (make bench).

Reports, from one run on one core: end to end, `bot.py match --jsonl` on the corpus (the
bundled posts, the development set, the demo feeds) against the naive keyword loop as a
process of its own (the same JSON lines in and out, 18 lower-case stems, `stem in text`), and
their ratio; the start-up of `bot.py --help`, `check-config` and a one-off `match` beside
their targets; in process, the one-time compile cost of the default packs (no cache, cold and
warm compile cache), posts/s and MB/s of the full path (normalize, match, explain-ready spans)
and of the naive loop, the alternative design (lemmatize every token with pymorphy3 and a
cache) cold and warm, and peak memory.

    python bench/matcher.py --naive-jsonl FILE   # the naive loop alone, as the bench runs it
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
FEEDS = ROOT / "monitor" / "sandbox" / "feeds"
DEVSETS = (
    ROOT / "tests" / "data" / "devset_posts.jsonl",
    ROOT / "tests" / "data" / "devset_own.jsonl",
)
# A complete configuration (made-up values): check-config runs every check and exits 0.
BENCH_ENV = (
    "TELEGRAM_API_ID=12345\nTELEGRAM_API_HASH=0123456789abcdef0123456789abcdef\n"
    "BOT_TOKEN=123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789\nADMIN_IDS=1\n"
)
# Targets of issue 20, CPU seconds of the process.
HELP_TARGET, CHECK_CONFIG_TARGET, MATCH_TARGET = 0.3, 0.3, 0.5
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


def corpus_jsonl() -> list[str]:
    """The end-to-end corpus as JSON lines: every bundled post, the development set, the demo."""
    lines = []
    for path in sorted(FEEDS.glob("*/*.json")):
        for post in json.loads(path.read_text("utf-8")):
            record = {"id": f"{path.stem}/{post['message_id']}", "text": post["text"] or ""}
            lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    for path in DEVSETS:
        for line in path.read_text("utf-8").splitlines():
            record = json.loads(line)
            lines.append(
                json.dumps({"id": record["id"], "text": record["text"]}, ensure_ascii=False) + "\n"
            )
    return lines


def naive_jsonl(source: str) -> None:
    """The naive loop as a command: JSON lines in, {"id", "matched"} lines out."""
    out = sys.stdout
    with open(source, encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            low = record["text"].lower()
            matched = any(stem in low for stem in NAIVE_STEMS)
            out.write(
                json.dumps({"id": record.get("id"), "matched": matched}, ensure_ascii=False) + "\n"
            )


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


def end_to_end() -> None:
    """`match --jsonl` and the naive loop as whole processes on the same file, warm cache."""
    lines = corpus_jsonl()
    megabytes = sum(len(line.encode("utf-8")) for line in lines) / 1e6
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "corpus.jsonl"
        source.write_text("".join(lines), encoding="utf-8")
        env = {**os.environ, "CACHE_DIR": f"{folder}/cache"}
        full_cmd = [sys.executable, str(ROOT / "bot.py"), "match", "--jsonl", str(source)]
        naive_cmd = [sys.executable, str(Path(__file__).resolve()), "--naive-jsonl", str(source)]
        child_cpu(full_cmd, env)  # writes the compile cache, as any earlier run would have
        full = min(child_cpu(full_cmd, env) for _ in range(REPEATS))
        naive_s = min(child_cpu(naive_cmd, env) for _ in range(REPEATS))
    print(
        f"end to end: {len(lines)} posts, {megabytes:.2f} MB of JSON lines (bundled posts, dev set, demo)"
    )
    print(f"  bot.py match --jsonl: {full:.2f} s CPU, {len(lines) / full:>7,.0f} posts/s")
    print(f"  naive loop (baseline): {naive_s:.2f} s CPU, {len(lines) / naive_s:>7,.0f} posts/s")
    print(
        f"  ratio: match --jsonl runs at {naive_s / full:.2f}x the naive loop's pace (goal: 1.00 or more)"
    )


def main() -> None:
    if sys.argv[1:2] == ["--naive-jsonl"]:
        naive_jsonl(sys.argv[2])
        return
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
    end_to_end()
    startup()

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
        env_file = Path(folder) / "bench.env"
        env_file.write_text(BENCH_ENV, encoding="utf-8")
        env_file.chmod(0o600)
        check = [sys.executable, bot, "--env-file", str(env_file), "check-config"]
        check_s = min(child_cpu(check, env) for _ in range(REPEATS))
        bare = min(child_cpu([sys.executable, "-c", "pass"], env) for _ in range(REPEATS))
    print(f"start-up, CPU s of the process (python -c pass: {bare:.2f}):")
    for name, seconds, target in (
        ("bot.py --help", help_s, HELP_TARGET),
        ("bot.py check-config", check_s, CHECK_CONFIG_TARGET),
        ("bot.py match 'повестка', warm cache", warm, MATCH_TARGET),
    ):
        print(f"  {name:>36}: {seconds:.2f} (target {target:.2f}, {seconds / target:.2f}x of it)")
    print(f"  {'bot.py match, cold cache':>36}: {cold:.2f} (expands the forms, writes the cache)")


def child_cpu(command: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        command, env=env, cwd=ROOT, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    if done.returncode not in ok:
        raise RuntimeError(f"{command} exited {done.returncode}: {done.stderr.decode()[-500:]}")
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
