"""The server half of MTProto auth-key creation: req_pq_multi, req_DH_params, set_client_DH_params (no I/O)."""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from typing import Any

from telethon import helpers
from telethon.crypto import AES, AuthKey
from telethon.crypto.rsa import get_byte_array
from telethon.extensions import BinaryReader
from telethon.tl import functions, types

from monitor.sandbox.crypto import DH_G, DH_PRIME, CryptoError, ServerKey

_INNER_DATA = (
    types.PQInnerData,
    types.PQInnerDataDc,
    types.PQInnerDataTemp,
    types.PQInnerDataTempDc,
)
# Small primes keep Telethon's pq factorization instant.
_P, _Q = 1_000_000_007, 1_000_000_009


@dataclass
class Handshake:
    """One connection's key exchange; `auth_key` is set once dh_gen_ok has been sent."""

    server_key: ServerKey
    server_nonce: int = field(
        default_factory=lambda: int.from_bytes(os.urandom(16), "big", signed=True)
    )
    nonce: int = 0
    new_nonce: int = 0
    secret: int = 0
    auth_key: AuthKey | None = None
    expires_in: int | None = None  # a temporary key (p_q_inner_data_temp*): seconds it lives
    dc: int | None = None  # the DC the client asked for (p_q_inner_data_dc, _temp_dc)

    def answer(self, request: Any) -> Any:
        """The plain-text reply to one handshake step."""
        if isinstance(request, functions.ReqPqMultiRequest | functions.ReqPqRequest):
            return self._res_pq(request)
        if isinstance(request, functions.ReqDHParamsRequest):
            return self._server_dh_params(request)
        if isinstance(request, functions.SetClientDHParamsRequest):
            return self._dh_gen(request)
        raise CryptoError(f"unexpected plain-text request {type(request).__name__}")

    def _res_pq(self, request: Any) -> types.ResPQ:
        self.nonce = request.nonce
        return types.ResPQ(
            nonce=self.nonce,
            server_nonce=self.server_nonce,
            pq=get_byte_array(_P * _Q),
            server_public_key_fingerprints=[self.server_key.fingerprint],
        )

    def _server_dh_params(self, request: Any) -> types.ServerDHParamsOk:
        self._check_nonces(request)
        if request.public_key_fingerprint != self.server_key.fingerprint:
            raise CryptoError("unknown key fingerprint")
        plain, sha1 = self.server_key.decrypt_inner_data(request.encrypted_data)
        try:
            inner = BinaryReader(plain).tgread_object()
        except Exception as e:  # the client's bytes, whatever they hold
            raise CryptoError(f"unreadable p_q_inner_data: {e!r}") from None
        if not isinstance(inner, _INNER_DATA) or inner.nonce != self.nonce:
            raise CryptoError(f"bad p_q_inner_data: {type(inner).__name__}")
        if sha1 is not None and hashlib.sha1(bytes(inner)).digest() != sha1:
            raise CryptoError("p_q_inner_data does not match its sha1")
        if inner.server_nonce != self.server_nonce:
            raise CryptoError("p_q_inner_data carries another server_nonce")
        self.new_nonce = inner.new_nonce
        self.expires_in = getattr(inner, "expires_in", None)
        self.dc = getattr(inner, "dc", None)
        self.secret = int.from_bytes(os.urandom(256), "big")
        inner_dh = bytes(
            types.ServerDHInnerData(
                nonce=self.nonce,
                server_nonce=self.server_nonce,
                g=DH_G,
                dh_prime=get_byte_array(DH_PRIME),
                g_a=get_byte_array(pow(DH_G, self.secret, DH_PRIME)),
                server_time=int(time.time()),
            )
        )
        answer = hashlib.sha1(inner_dh).digest() + inner_dh
        answer += os.urandom(-len(answer) % 16)
        key, iv = helpers.generate_key_data_from_nonce(self.server_nonce, self.new_nonce)
        return types.ServerDHParamsOk(
            nonce=self.nonce,
            server_nonce=self.server_nonce,
            encrypted_answer=bytes(AES.encrypt_ige(answer, key, iv)),
        )

    def _dh_gen(self, request: Any) -> types.DhGenOk:
        self._check_nonces(request)
        key, iv = helpers.generate_key_data_from_nonce(self.server_nonce, self.new_nonce)
        if not request.encrypted_data or len(request.encrypted_data) % 16:
            raise CryptoError("client_DH_inner_data is not whole AES blocks")
        plain = AES.decrypt_ige(request.encrypted_data, key, iv)
        try:
            inner = BinaryReader(plain[20:]).tgread_object()
        except Exception as e:  # the client's bytes, whatever they hold
            raise CryptoError(f"unreadable client_DH_inner_data: {e!r}") from None
        if not isinstance(inner, types.ClientDHInnerData):
            raise CryptoError("bad client_DH_inner_data")
        g_b = int.from_bytes(inner.g_b, "big")
        if not 1 < g_b < DH_PRIME - 1:
            raise CryptoError("g_b out of range")
        self.auth_key = AuthKey(get_byte_array(pow(g_b, self.secret, DH_PRIME)))
        return types.DhGenOk(
            nonce=self.nonce,
            server_nonce=self.server_nonce,
            new_nonce_hash1=self.auth_key.calc_new_nonce_hash(self.new_nonce, 1),
        )

    def _check_nonces(self, request: Any) -> None:
        if request.nonce != self.nonce or request.server_nonce != self.server_nonce:
            raise CryptoError("nonce mismatch")
