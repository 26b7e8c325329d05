"""The sandbox's RFC 3161 time-stamping authority: its own CA and signing key, HTTP on loopback,
real TimeStampReq in, real TimeStampResp out, so `openssl ts -verify` accepts its tokens (does I/O).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

logger = logging.getLogger(__name__)

POLICY_OID = "1.3.6.1.4.1.57264.2.1"  # the sandbox's time-stamping policy (any OID will do)
CONTENT_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
MAX_REQUEST = 64 * 1024


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "draftwatch sandbox"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


@dataclass(frozen=True)
class TsaKeys:
    """The CA (trust anchor) and the TSA's signing certificate (EKU timeStamping, critical)."""

    ca_cert: x509.Certificate
    tsa_cert: x509.Certificate
    tsa_key: rsa.RSAPrivateKey

    @property
    def ca_pem(self) -> bytes:
        return self.ca_cert.public_bytes(serialization.Encoding.PEM)

    @property
    def tsa_pem(self) -> bytes:
        return self.tsa_cert.public_bytes(serialization.Encoding.PEM)

    def write(self, folder: Path) -> tuple[Path, Path]:
        """ca.pem and tsa.pem in `folder`, for `openssl ts -verify -CAfile … -untrusted …`."""
        folder.mkdir(parents=True, exist_ok=True)
        ca, tsa_file = folder / "tsa-ca.pem", folder / "tsa.pem"
        ca.write_bytes(self.ca_pem)
        tsa_file.write_bytes(self.tsa_pem)
        return ca, tsa_file


def make_keys(
    *,
    now: datetime,
    valid_for: timedelta = timedelta(days=3650),
    name: str = "draftwatch sandbox TSA",
    ca: tuple[x509.Certificate, rsa.RSAPrivateKey] | None = None,
) -> TsaKeys:
    """A fresh CA and TSA certificate (or a TSA certificate from the given CA: tests make
    expired ones, valid_for in the past)."""
    if ca is None:
        ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        ca_cert = (
            x509.CertificateBuilder()
            .subject_name(_name(f"{name} root CA"))
            .issuer_name(_name(f"{name} root CA"))
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=7300))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .sign(ca_key, hashes.SHA256())
        )
    else:
        ca_cert, ca_key = ca
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    start = min(now - timedelta(days=1), now + valid_for - timedelta(days=2))
    tsa_cert = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(ca_cert.subject)
        .public_key(tsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(now + valid_for)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    keys = TsaKeys(ca_cert, tsa_cert, tsa_key)
    object.__setattr__(keys, "_ca_key", ca_key)  # kept for tests that issue more certificates
    return keys


def _status(status: str, text: str | None = None) -> tsp.PKIStatusInfo:
    info: dict[str, object] = {"status": status}
    if text:
        info["status_string"] = [text]
    return tsp.PKIStatusInfo(info)


def _dump(value: tsp.TimeStampResp) -> bytes:
    der: bytes = value.dump()
    return der


@dataclass
class TimeStamper:
    """Answers TimeStampReq DER with TimeStampResp DER (pure but for the clock it is given)."""

    keys: TsaKeys
    serial: int = 0
    issued: list[bytes] = field(default_factory=list)  # the message imprints stamped

    def respond(self, request_der: bytes, *, now: datetime) -> bytes:
        try:
            request = tsp.TimeStampReq.load(request_der)
            imprint = request["message_imprint"]
            algorithm = imprint["hash_algorithm"]["algorithm"].native
            digest = imprint["hashed_message"].native
            nonce = request["nonce"].native
            want_certs = bool(request["cert_req"].native)
        except (ValueError, TypeError, KeyError) as e:
            return _dump(tsp.TimeStampResp({"status": _status("rejection", f"bad request: {e}")}))
        if algorithm != "sha256" or len(digest) != 32:
            return _dump(tsp.TimeStampResp({"status": _status("rejection", "sha256 only")}))
        self.serial += 1
        self.issued.append(digest)
        token = self._token(imprint, nonce, want_certs, now)
        return _dump(tsp.TimeStampResp({"status": _status("granted"), "time_stamp_token": token}))

    def _token(
        self, imprint: tsp.MessageImprint, nonce: int | None, want_certs: bool, now: datetime
    ) -> cms.ContentInfo:
        info: dict[str, object] = {
            "version": "v1",
            "policy": POLICY_OID,
            "message_imprint": imprint,
            "serial_number": self.serial,
            "gen_time": now.astimezone(UTC).replace(microsecond=0),
            "accuracy": {"seconds": 1},
            "ordering": False,
        }
        if nonce is not None:
            info["nonce"] = nonce
        tst_info = tsp.TSTInfo(info)
        content = tst_info.dump()
        cert_der = self.keys.tsa_cert.public_bytes(serialization.Encoding.DER)
        signer_cert = asn1_x509.Certificate.load(cert_der)
        signed_attrs = cms.CMSAttributes(
            [
                cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
                cms.CMSAttribute(
                    {"type": "message_digest", "values": [hashlib.sha256(content).digest()]}
                ),
                cms.CMSAttribute(
                    {
                        "type": "signing_certificate_v2",
                        "values": [{"certs": [{"cert_hash": hashlib.sha256(cert_der).digest()}]}],
                    }
                ),
            ]
        )
        signature = self.keys.tsa_key.sign(signed_attrs.dump(), padding.PKCS1v15(), hashes.SHA256())
        signer = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    {
                        "issuer_and_serial_number": {
                            "issuer": signer_cert.issuer,
                            "serial_number": signer_cert.serial_number,
                        }
                    }
                ),
                "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                "signed_attrs": signed_attrs,
                "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}),
                "signature": signature,
            }
        )
        signed_data = cms.SignedData(
            {
                "version": "v3",
                "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
                "encap_content_info": {
                    "content_type": "tst_info",
                    "content": core.ParsableOctetString(content),
                },
                "certificates": [signer_cert] if want_certs else [],
                "signer_infos": [signer],
            }
        )
        return cms.ContentInfo({"content_type": "signed_data", "content": signed_data})


class TsaServer:
    """The TSA over HTTP/1.1 on loopback: POST application/timestamp-query, one per connection.

    `mode` lets tests make it misbehave as real TSAs do: "down" (closes at once), "garbage"
    (answers 200 with junk), "slow" (answers after `slow_s`).
    """

    def __init__(self, stamper: TimeStamper, *, host: str = "127.0.0.1") -> None:
        self.stamper = stamper
        self.host = host
        self.port = 0
        self.mode = "ok"
        self.slow_s = 30.0
        self.requests = 0
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/tsa"

    async def start(self) -> TsaServer:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        logger.info("sandbox TSA listening url=%s", self.url)
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            self.requests += 1
            if self.mode == "down":
                return
            request_line = await reader.readline()
            headers: dict[str, str] = {}
            while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                key, _, value = line.decode("latin-1").partition(":")
                headers[key.strip().lower()] = value.strip()
            length = min(int(headers.get("content-length", "0") or 0), MAX_REQUEST)
            body = await reader.readexactly(length) if length else b""
            if not request_line.startswith(b"POST "):
                await _reply(writer, 405, "text/plain", b"POST a TimeStampReq\n")
            elif headers.get("content-type", "").split(";")[0] != CONTENT_TYPE:
                await _reply(writer, 415, "text/plain", b"application/timestamp-query only\n")
            elif self.mode == "garbage":
                await _reply(writer, 200, REPLY_TYPE, b"\x30\x03garbage")
            else:
                if self.mode == "slow":
                    await asyncio.sleep(self.slow_s)
                answer = self.stamper.respond(body, now=datetime.now(UTC))
                await _reply(writer, 200, REPLY_TYPE, answer)
        except (ConnectionError, asyncio.IncompleteReadError, ValueError) as e:
            logger.debug("sandbox TSA: bad request error=%r", e)
        finally:
            writer.close()


async def _reply(writer: asyncio.StreamWriter, status: int, kind: str, body: bytes) -> None:
    reason = {200: "OK", 405: "Method Not Allowed", 415: "Unsupported Media Type"}[status]
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: {kind}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    writer.write(head.encode() + body)
    await writer.drain()


async def start_tsa(*, now: datetime, keys: TsaKeys | None = None, port: int = 0) -> TsaServer:
    """A running sandbox TSA with a fresh CA (or `keys`), on `port` (0: any free one)."""
    server = TsaServer(TimeStamper(keys or make_keys(now=now)))
    server.port = port
    return await server.start()


def load_or_create_keys(folder: Path, *, now: datetime) -> TsaKeys:
    """The standalone sandbox's TSA keys, kept in its state folder (the key 0600) so tokens
    from before a restart chain to the same CA."""
    ca_file, cert_file, key_file = folder / "tsa-ca.pem", folder / "tsa.pem", folder / "tsa.key"
    if ca_file.is_file() and cert_file.is_file() and key_file.is_file():
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        if isinstance(key, rsa.RSAPrivateKey):
            return TsaKeys(
                x509.load_pem_x509_certificate(ca_file.read_bytes()),
                x509.load_pem_x509_certificate(cert_file.read_bytes()),
                key,
            )
    keys = make_keys(now=now)
    keys.write(folder)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(
            keys.tsa_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return keys
