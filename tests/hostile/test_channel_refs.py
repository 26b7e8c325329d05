"""Hostile channel refs through the parser that `channels add/remove` and /addchannel use."""

from __future__ import annotations

from typing import Any

import pytest

from monitor.errors import CommandError
from monitor.reader.channel_ref import _USERNAME, parse_channel_ref
from tests.hostile.corpus import check_memory, check_message, check_outcome, params, text_of

MAX_ID = 2**63 - 1  # what SQLite and Telegram can hold


@pytest.mark.parametrize("case", params("channel_refs"))
def test_a_channel_ref_is_a_ref_or_a_clear_error(case: dict[str, Any]) -> None:
    try:
        ref = parse_channel_ref(text_of(case))
    except CommandError as e:
        check_message(e.user_message)
        outcome = "error"
    else:
        assert (ref.username is None) != (ref.channel_id is None)
        if ref.channel_id is not None:
            assert 0 < ref.channel_id <= MAX_ID
        else:
            assert _USERNAME.match(ref.username or "")
        outcome = "ok"
    check_outcome(case, outcome)
    check_memory()
