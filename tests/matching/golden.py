"""The fixed corpus whose hits are pinned in golden_hits.jsonl, and the tool that writes them.

The corpus: every bundled post (monitor/sandbox/feeds), every record of the development set
(tests/data), and obfuscated copies of the development set's positives (zero-width and stress
marks, Latin look-alikes, spread-out letters, markdown, hashtags, decomposed letters), whose
texts are stored in the golden file itself so that they never depend on a random generator.
The golden file holds one line per text that has hits (every hit with every span, lemma,
term and tag), one line per obfuscated text, and a last line with the digest of what
`match --jsonl` prints for the whole corpus.

    .venv/bin/python -m tests.matching.golden      # rewrite the file (only on purpose: review the diff)
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from monitor.domain import Hit

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).with_name("golden_hits.jsonl")
FEEDS = ROOT / "monitor" / "sandbox" / "feeds"
DATA = ROOT / "tests" / "data"
DEVSETS = ("devset_posts.jsonl", "devset_own.jsonl")
SEED = 20

Record = tuple[str, str]  # (key, text)


def base_corpus() -> list[Record]:
    """The bundled posts and the development set, each with a stable key."""
    out: list[Record] = []
    for path in sorted(FEEDS.glob("*/*.json")):
        for post in json.loads(path.read_text("utf-8")):
            out.append(
                (f"feed:{path.parent.name}/{path.stem}/{post['message_id']}", post["text"] or "")
            )
    for name in DEVSETS:
        for line in (DATA / name).read_text("utf-8").splitlines():
            record = json.loads(line)
            out.append((f"dev:{record['id']}", str(record["text"])))
    return out


def hit_json(hit: Hit) -> list[Any]:
    spans = [[s.start, s.end, s.surface, s.lemma, s.term] for s in hit.spans]
    return [hit.rule_id, hit.category, spans, list(hit.tags)]


def jsonl_input(records: list[Record]) -> str:
    """The corpus as `match --jsonl` reads it."""
    return "".join(json.dumps({"id": k, "text": t}, ensure_ascii=False) + "\n" for k, t in records)


def digest(output: str) -> str:
    return hashlib.sha256(output.encode("utf-8")).hexdigest()


def read_golden() -> tuple[dict[str, list[Any]], list[Record], str]:
    """Hits by key, the obfuscated records (key, text), and the digest of the CLI output."""
    hits: dict[str, list[Any]] = {}
    variants: list[Record] = []
    cli = ""
    for line in GOLDEN.read_text("utf-8").splitlines():
        entry = json.loads(line)
        if "cli_sha256" in entry:
            cli = entry["cli_sha256"]
            continue
        if "text" in entry:
            variants.append((entry["key"], entry["text"]))
        hits[entry["key"]] = entry["hits"]
    return hits, variants, cli


# Obfuscations a channel uses to slip past keyword filters (the normalizer's slow paths).
_LOOKALIKES = {"а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "к": "k"}
_INVISIBLE = ("\u200b", "\u00ad", "\u200d", "\u2060", "\ufeff")


def _words(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = None
    for i, c in enumerate(text + " "):
        if c.isalpha() and start is None:
            start = i
        elif not c.isalpha() and start is not None:
            if i - start >= 4:
                spans.append((start, i))
            start = None
    return spans


def _obfuscate(text: str, rng: random.Random, how: str) -> str:
    words = _words(text)
    if not words:
        return text
    picked = sorted(rng.sample(words, min(3, len(words))), reverse=True)
    for start, end in picked:
        word = text[start:end]
        if how == "invisible":
            at = rng.randrange(1, len(word))
            word = word[:at] + rng.choice(_INVISIBLE) + word[at:]
        elif how == "stress":
            word = "".join(c + "\u0301" if c in "аеиоуыэюяії" else c for c in word)
        elif how == "lookalike":
            word = "".join(_LOOKALIKES.get(c, c) if rng.random() < 0.5 else c for c in word)
        elif how == "spaced":
            word = rng.choice((" ", ".", "-")).join(word.upper())
        elif how == "markdown":
            word = rng.choice(("**{}**", "__{}__", "[{}](https://t.me/x/1)", "#{}"))
            word = word.format(text[start:end].capitalize())
        elif how == "decomposed":
            word = word.replace("й", "и\u0306").replace("ё", "е\u0308").upper()
        text = text[:start] + word + text[end:]
    if how == "markdown":
        text = "#ТЦКНовини " + text.replace(" ", "\u00a0", 2) + " … №1 👨‍👩‍👧"
    return text


def variant_corpus(base: list[Record], labels: dict[str, bool]) -> list[Record]:
    rng = random.Random(SEED)
    out: list[Record] = []
    kinds = ("invisible", "stress", "lookalike", "spaced", "markdown", "decomposed")
    for key, text in base:
        if not labels.get(key):
            continue
        how = kinds[len(out) % len(kinds)]
        out.append((f"{key}~{how}", _obfuscate(text, rng, how)))
    return out


def _labels() -> dict[str, bool]:
    labels: dict[str, bool] = {}
    for name in DEVSETS:
        for line in (DATA / name).read_text("utf-8").splitlines():
            record = json.loads(line)
            labels[f"dev:{record['id']}"] = bool(record["label"])
    return labels


def _entries(records: list[Record], with_text: bool) -> Iterator[dict[str, Any]]:
    from monitor.matching import compile_matcher, load_default_packs

    matcher = compile_matcher(load_default_packs())
    for key, text in records:
        hits = matcher.find_hits(text)
        if hits or with_text:
            entry: dict[str, Any] = {"key": key, "hits": [hit_json(h) for h in hits]}
            if with_text:
                entry["text"] = text
            yield entry


def cli_output(records: list[Record]) -> str:
    """What `match --jsonl -` prints for the records (in process, through Typer)."""
    from typer.testing import CliRunner

    from monitor.cli import app

    result = CliRunner().invoke(app, ["match", "--jsonl", "-"], input=jsonl_input(records))
    if result.exit_code != 0:
        raise RuntimeError(result.output)
    return result.stdout


def main() -> None:
    base = base_corpus()
    variants = variant_corpus(base, _labels())
    lines = [*_entries(base, False), *_entries(variants, True)]
    lines.append({"cli_sha256": digest(cli_output(base + variants))})
    GOLDEN.write_text(
        "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8"
    )
    print(f"{GOLDEN}: {len(base)} texts, {len(variants)} obfuscated, {len(lines) - 1} lines")


if __name__ == "__main__":
    main()
