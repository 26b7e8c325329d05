"""Server-side MTProto crypto: the RSA key, the DH prime and MTProto 2.0 message encryption (file I/O only in `load_or_create_key`)."""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import rsa
from telethon.crypto import AES, AuthKey
from telethon.crypto.rsa import _compute_fingerprint

# Telegram's own 2048-bit safe prime with g = 3; Telethon's SRP code recognizes it as good.
DH_PRIME = int(
    "C71CAEB9C6B1C9048E6C522F70F13F73980D40238E3E21C14934D037563D930F"
    "48198A0AA7C14058229493D22530F4DBFA336F6E0AC925139543AED44CCE7C37"
    "20FD51F69458705AC68CD4FE6B6B13ABDC9746512969328454F18FAF8C595F64"
    "2477FE96BB2A941D5BCD1D4AC8CC49880708FA9B378E3C4F3A9060BEE67CF9A4"
    "A4A695811051907E162753B56B0F6B410DBA74D8A84B2A14B3144E0EF1284754"
    "FD17ED950D5965B4B9DD46582DB1178D169C6BC465B0D6FF9CA3928FEF5B9AE4"
    "E418FC15E83EBEA0F87FA9FF5EED70050DED2849F47BF959D956850CE929851F"
    "0D8115F635B105EE2E4E15D04B2454BF6F4FADF034B10403119CD8E3B92FCC5B",
    16,
)
DH_G = 3


class CryptoError(Exception):
    """A message failed an integrity check: the connection cannot be trusted."""


@dataclass(frozen=True, slots=True)
class ServerKey:
    """The server's 2048-bit RSA key; clients know its public half and fingerprint."""

    private: rsa.PrivateKey

    @property
    def public_pem(self) -> bytes:
        return rsa.PublicKey(self.private.n, self.private.e).save_pkcs1()

    @property
    def fingerprint(self) -> int:
        return int(_compute_fingerprint(self.private))

    def decrypt_inner_data(self, block: bytes) -> bytes:
        """Undo the old RSA scheme of Telethon 1.x: sha1(data) + data + random padding."""
        payload = pow(int.from_bytes(block, "big"), self.private.d, self.private.n)
        plain = payload.to_bytes(255, "big")
        # p_q_inner_data ends where its own TL encoding says; the padding is random.
        return plain[20:]


def generate_server_key() -> ServerKey:
    """A fresh 2048-bit key (Telethon refuses other sizes), a fraction of a second."""
    _, private = rsa.newkeys(2048)
    return ServerKey(private)


def load_or_create_key(directory: Path) -> ServerKey:
    """Reuse `server_key.pem` in `directory`, or create it with `server_key.pub.pem` beside it."""
    directory.mkdir(parents=True, exist_ok=True)
    private_path = directory / "server_key.pem"
    if private_path.exists():
        key = ServerKey(rsa.PrivateKey.load_pkcs1(private_path.read_bytes()))
    else:
        key = generate_server_key()
        private_path.write_bytes(key.private.save_pkcs1())
        private_path.chmod(0o600)
    public_key_path(directory).write_bytes(key.public_pem)
    return key


def public_key_path(directory: Path) -> Path:
    return directory / "server_key.pub.pem"


def _aes_key_iv(auth_key: bytes, msg_key: bytes, x: int) -> tuple[bytes, bytes]:
    sha_a = hashlib.sha256(msg_key + auth_key[x : x + 36]).digest()
    sha_b = hashlib.sha256(auth_key[x + 40 : x + 76] + msg_key).digest()
    key = sha_a[:8] + sha_b[8:24] + sha_a[24:32]
    iv = sha_b[:8] + sha_a[8:24] + sha_b[24:32]
    return key, iv


def decrypt_from_client(auth_key: AuthKey, packet: bytes) -> bytes:
    """MTProto 2.0, client to server (x = 0): returns salt + session id + message + padding."""
    msg_key = packet[8:24]
    key, iv = _aes_key_iv(auth_key.key, msg_key, 0)
    plain = AES.decrypt_ige(packet[24:], key, iv)
    expected = hashlib.sha256(auth_key.key[88 : 88 + 32] + plain).digest()[8:24]
    if expected != msg_key:
        raise CryptoError("msg_key mismatch")
    return bytes(plain)


def encrypt_for_client(auth_key: AuthKey, plain: bytes) -> bytes:
    """MTProto 2.0, server to client (x = 8), with 12..27 bytes of random padding."""
    padding = os.urandom(-(len(plain) + 12) % 16 + 12)
    msg_key = hashlib.sha256(auth_key.key[96 : 96 + 32] + plain + padding).digest()[8:24]
    key, iv = _aes_key_iv(auth_key.key, msg_key, 8)
    key_id = struct.pack("<Q", auth_key.key_id)
    return key_id + msg_key + bytes(AES.encrypt_ige(plain + padding, key, iv))
