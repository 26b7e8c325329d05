"""What people type to name a channel."""

from __future__ import annotations

import pytest

from monitor.errors import CommandError
from monitor.reader.channel_ref import ChannelRef, parse_channel_ref


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@melitopol_news", ChannelRef(username="melitopol_news")),
        ("melitopol_news", ChannelRef(username="melitopol_news")),
        ("https://t.me/melitopol_news", ChannelRef(username="melitopol_news")),
        ("t.me/melitopol_news/1234", ChannelRef(username="melitopol_news")),
        ("https://t.me/s/crimea_24?before=10", ChannelRef(username="crimea_24")),
        ("-1001234567890", ChannelRef(channel_id=1234567890)),
        ("1234567890", ChannelRef(channel_id=1234567890)),
        ("https://t.me/c/1234567890/55", ChannelRef(channel_id=1234567890)),
    ],
)
def test_parses_usernames_links_and_ids(text: str, expected: ChannelRef) -> None:
    assert parse_channel_ref(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "name a channel"),
        ("https://t.me/+AbCdEf123", "private invite link"),
        ("https://t.me/joinchat/AbCdEf", "private invite link"),
        ("@ab", "not a channel username"),
        ("новости", "not a channel username"),
        ("-5", "not a channel id"),
    ],
)
def test_bad_references_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        parse_channel_ref(text)
