"""Parsing bot commands: values for good input, a CommandError with an example for bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.bot.commands import (
    AddChannel,
    Block,
    CheckText,
    Help,
    Invite,
    ListSubscriptions,
    ListUsers,
    Mute,
    SetTimezone,
    Start,
    Subscribe,
    Unsubscribe,
    UnsubscribeAll,
    Vocabulary,
    parse_command,
)
from monitor.bot.wording import Target
from monitor.domain import SubscriptionKind as K
from monitor.errors import CommandError
from monitor.matching import compile_expression

VOCABULARY = Vocabulary(
    categories={"summons", "roundup"},
    rule_ids={"ru.summons.povestka", "uk.summons.povistka"},
    check_expression=compile_expression,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/start", Start()),
        ("/start abc123", Start("abc123")),
        ("/start Taras, researcher at ZMINA", Start(None, "Taras, researcher at ZMINA")),
        ("/help", Help()),
        ("/subscribe summons", Subscribe((Target(K.CATEGORY, "summons"),))),
        ("/subscribe@draftwatch_bot summons", Subscribe((Target(K.CATEGORY, "summons"),))),
        ("/subscribe ru.summons.povestka", Subscribe((Target(K.RULE, "ru.summons.povestka"),))),
        (
            "/subscribe summons in @melitopol_news t.me/kherson_online",
            Subscribe((Target(K.CATEGORY, "summons"),), ("@melitopol_news", "@kherson_online")),
        ),
        (
            "/subscribe облава AND Мелитополь",
            Subscribe((Target(K.EXPRESSION, "облава AND Мелитополь"),)),
        ),
        (
            "/subscribe повістка in @zaporizhzhia_info",
            Subscribe((Target(K.EXPRESSION, "повістка"),), ("@zaporizhzhia_info",)),
        ),
        # keyword_alert_bot's form: comma lists of words, then of channels
        (
            "/subscribe повестки,облава melitopol_vestnik,crimea_alarm",
            Subscribe(
                (Target(K.EXPRESSION, "повестки"), Target(K.EXPRESSION, "облава")),
                ("@melitopol_vestnik", "@crimea_alarm"),
            ),
        ),
        (
            "/subscribe повестки melitopol_vestnik",
            Subscribe((Target(K.EXPRESSION, "повестки"),), ("@melitopol_vestnik",)),
        ),
        (
            "/subscribe summons, roundup in @melitopol_news, @crimea_alarm",
            Subscribe(
                (Target(K.CATEGORY, "summons"), Target(K.CATEGORY, "roundup")),
                ("@melitopol_news", "@crimea_alarm"),
            ),
        ),
        (
            "/subscribe повестки,облава",
            Subscribe((Target(K.EXPRESSION, "повестки"), Target(K.EXPRESSION, "облава"))),
        ),
        ("/list", ListSubscriptions()),
        ("/unsubscribe_all", UnsubscribeAll()),
        ("/unsubscribe 3", Unsubscribe("3")),
        ("/unsubscribe summons", Unsubscribe("summons")),
        ("/addchannel https://t.me/melitopol_news", AddChannel("@melitopol_news")),
        ("/test В Мелитополе раздают повестки", CheckText("В Мелитополе раздают повестки")),
        ("/mute 2h", Mute(timedelta(hours=2))),
        ("/mute 30 minutes", Mute(timedelta(minutes=30))),
        ("/mute off", Mute(timedelta(0))),
        ("/timezone Europe/Kyiv", SetTimezone("Europe/Kyiv")),
        ("/timezone Kyiv", SetTimezone("Europe/Kyiv")),
        ("/timezone kiev", SetTimezone("Europe/Kyiv")),
        ("/timezone Moscow", SetTimezone("Europe/Moscow")),
        ("/timezone Berlin", SetTimezone("Europe/Berlin")),
        ("/timezone +3", SetTimezone("Etc/GMT-3")),
        ("/timezone UTC+3", SetTimezone("Etc/GMT-3")),
        ("/timezone GMT-5", SetTimezone("Etc/GMT+5")),
        ("/timezone", SetTimezone(None)),
        ("/users pending", ListUsers(pending_only=True)),
        ("/block @oksana_k", Block("@oksana_k")),
        ("/invite", Invite()),
        ("/invite 3d", Invite(timedelta(days=3))),
    ],
)
def test_good_commands(text: str, expected: object) -> None:
    assert parse_command(text, VOCABULARY) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("hello", "Commands start with /"),
        ("/frobnicate", "Unknown command /frobnicate"),
        ("/subscibe summons", "Did you mean: /subscribe summons?"),
        ("/unsubscribeall", "Did you mean: /unsubscribe_all?"),
        (
            "/subscribe повестки; облава (melitopol_vestnik)",
            "Did you mean: /subscribe повестки, облава in @melitopol_vestnik",
        ),
        ("/subscribe повестки,,облава", "Did you mean: /subscribe повестки, облава"),
        ("/subscribe", "Example: /subscribe summons in @melitopol_news"),
        ("/subscribe summons in ???", "“???” is not a channel name"),
        ("/subscribe облава AND (", "not a valid expression"),
        ("/addchannel", "Example: /addchannel @melitopol_news"),
        ("/mute forever", "“forever” is not a duration"),
        ("/mute 40d", "between 1 minute and 30 days"),
        ("/timezone Narnia", "Unknown time zone “Narnia”: use a city such as Kyiv"),
        ("/timezone +15", "Unknown time zone “+15”"),
        ("/block", "Example: /block 123456789"),
        ("/test", "Example: /test"),
        ("/users all", "Example: /users pending"),
    ],
)
def test_bad_commands_say_what_was_wrong_with_an_example(text: str, says: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_command(text, VOCABULARY)
    assert says in caught.value.user_message


def test_every_command_is_in_help_with_an_example() -> None:
    from monitor.bot.commands import COMMANDS

    assert [s.name for s in COMMANDS if not s.help] == ["start"]  # all but /start are listed
    for name, example, what in ((s.name, s.example, s.help) for s in COMMANDS if s.help):
        assert example.startswith(f"/{name}"), name
        assert what, name
        parse_command(example, VOCABULARY)  # every example parses
