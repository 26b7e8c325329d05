"""RFC 3161 against the sandbox TSA: real requests, tokens openssl accepts, bad TSAs reported."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.evidence.timestamps import TimestampError, check_token, request_timestamp
from monitor.sandbox.tsa import TsaServer, make_keys, start_tsa

SEAL = b'{"root":"ab","type":"draftwatch.seal/1"}'
NOW = datetime.now(UTC)


@pytest.fixture
async def tsa() -> TsaServer:
    server = await start_tsa(now=NOW)
    yield server  # type: ignore[misc]
    await server.close()


def openssl_verify(folder: Path, data: bytes, token: bytes, ca: Path, tsa_pem: Path) -> str:
    (folder / "seal.json").write_bytes(data)
    (folder / "seal.tsr").write_bytes(token)
    done = subprocess.run(
        ["openssl", "ts", "-verify", "-data", str(folder / "seal.json"), "-in",
         str(folder / "seal.tsr"), "-CAfile", str(ca), "-untrusted", str(tsa_pem)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    return done.stdout.strip() or done.stderr.strip()


async def test_openssl_accepts_the_sandbox_tokens_and_refuses_other_data(
    tsa: TsaServer, tmp_path: Path
) -> None:
    asked_at = datetime.now(UTC).replace(microsecond=0)
    stamp = await request_timestamp(tsa.url, seal_id=1, message=SEAL)
    answered_at = datetime.now(UTC)
    ca, tsa_pem = tsa.stamper.keys.write(tmp_path)
    assert openssl_verify(tmp_path, SEAL, stamp.token, ca, tsa_pem) == "Verification: OK"
    assert "Verification: FAILED" in openssl_verify(tmp_path, SEAL + b" ", stamp.token, ca, tsa_pem)
    assert "BEGIN CERTIFICATE" in stamp.certificates
    assert asked_at <= stamp.gen_time <= answered_at  # the TSA's clock, to the second
    ok = check_token(stamp.token, SEAL, [tsa.stamper.keys.ca_pem])
    assert ok.problem is None


async def test_a_token_for_another_message_or_a_foreign_ca_fails_the_check(
    tsa: TsaServer,
) -> None:
    stamp = await request_timestamp(tsa.url, seal_id=1, message=SEAL)
    assert check_token(stamp.token, b"another root", [tsa.stamper.keys.ca_pem]).problem == (
        "Mismatch between messages"
    )
    foreign = make_keys(now=NOW)
    problem = check_token(stamp.token, SEAL, [foreign.ca_pem]).problem
    assert problem is not None
    assert "certificates" in problem


async def test_a_tsa_certificate_expired_before_the_stamp_fails_the_check() -> None:
    good = make_keys(now=NOW)
    expired = make_keys(
        now=NOW - timedelta(days=400),
        valid_for=timedelta(days=30),
        ca=(good.ca_cert, good._ca_key),  # type: ignore[attr-defined]
    )
    server = await start_tsa(now=NOW, keys=expired)
    try:
        stamp = await request_timestamp(server.url, seal_id=1, message=SEAL)
    finally:
        await server.close()
    problem = check_token(stamp.token, SEAL, [good.ca_pem]).problem
    assert problem is not None
    assert "certificates" in problem


@pytest.mark.parametrize(("mode", "problem"), [("down", "no answer"), ("garbage", "TimeStampResp")])
async def test_a_tsa_down_or_answering_garbage_gives_a_clear_error(
    tsa: TsaServer, mode: str, problem: str
) -> None:
    tsa.mode = mode
    with pytest.raises(TimestampError, match=problem):
        await request_timestamp(tsa.url, seal_id=1, message=SEAL, timeout_s=5)


async def test_a_slow_tsa_times_out(tsa: TsaServer) -> None:
    tsa.mode, tsa.slow_s = "slow", 3
    with pytest.raises(TimestampError, match="no answer"):
        await request_timestamp(tsa.url, seal_id=1, message=SEAL, timeout_s=0.5)
