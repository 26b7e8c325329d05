"""Checking an evidence bag offline: manifests, capture hashes, the custody chain, inclusion
proofs against the seals, RFC 3161 tokens against the seals and the TSA roots (reads files)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bagit

from monitor.evidence.canonical import canonical, sha256_hex
from monitor.evidence.merkle import leaf_hash, root_from_proof
from monitor.evidence.timestamps import check_token


@dataclass(frozen=True, slots=True)
class Problem:
    """A check that failed: the file (relative to the bag) and what is wrong with it."""

    file: str
    check: str

    def __str__(self) -> str:
        return f"{self.file}: {self.check}"


@dataclass
class VerifyReport:
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    captures: int = 0
    media: int = 0
    entries: int = 0
    seals: int = 0
    tokens: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _manifest_problems(bag_dir: Path) -> list[Problem]:
    try:
        bag = bagit.Bag(str(bag_dir))
        bag.validate(processes=1)
    except bagit.BagValidationError as e:
        found = [_detail(d) for d in (e.details or [])]
        if found:
            return found
        # The Payload-Oxum count failed first, before any file was named: run the two
        # file-level checks validate() would have run next, to name the files.
        return _file_problems(bag) or [
            Problem("bag-info.txt", f"BagIt validation failed: {e.message}")
        ]
    except bagit.BagError as e:
        return [Problem("bagit.txt", f"not a valid BagIt bag: {e}")]
    return []


def _file_problems(bag: bagit.Bag) -> list[Problem]:
    found: list[Problem] = []
    for check in (bag._validate_completeness, lambda: bag._validate_entries(1)):
        try:
            check()
        except bagit.BagValidationError as e:
            found.extend(_detail(d) for d in (e.details or []))
    return found


def _detail(detail: Any) -> Problem:
    path = str(getattr(detail, "path", "?"))
    if isinstance(detail, bagit.FileMissing):
        return Problem(path, "listed in the manifest but missing")
    if isinstance(detail, bagit.UnexpectedFile):
        return Problem(path, "not listed in the manifest (added after the export)")
    if isinstance(detail, bagit.ChecksumMismatch):
        return Problem(path, "its SHA-256 differs from the manifest (the file was changed)")
    return Problem(path, str(detail))


def _load_canonical(path: Path, rel: str, report: VerifyReport) -> tuple[Any, bytes] | None:
    raw = path.read_bytes()
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        report.problems.append(Problem(rel, "is not JSON"))
        return None
    if canonical(value) != raw:
        report.problems.append(Problem(rel, "is not in RFC 8785 canonical form (edited?)"))
        return None
    return value, raw


def verify_bag(bag_dir: Path, roots_pem: Sequence[bytes] = ()) -> VerifyReport:
    """Every check, every problem found (an empty list of problems: the bag holds)."""
    report = VerifyReport()
    if not (bag_dir / "bagit.txt").is_file():
        report.problems.append(Problem(str(bag_dir), "is not a BagIt bag (no bagit.txt)"))
        return report
    report.problems.extend(_manifest_problems(bag_dir))
    data = bag_dir / "data"
    entries = _check_entries(data, report)
    seals = _check_seals(data, report, roots_pem or _bag_roots(data))
    _check_proofs(data, entries, seals, report)
    _check_captures(data, entries, report)
    _check_media(data, entries, report)
    return report


def _bag_roots(data: Path) -> list[bytes]:
    return [p.read_bytes() for p in sorted((data / "tsa-ca").glob("*.pem"))]


def _check_entries(data: Path, report: VerifyReport) -> dict[int, tuple[dict[str, Any], bytes]]:
    """seq -> (entry, its canonical bytes); seq, canonical form and chain links checked."""
    entries: dict[int, tuple[dict[str, Any], bytes]] = {}
    for path in sorted((data / "custody").glob("*.json")):
        if path.name.endswith(".proof.json"):
            continue
        rel = f"data/custody/{path.name}"
        loaded = _load_canonical(path, rel, report)
        if loaded is None:
            continue
        body, raw = loaded
        if str(body.get("seq")) != path.stem:
            report.problems.append(
                Problem(rel, f"holds entry {body.get('seq')}, not {path.stem} (reordered?)")
            )
            continue
        entries[int(path.stem)] = (body, raw)
    for seq, (body, _) in sorted(entries.items()):
        before = entries.get(seq - 1)
        if before is not None and body.get("prev") != sha256_hex(before[1]):
            report.problems.append(
                Problem(
                    f"data/custody/{seq}.json",
                    f"its prev is not the hash of entry {seq - 1}: the chain is broken",
                )
            )
    report.entries = len(entries)
    return entries


def _check_seals(
    data: Path, report: VerifyReport, roots: Sequence[bytes]
) -> dict[int, dict[str, Any]]:
    seals: dict[int, dict[str, Any]] = {}
    for path in sorted((data / "seals").glob("*/seal.json")):
        rel = f"data/seals/{path.parent.name}/seal.json"
        loaded = _load_canonical(path, rel, report)
        if loaded is None:
            continue
        body, raw = loaded
        seals[int(path.parent.name)] = body
        tokens = sorted(path.parent.glob("tsa-*.tsr"))
        if not tokens:
            report.warnings.append(Problem(rel, "has no trusted timestamp"))
        for token in tokens:
            report.tokens += 1
            token_rel = f"data/seals/{path.parent.name}/{token.name}"
            if not roots:
                report.problems.append(
                    Problem(token_rel, "no TSA root certificate to check it against: pass --ca")
                )
                continue
            found = check_token(token.read_bytes(), raw, roots)
            if found.problem is not None:
                report.problems.append(Problem(token_rel, _token_problem(found.problem)))
    report.seals = len(seals)
    return seals


def _token_problem(problem: str) -> str:
    if problem == "Mismatch between messages":
        return "the token stamps something other than this seal (a token for another root)"
    if "certificates" in problem.lower():
        return (
            "the TSA certificate does not chain to the trusted root, or was not valid at the "
            f"stamped time (expired or foreign): {problem}"
        )
    return f"the timestamp token does not verify: {problem}"


def _check_proofs(
    data: Path,
    entries: dict[int, tuple[dict[str, Any], bytes]],
    seals: dict[int, dict[str, Any]],
    report: VerifyReport,
) -> None:
    for seq, (_, raw) in sorted(entries.items()):
        rel = f"data/custody/{seq}.proof.json"
        path = data / "custody" / f"{seq}.proof.json"
        if not path.is_file():
            report.warnings.append(Problem(f"data/custody/{seq}.json", "is not sealed yet"))
            continue
        loaded = _load_canonical(path, rel, report)
        if loaded is None:
            continue
        proof = loaded[0]
        seal = seals.get(int(proof.get("seal", -1)))
        if seal is None:
            report.problems.append(Problem(rel, f"names seal {proof.get('seal')}, not in the bag"))
            continue
        if proof.get("index") != seq - seal["first_seq"] or proof.get("size") != seal["size"]:
            report.problems.append(Problem(rel, "its place in the seal does not fit the entry"))
            continue
        path_hashes = [bytes.fromhex(h) for h in proof.get("path", [])]
        root = root_from_proof(leaf_hash(raw), proof["index"], proof["size"], path_hashes)
        if root is None or root.hex() != seal["root"]:
            report.problems.append(
                Problem(
                    f"data/custody/{seq}.json",
                    f"its inclusion proof does not lead to seal {proof['seal']}'s root",
                )
            )


def _check_captures(
    data: Path, entries: dict[int, tuple[dict[str, Any], bytes]], report: VerifyReport
) -> None:
    named = {body.get("subject", {}).get("capture_sha256") for body, _ in entries.values()}
    for path in sorted((data / "posts").glob("*/captures/*.json")):
        rel = str(path.relative_to(data.parent))
        report.captures += 1
        loaded = _load_canonical(path, rel, report)
        if loaded is None:
            continue
        record, raw = loaded
        raw_part = record.get("raw")
        if raw_part is not None and record.get("raw_sha256") != sha256_hex(canonical(raw_part)):
            report.problems.append(Problem(rel, "raw_sha256 is not the hash of its raw message"))
        if sha256_hex(raw) not in named:
            report.problems.append(
                Problem(rel, "its SHA-256 is in no custody entry of the bag (changed?)")
            )


def _check_media(
    data: Path, entries: dict[int, tuple[dict[str, Any], bytes]], report: VerifyReport
) -> None:
    """Each media file of a post: its SHA-256 is in a "media_captured" custody entry of the bag
    for that post (logged when the download completed)."""
    logged: set[tuple[str, str]] = set()
    for body, _ in entries.values():
        if body.get("kind") != "media_captured":
            continue
        subject = body.get("subject", {})
        post = f"{subject.get('channel_id')}-{subject.get('message_id')}"
        logged.add((post, str(subject.get("sha256"))))
    for path in sorted((data / "posts").glob("*/media/*")):
        if not path.is_file():
            continue
        rel = str(path.relative_to(data.parent))
        report.media += 1
        digest = _file_sha256(path)
        if (path.parent.parent.name, digest) not in logged:
            report.problems.append(
                Problem(rel, "its SHA-256 is in no media_captured custody entry of the bag")
            )


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
