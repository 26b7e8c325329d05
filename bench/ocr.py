"""Benchmark OCR on the rendered document set, with and without the clean-up (make bench-ocr).

For each mode, in one run: character error rate against the ground truth (Levenshtein
distance / length of the truth, whitespace collapsed), the share of documents the default
packs classify right from the OCR text alone (a draft notice is one with any hit; the ground
truth text gives the ceiling), and images per second (wall clock, and per CPU second of this
process and Tesseract together: the machine is shared). Add --per-distortion for the CER of
each kind of damage, --limit N for a quick run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.distance import Levenshtein

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.matching import Matcher, compile_matcher, load_default_packs  # noqa: E402
from monitor.media.ocr import availability, recognise  # noqa: E402

DATA = ROOT / "tests" / "data" / "ocr"


@dataclass(frozen=True)
class Result:
    file: str
    positive: bool
    predicted: bool
    cer: float
    confidence: float
    distortions: tuple[str, ...]


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def cer(truth: str, seen: str) -> float:
    truth, seen = collapse(truth), collapse(seen)
    return Levenshtein.distance(truth, seen) / max(len(truth), 1)


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(
    labels: list[dict[str, object]], matcher: Matcher, *, clean: bool
) -> tuple[list[Result], float, float]:
    results = []
    wall, cpu = time.perf_counter(), cpu_seconds()
    for label in labels:
        data = (DATA / str(label["file"])).read_bytes()
        recognised = recognise(data, clean=clean)
        results.append(
            Result(
                file=str(label["file"]),
                positive=bool(label["positive"]),
                predicted=bool(matcher.find_hits(recognised.text)),
                cer=cer(str(label["text"]), recognised.text),
                confidence=recognised.confidence,
                distortions=tuple(label["distortions"]),  # type: ignore[arg-type]
            )
        )
    return results, time.perf_counter() - wall, cpu_seconds() - cpu


def summary(name: str, results: list[Result], wall: float, cpu: float) -> str:
    right = sum(r.positive == r.predicted for r in results)
    positives = [r for r in results if r.positive]
    found = sum(r.predicted for r in positives)
    false_alarms = sum(r.predicted for r in results if not r.positive)
    n = len(results)
    return (
        f"{name:<18} CER mean {statistics.mean(r.cer for r in results):6.1%}  "
        f"median {statistics.median(r.cer for r in results):6.1%}  "
        f"classified right {right}/{n} = {right / n:5.1%}  "
        f"(draft notices found {found}/{len(positives)}, false alarms {false_alarms})  "
        f"{n / wall:4.2f} images/s wall, {n / cpu:4.2f} per CPU s"
    )


def per_distortion(results: list[Result]) -> dict[str, float]:
    kinds = sorted({d for r in results for d in r.distortions})
    return {k: statistics.mean(r.cer for r in results if k in r.distortions) for k in kinds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="only the first N documents")
    parser.add_argument("--per-distortion", action="store_true", help="CER per kind of damage")
    parser.add_argument("--json", type=Path, help="also write every document's result here")
    args = parser.parse_args()
    problem = availability()
    if problem:
        sys.exit(f"OCR is off: {problem}")
    labels = [json.loads(line) for line in (DATA / "labels.jsonl").read_text("utf-8").splitlines()]
    labels = labels[: args.limit] if args.limit else labels
    matcher = compile_matcher(load_default_packs())
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"{len(labels)} documents ({sum(bool(x['positive']) for x in labels)} draft notices)")
    truth_right = sum(
        bool(matcher.find_hits(str(x["text"]))) == bool(x["positive"]) for x in labels
    )
    print(f"{'ground truth text':<18} classified right {truth_right}/{len(labels)} (the ceiling)")
    report = {}
    for name, clean in (("without clean-up", False), ("with clean-up", True)):
        results, wall, cpu = run(labels, matcher, clean=clean)
        print(summary(name, results, wall, cpu))
        report[name] = results
        if args.per_distortion:
            for kind, value in per_distortion(results).items():
                print(f"    {kind:<14} CER {value:6.1%}")
    if args.json:
        rows = {name: [r.__dict__ for r in results] for name, results in report.items()}
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main()
