"""An analyst's subscriptions in the bot: nothing replaced silently, comma lists, per-analyst
numbers, /unsubscribe_all asking first, /test in words (a real archive, the real packs)."""

from __future__ import annotations

from monitor.bot.conversation import Caller, Conversation
from monitor.bot.replies import Reply
from tests.bot.test_conversation import ADMIN, OKSANA, approved, bot, matcher, say
from tests.conftest import NOW

__all__ = ["bot", "matcher"]  # the fixtures, shared with test_conversation

TARAS = Caller(502, "taras", "Тарас")


def labels(reply: Reply) -> list[str]:
    return [b.text for row in reply.buttons for b in row]


async def press(bot: Conversation, caller: Caller, reply: Reply, label: str) -> Reply:
    [data] = [b.data for row in reply.buttons for b in row if b.text == label]
    answer, out = await bot.press(caller, data, now=NOW)
    assert answer == ""
    [edited] = out
    assert edited.edit  # the question is replaced by its answer: no buttons left
    assert not edited.buttons
    return edited


async def listing(bot: Conversation, caller: Caller) -> str:
    return (await say(bot, caller, "/list"))[0].html


async def test_resubscribing_with_other_channels_asks_and_adds_the_channel(
    bot: Conversation,
) -> None:
    await approved(bot, OKSANA)
    [first] = await say(bot, OKSANA, "/subscribe roundup in @zaporizhzhia_ua @crimea_alarm")
    assert first.html.startswith("✅ Subscribed: #1 category <code>roundup</code>")
    [warning, question] = await say(bot, OKSANA, "/subscribe roundup in @not_watched_chan")
    assert "Not watched yet: @not_watched_chan" in warning.html
    assert question.html == (
        "⚠️ You already have #1 category <code>roundup</code> in @zaporizhzhia_ua, "
        "@crimea_alarm. Nothing changed yet. Add @not_watched_chan to #1, or keep both "
        "subscriptions?"
    )
    assert labels(question) == [
        "➕ Add @not_watched_chan to #1",
        "📌 Keep both",
        "✖ Leave it as it is",
    ]
    before = await listing(bot, OKSANA)
    assert "#1 category <code>roundup</code> in @zaporizhzhia_ua, @crimea_alarm" in before
    done = await press(bot, OKSANA, question, "➕ Add @not_watched_chan to #1")
    assert done.html == (
        "✅ Changed: #1 category <code>roundup</code> in @zaporizhzhia_ua, @crimea_alarm, "
        "@not_watched_chan"
    )
    answer, _ = await bot.press(OKSANA, question.buttons[1][0].data, now=NOW)
    assert answer == "That question has expired: send the command again."


async def test_keep_both_and_leave_and_a_question_for_someone_else(bot: Conversation) -> None:
    await approved(bot, OKSANA)
    await approved(bot, TARAS)
    await say(bot, OKSANA, "/subscribe summons in @melitopol_news")
    [_, question] = await say(bot, OKSANA, "/subscribe summons in @crimea_alarm")
    answer, out = await bot.press(TARAS, question.buttons[0][0].data, now=NOW)
    assert (answer, out) == ("That question was asked to someone else.", [])
    kept = await press(bot, OKSANA, question, "📌 Keep both")
    assert (
        kept.html == "✅ Kept #1 and subscribed: #2 category <code>summons</code> in @crimea_alarm"
    )
    [again] = await say(bot, OKSANA, "/subscribe summons")
    assert "#1 category <code>summons</code> in @melitopol_news" in again.html
    assert labels(again) == ["🌐 #1 in every channel", "✖ Leave it as it is"]
    left = await press(bot, OKSANA, again, "✖ Leave it as it is")
    assert left.html.startswith("Nothing changed: #1")
    [same] = await say(bot, OKSANA, "/subscribe summons in @crimea_alarm")
    assert same.html == (
        "☑️ Already subscribed: #2 category <code>summons</code> in @crimea_alarm\n"
        "⚠️ Not watched yet: @crimea_alarm (an admin can /addchannel)"
    )


async def test_comma_lists_of_words_and_channels_as_in_keyword_alert_bot(
    bot: Conversation,
) -> None:
    await approved(bot, OKSANA)
    [reply] = await say(bot, OKSANA, "/subscribe повестки,облава melitopol_vestnik,crimea_alarm")
    assert reply.html.splitlines()[:2] == [
        "✅ Subscribed: #1 expression <code>повестки</code> in @melitopol_vestnik, @crimea_alarm",
        "✅ Subscribed: #2 expression <code>облава</code> in @melitopol_vestnik, @crimea_alarm",
    ]
    [wrong] = await say(bot, OKSANA, "/subscribe повестки; облава (melitopol_vestnik)")
    assert "Did you mean: /subscribe повестки, облава in @melitopol_vestnik" in wrong.html
    [typo] = await say(bot, OKSANA, "/subscibe summons")
    assert typo.html.startswith("Unknown command /subscibe. Did you mean: /subscribe summons?")


async def test_numbers_are_per_analyst_and_unsubscribe_by_number(bot: Conversation) -> None:
    await approved(bot, OKSANA)
    await approved(bot, TARAS)
    await say(bot, OKSANA, "/subscribe summons,roundup")
    [taras] = await say(bot, TARAS, "/subscribe mobilization")
    assert taras.html.startswith("✅ Subscribed: #1 category <code>mobilization</code>")
    [gone] = await say(bot, TARAS, "/unsubscribe 1")
    assert gone.html == "Unsubscribed: #1 category <code>mobilization</code>"
    assert "#2 category <code>roundup</code>" in await listing(bot, OKSANA)


async def test_unsubscribe_all_asks_first(bot: Conversation) -> None:
    await approved(bot, OKSANA)
    [none] = await say(bot, OKSANA, "/unsubscribe_all")
    assert none.html == "You have no subscriptions."
    await say(bot, OKSANA, "/subscribe summons,roundup")
    [question] = await say(bot, OKSANA, "/unsubscribe_all")
    assert question.html.startswith("Stop all 2 subscriptions?\n#1 category <code>summons</code>")
    assert labels(question) == ["🗑 Yes, stop all 2", "✖ Cancel"]
    cancelled = await press(bot, OKSANA, question, "✖ Cancel")
    assert cancelled.html == "Nothing changed: you keep 2 subscriptions (/list)."
    [question] = await say(bot, OKSANA, "/unsubscribe_all")
    done = await press(bot, OKSANA, question, "🗑 Yes, stop all 2")
    assert done.html == "🗑 Stopped all 2 subscriptions. /subscribe starts again."
    assert (await listing(bot, OKSANA)).startswith("No subscriptions yet.")


async def test_test_says_which_of_your_subscriptions_fire_and_why(bot: Conversation) -> None:
    await approved(bot, OKSANA)
    await say(bot, OKSANA, "/subscribe summons")
    await say(bot, OKSANA, "/subscribe облава AND Мелитополь in @melitopol_news")
    await say(bot, OKSANA, "/subscribe deferment")
    [reply] = await say(bot, OKSANA, "/test В Мелитополе облава, мужчинам вручают повестки")
    lines = reply.html.splitlines()
    assert lines[0] == "<b>Your subscriptions on this text</b>"
    assert lines[1].startswith("🔔 #1 category <code>summons</code>: would fire: «повестки»")
    assert lines[2].startswith(
        "🔔 #2 expression <code>облава AND Мелитополь</code> in @melitopol_news: would fire, "
        "for posts in @melitopol_news only: «Мелитополе», «облава»"
    ) or lines[2].startswith(
        "🔔 #2 expression <code>облава AND Мелитополь</code> in @melitopol_news: would fire, "
        "for posts in @melitopol_news only: «облава», «Мелитополе»"
    )
    assert lines[3] == (
        "· #3 category <code>deferment</code>: would not fire "
        "(no rule of the category deferment matches)"
    )
    assert "ru.summons" not in reply.html  # words, not rule ids
    assert ADMIN.user_id not in [reply.chat_id]
