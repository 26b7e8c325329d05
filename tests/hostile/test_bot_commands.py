"""Hostile bot command text through the pure command parser (monitor/bot/commands.py)."""

from __future__ import annotations

from typing import Any

import pytest

from monitor.bot.commands import Vocabulary, parse_command
from monitor.errors import CommandError
from monitor.matching import compile_expression, load_default_packs
from monitor.matching.packs import CATEGORIES
from tests.hostile.corpus import check_memory, load, params, text_of

TELEGRAM_MESSAGE = 4096  # a reply longer than this cannot be sent


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary(
        categories=frozenset(CATEGORIES),
        rule_ids=frozenset(r.id for p in load_default_packs() for r in p.rules),
        check_expression=compile_expression,
    )


@pytest.mark.parametrize("case", params("bot_commands"))
def test_a_bot_command_is_a_command_or_a_clear_reply(
    case: dict[str, Any], vocabulary: Vocabulary
) -> None:
    reply = "a command"
    try:
        parse_command(text_of(case), vocabulary)
    except CommandError as e:
        reply = e.user_message
    assert reply.strip()
    assert len(reply) <= TELEGRAM_MESSAGE, len(reply)
    check_memory()


def test_the_corpus_is_big() -> None:
    assert len(load("bot_commands")) > 300
