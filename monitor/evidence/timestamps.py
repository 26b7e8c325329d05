"""RFC 3161 trusted timestamps: ask a TSA to stamp a seal, check a token offline (does I/O).

What is stamped is the seal's canonical JSON (its SHA-256 is the seal's hash), so
`openssl ts -verify -data seal.json -in seal.tsr` checks a token with nothing but the bag.
"""

from __future__ import annotations

import asyncio
import hashlib
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from rfc3161_client import (
    HashAlgorithm,
    TimestampRequestBuilder,
    TimeStampResponse,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from monitor.evidence.records import Timestamp

CONTENT_TYPE = "application/timestamp-query"
MAX_REPLY = 1024 * 1024


class TimestampError(Exception):
    """A TSA did not give a usable token: it is asked again later; reading goes on."""

    def __init__(self, url: str, problem: str) -> None:
        self.url = url
        self.problem = problem
        super().__init__(f"TSA {url}: {problem}")


def _post(url: str, body: bytes, timeout_s: float) -> bytes:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": CONTENT_TYPE}
    )
    with urllib.request.urlopen(request, timeout=timeout_s) as reply:
        data: bytes = reply.read(MAX_REPLY)
        return data


def _chain_pem(response: TimeStampResponse) -> str:
    certs = [x509.load_der_x509_certificate(der) for der in response.signed_data.certificates]
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in certs)


async def request_timestamp(
    url: str, *, seal_id: int, message: bytes, timeout_s: float = 30.0
) -> Timestamp:
    """Ask the TSA at `url` to stamp `message` (SHA-256, nonce, its certificate included)."""
    request = (
        TimestampRequestBuilder()
        .data(message)
        .hash_algorithm(HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    try:
        answer = await asyncio.to_thread(_post, url, request.as_bytes(), timeout_s)
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise TimestampError(url, f"no answer ({e})") from e
    try:
        response = decode_timestamp_response(answer)
    except ValueError as e:
        raise TimestampError(url, "the answer is not a TimeStampResp") from e
    if response.status not in (0, 1):
        raise TimestampError(url, f"refused (status {response.status})")
    info = response.tst_info
    if info.message_imprint.message != hashlib.sha256(message).digest():
        raise TimestampError(url, "the token stamps another message")
    if info.nonce != request.nonce:
        raise TimestampError(url, "the token answers another request (nonce)")
    if not response.signed_data.certificates:
        raise TimestampError(url, "the token carries no certificate")
    gen_time = info.gen_time if info.gen_time.tzinfo else info.gen_time.replace(tzinfo=UTC)
    return Timestamp(seal_id, url, answer, _chain_pem(response), gen_time)


@dataclass(frozen=True, slots=True)
class TokenCheck:
    """What checking one token found: None problem means it holds."""

    gen_time: datetime | None
    problem: str | None


def check_token(token: bytes, message: bytes, roots_pem: Sequence[bytes]) -> TokenCheck:
    """Offline: the token's signature, its TSA certificate chained to one of `roots_pem` and
    valid at the stamped time, EKU timeStamping critical, and its imprint = SHA-256(message)."""
    try:
        response = decode_timestamp_response(token)
    except ValueError:
        return TokenCheck(None, "not an RFC 3161 TimeStampResp")
    gen_time = response.tst_info.gen_time
    roots = []
    for pem in roots_pem:
        try:
            roots.extend(x509.load_pem_x509_certificates(pem))
        except ValueError:
            return TokenCheck(gen_time, "the CA certificate file is not PEM")
    builder = VerifierBuilder()
    for root in roots:
        builder = builder.add_root_certificate(root)
    try:
        builder.build().verify_message(response, message)
    except VerificationError as e:
        return TokenCheck(gen_time, str(e))
    return TokenCheck(gen_time, None)
