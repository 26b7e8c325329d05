"""Session rules as Telegram applies them: salts, msg_ids, seq_nos, service requests, acks, containers, gzip.

Driven by hand (tests/sandbox/raw_mtproto.py) so that the client can break the rules, and checked
again with Telethon, which must still work against each.
"""

from __future__ import annotations

import struct
from collections.abc import AsyncIterator

import pytest
from telethon.tl import functions, types

from monitor.sandbox.api import Sandbox
from tests.sandbox.raw_mtproto import CONTAINER, GZIP, RawSession

PING = bytes(functions.PingRequest(ping_id=42))
GET_CONFIG = bytes(functions.help.GetConfigRequest())
C = {
    name: getattr(types, name).CONSTRUCTOR_ID
    for name in (
        "BadServerSalt",
        "BadMsgNotification",
        "NewSessionCreated",
        "Pong",
        "MsgsAck",
        "MsgsStateInfo",
        "FutureSalts",
        "DestroySessionOk",
        "DestroySessionNone",
    )
}
C["RpcResult"] = 0xF35C6D01


@pytest.fixture
async def raw(sandbox: Sandbox) -> AsyncIterator[RawSession]:
    session = await RawSession.open(sandbox)
    yield session
    await session.close()


async def _with_salt(raw: RawSession) -> None:
    """Send a ping with salt 0, take the salt from bad_server_salt, and let the session start."""
    await raw.send(PING)
    bad, _ = await raw.until(C["BadServerSalt"])
    raw.salt = bad.obj().new_server_salt  # type: ignore[attr-defined]
    await raw.send(PING)
    await raw.until(C["Pong"])


async def test_a_wrong_salt_is_answered_bad_server_salt_and_not_executed(
    sandbox: Sandbox, raw: RawSession
) -> None:
    bad_id = await raw.send(GET_CONFIG)
    bad, seen = await raw.until(C["BadServerSalt"])
    notice = bad.obj()
    assert (notice.bad_msg_id, notice.error_code) == (bad_id, 48)  # type: ignore[attr-defined]
    assert sandbox.calls("help.getConfig") == 0
    assert C["NewSessionCreated"] not in [m.constructor for m in seen]

    raw.salt = notice.new_server_salt  # type: ignore[attr-defined]
    good_id = await raw.send(GET_CONFIG)
    created, _ = await raw.until(C["NewSessionCreated"])
    assert created.obj().first_msg_id == good_id  # type: ignore[attr-defined]
    await raw.until(C["RpcResult"])
    assert sandbox.calls("help.getConfig") == 1


async def test_a_repeated_msg_id_runs_once_and_gets_the_same_answer(
    sandbox: Sandbox, raw: RawSession
) -> None:
    await _with_salt(raw)
    msg_id, packet = raw.packet(GET_CONFIG)
    await raw.connection.send(packet)
    first, _ = await raw.until(C["RpcResult"])
    await raw.connection.send(packet)  # the very same bytes: a client resending a lost request
    second, _ = await raw.until(C["RpcResult"])
    assert sandbox.calls("help.getConfig") == 1
    assert first.body[4:12] == second.body[4:12] == msg_id.to_bytes(8, "little")


@pytest.mark.parametrize(
    ("tamper", "code"),
    [
        ("old", 16),
        ("future", 17),
        ("bits", 18),
        ("even_seq", 35),
    ],
)
async def test_bad_msg_ids_and_seq_nos_are_refused_with_their_codes(
    sandbox: Sandbox, raw: RawSession, tamper: str, code: int
) -> None:
    await _with_salt(raw)
    msg_id = raw.new_msg_id()
    seq_no = None
    if tamper == "old":
        msg_id -= 600 << 32
    elif tamper == "future":
        msg_id += 60 << 32
    elif tamper == "bits":
        msg_id += 1
    else:
        seq_no = 2
    await raw.send(GET_CONFIG, msg_id=msg_id, seq_no=seq_no)
    notice, _ = await raw.until(C["BadMsgNotification"])
    assert (notice.obj().bad_msg_id, notice.obj().error_code) == (msg_id, code)  # type: ignore[attr-defined]
    assert sandbox.calls("help.getConfig") == 0


async def test_seq_nos_out_of_order_with_msg_ids_are_refused_with_32_and_33(
    sandbox: Sandbox, raw: RawSession
) -> None:
    await _with_salt(raw)  # two pings: content seq_nos 1 and 3 are taken
    # A newer message with an older seq_no: too low (32).
    low = await raw.send(GET_CONFIG, seq_no=1)
    notice, _ = await raw.until(C["BadMsgNotification"])
    assert (notice.obj().bad_msg_id, notice.obj().error_code) == (low, 32)  # type: ignore[attr-defined]
    # An older msg_id than one received, with a newer seq_no: too high (33).
    older = raw.new_msg_id() - (5 << 32)
    await raw.send(GET_CONFIG, msg_id=older, seq_no=99)
    notice, _ = await raw.until(C["BadMsgNotification"])
    assert (notice.obj().bad_msg_id, notice.obj().error_code) == (older, 33)  # type: ignore[attr-defined]
    assert sandbox.calls("help.getConfig") == 0
    # In order again: it runs.
    await raw.send(GET_CONFIG)
    await raw.until(C["RpcResult"])
    assert sandbox.calls("help.getConfig") == 1


@pytest.mark.parametrize("flaw", ["nested", "empty", "item_newer_than_container"])
async def test_invalid_containers_are_refused_with_64(
    sandbox: Sandbox, raw: RawSession, flaw: str
) -> None:
    await _with_salt(raw)
    first = raw.new_msg_id()
    item = struct.pack("<qii", first, raw.seq * 2 + 1, len(GET_CONFIG)) + GET_CONFIG
    raw.seq += 1
    if flaw == "nested":
        inner = struct.pack("<Ii", CONTAINER, 1) + item
        body = (
            struct.pack("<Ii", CONTAINER, 1)
            + struct.pack("<qii", raw.new_msg_id(), raw.seq * 2, len(inner))
            + inner
        )
        container_id = raw.new_msg_id()
    elif flaw == "empty":
        body = struct.pack("<Ii", CONTAINER, 0)
        container_id = raw.new_msg_id()
    else:
        body = struct.pack("<Ii", CONTAINER, 1) + item
        container_id = first - 4  # older than its own item
    await raw.send(body, msg_id=container_id, content=False)
    notice, _ = await raw.until(C["BadMsgNotification"])
    assert notice.obj().error_code == 64  # type: ignore[attr-defined]
    assert sandbox.calls("help.getConfig") == 0


async def test_msgs_state_req_is_answered(raw: RawSession) -> None:
    await _with_salt(raw)
    known = await raw.send(PING)
    await raw.until(C["Pong"])
    unknown = raw.new_msg_id()
    await raw.send(bytes(types.MsgsStateReq([known, unknown])))
    info, _ = await raw.until(C["MsgsStateInfo"])
    assert [ord(c) for c in info.obj().info] == [4, 2]  # type: ignore[attr-defined]


async def test_get_future_salts_starts_with_the_current_salt(raw: RawSession) -> None:
    await _with_salt(raw)
    await raw.send(bytes(functions.GetFutureSaltsRequest(num=3)))
    answer, _ = await raw.until(C["FutureSalts"])
    salts = answer.obj().salts  # type: ignore[attr-defined]
    assert len(salts) == 3
    assert salts[0].salt == raw.salt
    assert len({s.salt for s in salts}) == 3


async def test_destroy_session_forgets_another_session(sandbox: Sandbox, raw: RawSession) -> None:
    await _with_salt(raw)
    other = RawSession(raw.connection, raw.state.auth_key)
    other.salt = raw.salt
    other.state.reset()  # a second session id on the same auth key
    await other.send(PING)
    await raw.until(C["Pong"])
    await raw.send(bytes(functions.DestroySessionRequest(other.state.id)))
    done, _ = await raw.until(C["DestroySessionOk"])
    assert done.obj().session_id == other.state.id  # type: ignore[attr-defined]
    await raw.send(bytes(functions.DestroySessionRequest(other.state.id)))
    await raw.until(C["DestroySessionNone"])


async def test_requests_are_acknowledged_and_large_answers_gzipped_in_containers(
    sandbox: Sandbox,
) -> None:
    news = sandbox.create_channel("news_ru", "Новости")
    for i in range(30):
        sandbox.post(news, f"Повестки раздают у метро, сообщение {i}. " * 5)
    user = sandbox.create_user("+79990000001")
    client = await sandbox.login(user)
    raw = await RawSession.open(sandbox, client.session.auth_key)
    try:
        await _with_salt(raw)
        peer = types.InputPeerChannel(news.id, sandbox.access_hash(news, user))
        request = functions.messages.GetHistoryRequest(peer, 0, None, 0, 30, 0, 0, 0)
        request_id = await raw.send(bytes(request))
        result, seen = await raw.until(C["RpcResult"])
        acks = [m.obj() for m in seen if m.constructor == C["MsgsAck"]]
        while not acks:
            more = await raw.receive()
            acks = [m.obj() for m in more if m.constructor == C["MsgsAck"]]
        assert any(request_id in a.msg_ids for a in acks)  # type: ignore[attr-defined]
        assert result.rpc_inner == GZIP
        history = result.obj().body  # type: ignore[attr-defined]
        assert len(history) > 5000
    finally:
        await raw.close()
    # Telethon reads the same gzipped, containered answers.
    assert len(await client.get_messages("news_ru", limit=30)) == 30


async def test_telethon_reconnects_through_the_salt_dance(sandbox: Sandbox) -> None:
    alice = sandbox.create_user("+79990000001")
    client = await sandbox.login(alice)
    sandbox.drop_connections()
    assert (await client.get_me()).id == alice.id
    assert len(sandbox.server.sessions) >= 2  # a new session per Telethon connection
