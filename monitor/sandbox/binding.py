"""auth.bindTempAuthKey: a temporary auth key (perfect forward secrecy) takes on a permanent key's login (no I/O).

The request carries bind_auth_key_inner encrypted with the permanent key by MTProto 1.0 rules
(core.telegram.org/method/auth.bindTempAuthKey); the server checks it came from the holder of
the permanent key, for this temporary key and this session.
"""

from __future__ import annotations

import hashlib
import struct
from typing import Any

from telethon.crypto import AES, AuthKey
from telethon.extensions import BinaryReader
from telethon.tl import types

from monitor.sandbox.rpc.call import RpcError


def _v1_key_iv(auth_key: bytes, msg_key: bytes) -> tuple[bytes, bytes]:
    """MTProto 1.0 AES key and IV, client to server (x = 0)."""
    a = hashlib.sha1(msg_key + auth_key[0:32]).digest()
    b = hashlib.sha1(auth_key[32:48] + msg_key + auth_key[48:64]).digest()
    c = hashlib.sha1(auth_key[64:96] + msg_key).digest()
    d = hashlib.sha1(msg_key + auth_key[96:128]).digest()
    return a[0:8] + b[8:20] + c[4:16], a[8:20] + b[0:8] + c[16:20] + d[0:8]


def open_binding(perm_key: AuthKey, encrypted: bytes) -> tuple[int, Any]:
    """(msg_id, bind_auth_key_inner) of `encrypted_message`; RpcError if it does not verify."""
    if len(encrypted) < 24 + 32 or (len(encrypted) - 24) % 16:
        raise RpcError(400, "ENCRYPTED_MESSAGE_INVALID")
    if struct.unpack_from("<Q", encrypted)[0] != perm_key.key_id:
        raise RpcError(400, "ENCRYPTED_MESSAGE_INVALID")
    msg_key = encrypted[8:24]
    key, iv = _v1_key_iv(perm_key.key, msg_key)
    plain = bytes(AES.decrypt_ige(encrypted[24:], key, iv))
    _salt, _session, msg_id, _seq_no, length = struct.unpack_from("<qqqii", plain)
    if not 0 < length <= len(plain) - 32:
        raise RpcError(400, "ENCRYPTED_MESSAGE_INVALID")
    if hashlib.sha1(plain[: 32 + length]).digest()[4:20] != msg_key:
        raise RpcError(400, "ENCRYPTED_MESSAGE_INVALID")
    try:
        inner = BinaryReader(plain[32 : 32 + length]).tgread_object()
    except Exception:  # the client's bytes, whatever they hold
        raise RpcError(400, "ENCRYPTED_MESSAGE_INVALID") from None
    if not isinstance(inner, types.BindAuthKeyInner):
        raise RpcError(400, "ENCRYPTED_MESSAGE_INVALID")
    return msg_id, inner


def check_binding(
    request: Any,
    *,
    perm_key: AuthKey | None,
    temp_key_id: int,
    session_id: int,
    msg_id: int,
    is_temporary: bool,
) -> None:
    """Raise Telegram's error if this bindTempAuthKey request must be refused."""
    if perm_key is None:
        raise RpcError(400, "PERM_AUTH_KEY_INVALID")
    if not is_temporary:
        raise RpcError(400, "TEMP_AUTH_KEY_EMPTY")
    inner_msg_id, inner = open_binding(perm_key, request.encrypted_message)
    if (
        inner_msg_id != msg_id
        or inner.nonce != request.nonce
        or inner.perm_auth_key_id != request.perm_auth_key_id
        or inner.temp_auth_key_id % 2**64 != temp_key_id % 2**64
        or inner.temp_session_id != session_id
        or inner.expires_at != request.expires_at
    ):
        raise RpcError(400, "ENCRYPTED_MESSAGE_INVALID")
