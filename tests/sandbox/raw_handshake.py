"""Auth-key creation the way GramJS and TDLib do it, written from core.telegram.org/mtproto/auth_key:
RSA_PAD, p_q_inner_data_dc and p_q_inner_data_temp_dc, and binding a temporary key (MTProto 1.0 inner
encryption). Telethon 1.x only knows the old padding, so this is the sandbox's second handshake client.
"""

from __future__ import annotations

import hashlib
import os
import struct
import time

import rsa as pyrsa
from telethon.crypto import AES, AuthKey, Factorization
from telethon.crypto.rsa import _compute_fingerprint, get_byte_array
from telethon.extensions import BinaryReader
from telethon.helpers import generate_key_data_from_nonce
from telethon.network import MTProtoPlainSender
from telethon.tl import functions, types


def rsa_pad(data: bytes, key: pyrsa.PublicKey) -> bytes:
    """RSA_PAD(data, server_public_key) of the current protocol (data up to 144 bytes)."""
    assert len(data) <= 144
    data_with_padding = data + os.urandom(192 - len(data))
    data_pad_reversed = data_with_padding[::-1]
    while True:
        temp_key = os.urandom(32)
        data_with_hash = data_pad_reversed + hashlib.sha256(temp_key + data_with_padding).digest()
        aes_encrypted = bytes(AES.encrypt_ige(data_with_hash, temp_key, bytes(32)))
        digest = hashlib.sha256(aes_encrypted).digest()
        temp_key_xor = bytes(a ^ b for a, b in zip(temp_key, digest, strict=True))
        value = int.from_bytes(temp_key_xor + aes_encrypted, "big")
        if value < key.n:
            return pow(value, key.e, key.n).to_bytes(256, "big")


async def create_auth_key(
    plain: MTProtoPlainSender, key: pyrsa.PublicKey, *, dc: int, expires_in: int | None = None
) -> AuthKey:
    """A permanent key (p_q_inner_data_dc) or, with `expires_in`, a temporary one (_temp_dc)."""
    nonce = int.from_bytes(os.urandom(16), "big", signed=True)
    res_pq = await plain.send(functions.ReqPqMultiRequest(nonce))
    p, q = Factorization.factorize(int.from_bytes(res_pq.pq, "big"))
    p_bytes, q_bytes = get_byte_array(min(p, q)), get_byte_array(max(p, q))
    new_nonce = int.from_bytes(os.urandom(32), "little", signed=True)
    fields = dict(
        pq=res_pq.pq,
        p=p_bytes,
        q=q_bytes,
        nonce=nonce,
        server_nonce=res_pq.server_nonce,
        new_nonce=new_nonce,
        dc=dc,
    )
    inner = (
        types.PQInnerDataDc(**fields)
        if expires_in is None
        else types.PQInnerDataTempDc(**fields, expires_in=expires_in)
    )
    dh = await plain.send(
        functions.ReqDHParamsRequest(
            nonce=nonce,
            server_nonce=res_pq.server_nonce,
            p=p_bytes,
            q=q_bytes,
            public_key_fingerprint=_compute_fingerprint(key),
            encrypted_data=rsa_pad(bytes(inner), key),
        )
    )
    assert isinstance(dh, types.ServerDHParamsOk)
    aes_key, aes_iv = generate_key_data_from_nonce(res_pq.server_nonce, new_nonce)
    answer = bytes(AES.decrypt_ige(dh.encrypted_answer, aes_key, aes_iv))
    server_dh = BinaryReader(answer[20:]).tgread_object()
    dh_prime = int.from_bytes(server_dh.dh_prime, "big")
    g_a = int.from_bytes(server_dh.g_a, "big")
    b = int.from_bytes(os.urandom(256), "big")
    client_inner = bytes(
        types.ClientDHInnerData(
            nonce=nonce,
            server_nonce=res_pq.server_nonce,
            retry_id=0,
            g_b=get_byte_array(pow(server_dh.g, b, dh_prime)),
        )
    )
    data = hashlib.sha1(client_inner).digest() + client_inner
    data += os.urandom(-len(data) % 16)
    gen = await plain.send(
        functions.SetClientDHParamsRequest(
            nonce=nonce,
            server_nonce=res_pq.server_nonce,
            encrypted_data=bytes(AES.encrypt_ige(data, aes_key, aes_iv)),
        )
    )
    assert isinstance(gen, types.DhGenOk), gen
    auth_key = AuthKey(get_byte_array(pow(g_a, b, dh_prime)))
    assert gen.new_nonce_hash1 == auth_key.calc_new_nonce_hash(new_nonce, 1)
    return auth_key


def signed(value: int) -> int:
    return int(struct.unpack("<q", struct.pack("<Q", value % 2**64))[0])


def bind_request(
    perm: AuthKey, temp: AuthKey, temp_session_id: int, msg_id: int
) -> functions.auth.BindTempAuthKeyRequest:
    """auth.bindTempAuthKey with bind_auth_key_inner encrypted by MTProto 1.0 under `perm`."""
    nonce = signed(int.from_bytes(os.urandom(8), "little"))
    expires_at = int(time.time()) + 3600
    inner = bytes(
        types.BindAuthKeyInner(
            nonce=nonce,
            temp_auth_key_id=signed(temp.key_id),
            perm_auth_key_id=signed(perm.key_id),
            temp_session_id=temp_session_id,
            expires_at=expires_at,
        )
    )
    data = os.urandom(16) + struct.pack("<qii", msg_id, 0, len(inner)) + inner
    msg_key = hashlib.sha1(data).digest()[4:20]
    data += os.urandom(-len(data) % 16)
    k = perm.key
    a = hashlib.sha1(msg_key + k[0:32]).digest()
    b = hashlib.sha1(k[32:48] + msg_key + k[48:64]).digest()
    c = hashlib.sha1(k[64:96] + msg_key).digest()
    d = hashlib.sha1(msg_key + k[96:128]).digest()
    aes_key = a[0:8] + b[8:20] + c[4:16]
    aes_iv = a[8:20] + b[0:8] + c[16:20] + d[0:8]
    encrypted = (
        struct.pack("<Q", perm.key_id) + msg_key + bytes(AES.encrypt_ige(data, aes_key, aes_iv))
    )
    return functions.auth.BindTempAuthKeyRequest(
        perm_auth_key_id=signed(perm.key_id),
        nonce=nonce,
        expires_at=expires_at,
        encrypted_message=encrypted,
    )
