"""The README of an evidence bag: what it holds and how anyone checks it (pure, no I/O)."""

from __future__ import annotations

from datetime import datetime

from monitor.evidence.records import iso

_README = """\
draftwatch evidence bag
=======================

Query: {query}
Written: {now}
Posts: {posts}

This folder is a BagIt bag (RFC 8493). Everything it holds is under data/; manifest-sha256.txt
lists the SHA-256 of every file there, and tagmanifest-sha256.txt that of the bag's own files.

What is in data/
----------------
posts/<channel id>-<message id>/
    post.html          the post for people: channel, link, dates, every version side by side,
                       the capture records with their hashes
    versions.json      every text the post has had, with when it was seen
    captures/*.json    one capture record per version seen and per deletion seen: the message
                       as Telegram sent it ("raw", Telethon's to_dict(), bytes as base64), when
                       and how it was read, by which account. Each file is JSON in the RFC 8785
                       canonical form, so its SHA-256 (sha256sum) is the capture's hash.
    media/, ocr/       the post's media files and the text recognised in them, when present
custody/<seq>.json     the custody log entries for these captures. Each entry names the capture
                       hash ("subject") and carries the hash of the entry before it ("prev").
                       Its SHA-256 is the entry's hash.
custody/<seq>.proof.json
                       a Merkle inclusion proof (RFC 6962/9162 hashing: leaf = SHA-256(0x00 ||
                       entry file), node = SHA-256(0x01 || left || right)) from the entry to the
                       root of the seal named in it
seals/<id>/seal.json   a seal: the range of custody entries and their Merkle root
seals/<id>/tsa-N.tsr   an RFC 3161 timestamp response over seal.json, from the TSA named in
                       tsa-N.json; tsa-N-certs.pem holds the TSA's certificates from the token
tsa-ca/*.pem           the TSAs' root certificates, when the exporter had them. Check their
                       fingerprints against what the TSA publishes: a bag cannot vouch for its
                       own trust anchor.

How to check it with standard tools
-----------------------------------
1. Nothing changed since export (from the bag folder):
       sha256sum -c manifest-sha256.txt && sha256sum -c tagmanifest-sha256.txt
   and no file was added: every file under data/ is listed in manifest-sha256.txt.
2. A capture is what its hash says: sha256sum data/posts/*/captures/*.json, and find each hash
   in a custody entry:  grep -l <hash> data/custody/*.json
3. The seal was timestamped by the TSA at the time the token states:
       openssl ts -verify -data data/seals/<id>/seal.json -in data/seals/<id>/tsa-1.tsr \\
           -CAfile data/tsa-ca/ca-1.pem -untrusted data/seals/<id>/tsa-1-certs.pem
   and read the time:  openssl ts -reply -in data/seals/<id>/tsa-1.tsr -text
4. The entry is under the seal's root: recompute the proof in custody/<seq>.proof.json (the
   RFC 9162 section 2.1.3.2 algorithm), or use draftwatch (below).

How to check it with draftwatch
-------------------------------
    python bot.py evidence verify <this folder> [--ca tsa-root.pem]

It checks, offline: the BagIt manifests (no file changed, missing or added), every capture
hash against its record, every custody entry and its inclusion proof against its seal, and
every timestamp token against its seal and the TSA certificates. It names the file and the
check that failed, and exits with a non-zero status.

What this proves, and what it does not
--------------------------------------
A valid token proves the seal (and so every custody entry and capture under it) existed no
later than the token's time. The capture records show what Telegram's servers sent to the
reader account named in them; they do not prove who wrote the post. Entries between the last
seal and the export are not covered by any token. docs/evidence.md in draftwatch explains the
model in full.
"""


def readme_text(*, query: str, now: datetime, posts: int) -> str:
    return _README.format(query=query or "(every post)", now=iso(now), posts=posts)
