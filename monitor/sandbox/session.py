"""MTProto sessions on the server side: server salts, msg_id and seq_no checks, what was received (no I/O).

The rules are Telegram's (core.telegram.org/mtproto/service_messages_about_messages): a client's
msg_id is divisible by 4 and within 300 s in the past / 30 s in the future of the server clock;
content-related messages carry an odd seq_no, the others an even one, and seq_nos grow with
msg_ids (codes 32 / 33); a message whose msg_id was already received is not executed again; a packet with an unknown salt is answered with
bad_server_salt and not executed.
"""

from __future__ import annotations

import hashlib
import struct
from collections import OrderedDict
from dataclasses import dataclass, field

from telethon.tl import types

MSGS_ACK = 0x62D6B459
MSG_CONTAINER = 0x73F1F8DC
MSGS_STATE_INFO = 0x04DEB57D
HTTP_WAIT = 0x9299359F
NOT_CONTENT_RELATED = frozenset({MSGS_ACK, MSG_CONTAINER, MSGS_STATE_INFO, HTTP_WAIT})
# Pings go either way: Pyrogram and kurigram send them as not content-related, Telethon as
# content-related, and Telegram answers both.
EITHER_PARITY = frozenset({0x7ABE77EC, 0xF3427B8C, HTTP_WAIT})

SALT_PERIOD_S = 3600  # a salt is valid for its hour and the next one
MSG_ID_PAST_S = 300
MSG_ID_FUTURE_S = 30
REMEMBERED_IDS = 1024  # per session; older msg_ids are "too old to verify" (code 20)
REMEMBERED_ANSWERS = 128
REMEMBERED_ANSWER_MAX = 64 * 1024

# bad_msg_notification error codes
MSG_ID_TOO_LOW = 16
MSG_ID_TOO_HIGH = 17
MSG_ID_BAD_BITS = 18
MSG_ID_FORGOTTEN = 20
SEQNO_TOO_LOW = 32
SEQNO_TOO_HIGH = 33
SEQNO_EXPECTED_EVEN = 34
SEQNO_EXPECTED_ODD = 35
BAD_SERVER_SALT = 48
CONTAINER_INVALID = 64
CONTAINER_MAX_ITEMS = 1024  # Telegram: at most 1024 messages and 1 MiB in a container

DUPLICATE = -1  # `check` result: received before, do not execute again


class Salts:
    """Server salts per auth key: one per hour, derived from a server secret (no storage)."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def at(self, key_id: int, period: int) -> int:
        digest = hashlib.sha256(self._secret + struct.pack("<Qq", key_id % 2**64, period)).digest()
        return int(struct.unpack("<q", digest[:8])[0])

    def current(self, key_id: int, now: float) -> int:
        return self.at(key_id, int(now // SALT_PERIOD_S))

    def is_valid(self, key_id: int, salt: int, now: float) -> bool:
        period = int(now // SALT_PERIOD_S)
        return salt in (self.at(key_id, period), self.at(key_id, period - 1))

    def future(self, key_id: int, now: float, num: int) -> list[types.FutureSalt]:
        """Up to 64 salts from the current one on, as get_future_salts answers."""
        first = int(now // SALT_PERIOD_S)
        return [
            types.FutureSalt(
                valid_since=p * SALT_PERIOD_S,
                valid_until=(p + 2) * SALT_PERIOD_S,
                salt=self.at(key_id, p),
            )
            for p in range(first, first + max(1, min(num, 64)))
        ]


@dataclass
class SessionState:
    """One (auth key, session id): what it sent, what it was answered, the server's seq_no."""

    session_id: int
    unique_id: int
    received: OrderedDict[int, int] = field(default_factory=OrderedDict)  # msg_id -> seq_no
    answers: OrderedDict[int, bytes] = field(default_factory=OrderedDict)
    forgotten_below: int = 0
    sent_content: int = 0  # content-related messages the server sent (for its seq_no)

    def check(self, msg_id: int, seq_no: int, constructor: int, now: float) -> int | None:
        """None if the message may run, DUPLICATE, or a bad_msg_notification error code."""
        if msg_id % 4:
            return MSG_ID_BAD_BITS
        sent_at = msg_id >> 32
        if sent_at < now - MSG_ID_PAST_S:
            return MSG_ID_TOO_LOW
        if sent_at > now + MSG_ID_FUTURE_S:
            return MSG_ID_TOO_HIGH
        content_related = constructor not in NOT_CONTENT_RELATED
        if constructor in EITHER_PARITY:
            pass
        elif content_related and seq_no % 2 == 0:
            return SEQNO_EXPECTED_ODD
        if not content_related and seq_no % 2 == 1:
            return SEQNO_EXPECTED_EVEN
        if msg_id in self.received:
            return DUPLICATE
        if msg_id <= self.forgotten_below:
            return MSG_ID_FORGOTTEN
        return self._seq_no_order(msg_id, seq_no)

    def _seq_no_order(self, msg_id: int, seq_no: int) -> int | None:
        """32 / 33 when seq_no disagrees with the order of msg_ids already received.

        Telegram: too low if a message with a lower msg_id had a higher seq_no (or the same odd
        one), too high if a message with a higher msg_id had a lower seq_no (or the same odd one).
        """
        for other_id, other_seq in self.received.items():
            same_odd = other_seq == seq_no and seq_no % 2 == 1
            if other_id < msg_id and (other_seq > seq_no or same_odd):
                return SEQNO_TOO_LOW
            if other_id > msg_id and (other_seq < seq_no or same_odd):
                return SEQNO_TOO_HIGH
        return None

    def remember(self, msg_id: int, seq_no: int = 0) -> None:
        self.received[msg_id] = seq_no
        while len(self.received) > REMEMBERED_IDS:
            old, _ = self.received.popitem(last=False)
            self.forgotten_below = max(self.forgotten_below, old)

    def remember_answer(self, msg_id: int, body: bytes) -> None:
        if len(body) > REMEMBERED_ANSWER_MAX:
            return  # a file part: a repeated request for it is simply not answered again
        self.answers[msg_id] = body
        while len(self.answers) > REMEMBERED_ANSWERS:
            self.answers.popitem(last=False)

    def next_seq_no(self, *, content_related: bool) -> int:
        seq_no = self.sent_content * 2 + (1 if content_related else 0)
        self.sent_content += content_related
        return seq_no

    def state_of(self, msg_id: int, now: float) -> int:
        """One byte of msgs_state_info: 1 unknown (too old), 2 not received, 3 too new, 4 received."""
        if msg_id in self.received:
            return 4
        if msg_id <= self.forgotten_below or (msg_id >> 32) < now - MSG_ID_PAST_S:
            return 1
        if (msg_id >> 32) > now + MSG_ID_FUTURE_S:
            return 3
        return 2
