"""The server half of Telegram's SRP 2FA check (account.getPassword / auth.checkPassword), reusing Telethon's math (no I/O)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Any

from telethon import password as tpassword
from telethon.tl import types

from monitor.sandbox.crypto import DH_G, DH_PRIME

_P_BYTES = DH_PRIME.to_bytes(256, "big")


@dataclass(frozen=True, slots=True)
class SrpChallenge:
    """What the server remembers between getPassword and checkPassword."""

    srp_id: int
    secret_b: int
    big_b: bytes
    verifier: int
    algo: Any


def _algo(account_id: int) -> Any:
    seed = account_id.to_bytes(8, "big")
    return types.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow(
        salt1=hashlib.sha256(b"salt1" + seed).digest()[:16],
        salt2=hashlib.sha256(b"salt2" + seed).digest()[:16],
        g=DH_G,
        p=_P_BYTES,
    )


def _unknown_algos() -> tuple[Any, Any]:
    return types.PasswordKdfAlgoUnknown(), types.SecurePasswordKdfAlgoUnknown()


def no_password() -> types.account.Password:
    new_algo, new_secure = _unknown_algos()
    return types.account.Password(
        new_algo=new_algo, new_secure_algo=new_secure, secure_random=os.urandom(32)
    )


def challenge(account_id: int, password: str) -> tuple[types.account.Password, SrpChallenge]:
    """The account.password answer and the state needed to verify the client's proof."""
    algo = _algo(account_id)
    x = int.from_bytes(tpassword.compute_hash(algo, password), "big")
    verifier = pow(DH_G, x, DH_PRIME)
    k = int.from_bytes(tpassword.sha256(_P_BYTES, tpassword.big_num_for_hash(DH_G)), "big")
    secret_b = int.from_bytes(os.urandom(256), "big")
    big_b = ((k * verifier + pow(DH_G, secret_b, DH_PRIME)) % DH_PRIME).to_bytes(256, "big")
    state = SrpChallenge(
        int.from_bytes(os.urandom(8), "big", signed=True), secret_b, big_b, verifier, algo
    )
    new_algo, new_secure = _unknown_algos()
    answer = types.account.Password(
        new_algo=new_algo,
        new_secure_algo=new_secure,
        secure_random=os.urandom(32),
        has_password=True,
        current_algo=algo,
        srp_B=big_b,
        srp_id=state.srp_id,
        hint="sandbox",
    )
    return answer, state


def verify(state: SrpChallenge, proof: Any) -> bool:
    """Whether an InputCheckPasswordSRP proves knowledge of the password."""
    if not isinstance(proof, types.InputCheckPasswordSRP) or proof.srp_id != state.srp_id:
        return False
    a_for_hash = tpassword.num_bytes_for_hash(proof.A)
    big_a = int.from_bytes(a_for_hash, "big")
    if not 0 < big_a < DH_PRIME:
        return False
    u = int.from_bytes(tpassword.sha256(a_for_hash, state.big_b), "big")
    shared = pow(big_a * pow(state.verifier, u, DH_PRIME), state.secret_b, DH_PRIME)
    key = tpassword.sha256(tpassword.big_num_for_hash(shared))
    g_for_hash = tpassword.big_num_for_hash(DH_G)
    expected = tpassword.sha256(
        tpassword.xor(tpassword.sha256(_P_BYTES), tpassword.sha256(g_for_hash)),
        tpassword.sha256(state.algo.salt1),
        tpassword.sha256(state.algo.salt2),
        a_for_hash,
        state.big_b,
        key,
    )
    return bool(expected == proof.M1)
