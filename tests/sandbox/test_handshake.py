"""Auth keys as today's clients make them (RSA_PAD, p_q_inner_data_dc, temporary keys bound to a
permanent one), and a client's bad bytes closing its connection without a server crash."""

from __future__ import annotations

import logging
import os
import struct

import pytest
import rsa as pyrsa
from telethon import errors
from telethon.network import ConnectionTcpIntermediate, MTProtoPlainSender
from telethon.sessions import StringSession
from telethon.tl import functions, types

from monitor.sandbox.api import Sandbox
from tests.sandbox.raw_handshake import bind_request, create_auth_key
from tests.sandbox.raw_mtproto import _LOGGERS, RawSession
from tests.sandbox.test_mtproto_session import C, _with_salt

GET_SELF = bytes(functions.users.GetUsersRequest([types.InputUserSelf()]))


async def _connect(sandbox: Sandbox) -> ConnectionTcpIntermediate:
    connection = ConnectionTcpIntermediate(*sandbox.address, sandbox.dc_id, loggers=_LOGGERS)
    await connection.connect(timeout=5)
    return connection


def _public_key(sandbox: Sandbox) -> pyrsa.PublicKey:
    return pyrsa.PublicKey.load_pkcs1(sandbox.public_key_path.read_bytes())


async def test_an_rsa_pad_key_logs_telethon_in(sandbox: Sandbox) -> None:
    alice = sandbox.create_user("+79990000001")
    connection = await _connect(sandbox)
    key = await create_auth_key(
        MTProtoPlainSender(connection, loggers=_LOGGERS), _public_key(sandbox), dc=sandbox.dc_id
    )
    await connection.disconnect()
    session = StringSession()
    session.set_dc(sandbox.dc_id, *sandbox.address)
    session.auth_key = key
    client = await sandbox.login(alice, session)
    assert (await client.get_me()).id == alice.id
    assert client.session.auth_key.key == key.key  # no second handshake


async def test_a_temporary_key_works_once_bound_to_a_permanent_one(sandbox: Sandbox) -> None:
    alice = sandbox.create_user("+79990000001")
    telethon = await sandbox.login(alice)
    perm = telethon.session.auth_key
    connection = await _connect(sandbox)
    temp = await create_auth_key(
        MTProtoPlainSender(connection, loggers=_LOGGERS),
        _public_key(sandbox),
        dc=sandbox.dc_id,
        expires_in=3600,
    )
    raw = RawSession(connection, temp)
    try:
        await _with_salt(raw)
        await raw.send(GET_SELF)
        refused, _ = await raw.until(C["RpcResult"])
        assert refused.obj().error.error_message == "AUTH_KEY_UNREGISTERED"  # type: ignore[attr-defined]

        msg_id = raw.new_msg_id()
        await raw.send(bytes(bind_request(perm, temp, raw.state.id, msg_id)), msg_id=msg_id)
        bound, _ = await raw.until(C["RpcResult"])
        assert bound.obj().error is None  # type: ignore[attr-defined]

        await raw.send(GET_SELF)
        answer, _ = await raw.until(C["RpcResult"])
        users = functions.users.GetUsersRequest([]).read_result(
            _reader(answer.obj().body)  # type: ignore[attr-defined]
        )
        assert [u.id for u in users] == [alice.id]
    finally:
        await raw.close()


async def test_a_binding_under_the_wrong_key_is_refused(sandbox: Sandbox) -> None:
    connection = await _connect(sandbox)
    plain = MTProtoPlainSender(connection, loggers=_LOGGERS)
    temp = await create_auth_key(plain, _public_key(sandbox), dc=sandbox.dc_id, expires_in=60)
    raw = RawSession(connection, temp)
    try:
        await _with_salt(raw)
        msg_id = raw.new_msg_id()
        # "Binding" the temporary key to itself: it is not a permanent key the server knows.
        await raw.send(bytes(bind_request(temp, temp, raw.state.id, msg_id)), msg_id=msg_id)
        refused, _ = await raw.until(C["RpcResult"])
        assert refused.obj().error.error_message in {  # type: ignore[attr-defined]
            "PERM_AUTH_KEY_INVALID",
            "ENCRYPTED_MESSAGE_INVALID",
        }
    finally:
        await raw.close()


def _reader(body: bytes) -> object:
    from telethon.extensions import BinaryReader

    return BinaryReader(body)


@pytest.mark.parametrize("junk", ["rsa_overflow", "plain_garbage", "short_encrypted"])
async def test_bad_client_bytes_close_the_connection_without_a_server_crash(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture, junk: str
) -> None:
    connection = await _connect(sandbox)
    plain = MTProtoPlainSender(connection, loggers=_LOGGERS)
    with caplog.at_level(logging.INFO, "monitor.sandbox"):
        if junk == "rsa_overflow":  # GramJS's crash: a block the old scheme cannot hold
            res_pq = await plain.send(functions.ReqPqMultiRequest(nonce=1))
            request = functions.ReqDHParamsRequest(
                1,
                res_pq.server_nonce,
                b"\x01",
                b"\x02",
                res_pq.server_public_key_fingerprints[0],
                b"\xff" * 256,
            )
            with pytest.raises((errors.RPCError, ConnectionError, OSError, Exception)):
                await plain.send(request)
        elif junk == "plain_garbage":
            await connection.send(struct.pack("<q", 0) + os.urandom(40))
        else:
            await connection.send(os.urandom(8) + b"\x00" * 4)
        await connection.disconnect()
        # The server goes on serving: a fresh Telethon client logs in.
        client = await sandbox.login(sandbox.create_user("+79990000001"))
        assert await client.get_me() is not None
    crashes = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert crashes == [], [r.getMessage() for r in crashes]
