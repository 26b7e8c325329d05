"""The bot's answers on a real archive and the real pattern packs: access control and commands."""

from __future__ import annotations

from datetime import datetime

import pytest

from monitor.bot.conversation import Caller, Conversation
from monitor.bot.handlers import Stores
from monitor.bot.replies import Reply
from monitor.domain import Channel, SubscriberStatus, SubscriptionKind
from monitor.errors import NotFoundError
from monitor.matching import Matcher, compile_matcher, load_default_packs
from monitor.store.channels import ChannelRepo
from monitor.store.deliveries import DeliveryRepo
from monitor.store.engine import Database
from monitor.store.subscribers import SubscriberRepo
from tests.conftest import NOW

ADMIN = Caller(900, "boss", "Admin")
OKSANA = Caller(501, "oksana", "Оксана")
STRANGER = Caller(666, None, "Stranger")


@pytest.fixture(scope="session")
def matcher() -> Matcher:
    return compile_matcher(load_default_packs())


class FakeChannelControl:
    """Our own ChannelControl interface, as the reader side will implement it."""

    def __init__(self, repo: ChannelRepo) -> None:
        self.repo = repo

    async def add_channel(self, ref: str, *, now: datetime) -> Channel:
        if ref == "@buggy_channel":  # a bug on the reader side, not a DraftwatchError
            raise RuntimeError("reader exploded")
        return await self.repo.upsert_channel(
            Channel(telegram_id=4242, title="Мелитополь сегодня", username=ref.lstrip("@")),
            now=now,
        )

    async def remove_channel(self, ref: str, *, now: datetime) -> Channel:
        raise NotFoundError("channel", ref)


@pytest.fixture
def bot(database: Database, matcher: Matcher) -> Conversation:
    channels = ChannelRepo(database)
    stores = Stores(SubscriberRepo(database), DeliveryRepo(database), channels)
    return Conversation(
        stores,
        matcher,
        admin_ids=[ADMIN.user_id],
        default_timezone="Europe/Kyiv",
        channel_control=FakeChannelControl(channels),
    )


async def say(bot: Conversation, caller: Caller, text: str) -> list[Reply]:
    return await bot.handle(caller, text, now=NOW)


async def approved(bot: Conversation, caller: Caller) -> None:
    await say(bot, ADMIN, "/start")
    await say(bot, caller, "/start")
    answer, _ = await bot.press(ADMIN, f"approve:{caller.user_id}", now=NOW)
    assert answer.startswith("Approved")


async def test_a_strangers_start_asks_the_admins_with_buttons(bot: Conversation) -> None:
    await say(bot, ADMIN, "/start")
    out = await say(bot, OKSANA, "/start")
    assert [r.chat_id for r in out] == [OKSANA.user_id, ADMIN.user_id]
    assert "sent to the admins" in out[0].html
    assert "Access request from Оксана @oksana" in out[1].html
    assert [b.data for b in out[1].buttons[0]] == ["approve:501", "deny:501"]
    assert [r.chat_id for r in await say(bot, OKSANA, "/start")] == [OKSANA.user_id]  # no spam


async def test_an_unapproved_users_commands_do_nothing(bot: Conversation) -> None:
    assert await say(bot, STRANGER, "/subscribe summons") == []
    await say(bot, STRANGER, "/start")
    [waiting] = await say(bot, STRANGER, "/help")  # a pending user hears why nothing happens
    assert waiting.html.startswith("⏳ Your request is waiting for an admin's approval")
    assert waiting.chat_id == STRANGER.user_id


async def test_approval_by_button_welcomes_the_user(bot: Conversation) -> None:
    await say(bot, ADMIN, "/start")
    await say(bot, OKSANA, "/start")
    answer, out = await bot.press(ADMIN, "approve:501", now=NOW)
    assert answer == "Approved Оксана."
    assert out[0].chat_id == OKSANA.user_id
    assert "/subscribe" in out[0].html
    assert "/block" not in out[0].html  # admin commands are not shown to analysts
    again, _ = await bot.press(ADMIN, "deny:501", now=NOW)
    assert again == "Already decided: approved."


async def test_only_admins_can_press_and_denied_users_get_nothing(bot: Conversation) -> None:
    await approved(bot, OKSANA)
    await say(bot, STRANGER, "/start")
    answer, out = await bot.press(OKSANA, f"approve:{STRANGER.user_id}", now=NOW)
    assert (answer, out) == ("Only admins can decide requests.", [])
    await bot.press(ADMIN, f"deny:{STRANGER.user_id}", now=NOW)
    assert await say(bot, STRANGER, "/start") == []


async def test_subscribe_to_a_category_a_rule_and_an_expression(bot: Conversation) -> None:
    await approved(bot, OKSANA)
    assert "category <code>summons</code>" in (await say(bot, OKSANA, "/subscribe summons"))[0].html
    await say(bot, OKSANA, "/subscribe ru.summons.povestka")
    out = await say(bot, OKSANA, "/subscribe облава AND Мелитополь in @melitopol_news")
    assert "Not watched yet: @melitopol_news" in out[0].html
    listing = (await say(bot, OKSANA, "/subscriptions"))[0].html
    assert "category <code>summons</code>" in listing
    assert "rule <code>ru.summons.povestka</code>" in listing
    assert "expression <code>облава AND Мелитополь</code> in @melitopol_news" in listing
    assert "Unsubscribed" in (await say(bot, OKSANA, "/unsubscribe summons"))[0].html
    assert "no subscription “summons”" in (await say(bot, OKSANA, "/unsubscribe summons"))[0].html


async def test_a_bad_expression_says_what_is_wrong_with_an_example(bot: Conversation) -> None:
    await approved(bot, OKSANA)
    [reply] = await say(bot, OKSANA, "/subscribe облава AND (")
    assert "not a valid expression" in reply.html
    assert "Example: /subscribe summons in @melitopol_news" in reply.html


async def test_admin_commands_are_refused_to_analysts(bot: Conversation) -> None:
    await approved(bot, OKSANA)
    [reply] = await say(bot, OKSANA, "/addchannel @melitopol_news")
    assert "Only admins can do that" in reply.html
    [added] = await say(bot, ADMIN, "/addchannel @melitopol_news")
    assert "Now watching Мелитополь сегодня (@melitopol_news)" in added.html
    [missing] = await say(bot, ADMIN, "/removechannel @nowhere_news")
    assert "Could not do that: no channel" in missing.html


async def test_test_explains_which_rules_match(bot: Conversation) -> None:
    await approved(bot, OKSANA)
    [reply] = await say(bot, OKSANA, "/test В Мелитополе мужчинам вручают повестки")
    assert "category <code>summons</code> «повестки»" in reply.html
    assert "for no subscription of yours" in reply.html
    [none] = await say(bot, OKSANA, "/test Погода в Херсоне")
    assert none.html.startswith("No rule matches this text, and you have no subscriptions.")
    assert "📍 Херсон · Херсонська область (occupied)" in none.html
    [nowhere] = await say(bot, OKSANA, "/test Погода на неделю")
    assert "📍" not in nowhere.html


async def test_mute_and_timezone(bot: Conversation) -> None:
    await approved(bot, OKSANA)
    [reply] = await say(bot, OKSANA, "/mute 2h")
    assert "Muted until 2024-11-25 13:00 EET" in reply.html
    assert (await bot_subscriber(bot, OKSANA)).muted_until is not None
    [tz] = await say(bot, OKSANA, "/timezone Europe/Moscow")
    assert "2024-11-25 12:00 MSK" in tz.html
    [shown] = await say(bot, OKSANA, "/timezone")
    assert shown.html.startswith("🕓 Dates are shown in Europe/Moscow: it is 2024-11-25 12:00 MSK.")
    [offset] = await say(bot, OKSANA, "/timezone +3")
    assert offset.html == "🕓 Dates are now shown in UTC+3: it is 2024-11-25 12:00 +03."
    [kyiv] = await say(bot, OKSANA, "/timezone Kyiv")
    assert kyiv.html == "🕓 Dates are now shown in Europe/Kyiv: it is 2024-11-25 11:00 EET."


async def bot_subscriber(bot: Conversation, caller: Caller):  # type: ignore[no-untyped-def]
    return await bot._s.subscribers.get_subscriber(caller.user_id)


async def test_an_invite_code_admits_once(bot: Conversation) -> None:
    await say(bot, ADMIN, "/start")
    [reply] = await say(bot, ADMIN, "/invite 1d")
    code = reply.html.split("<code>")[1].split("</code>")[0]
    out = await say(bot, OKSANA, f"/start {code}")
    assert "Invite accepted" in out[0].html
    out = await say(bot, STRANGER, f"/start {code}")
    assert "not valid" in out[0].html
    assert (await bot_subscriber(bot, STRANGER)).status is SubscriberStatus.PENDING


async def test_block_and_promote(bot: Conversation) -> None:
    await approved(bot, OKSANA)
    await approved(bot, STRANGER)
    [promoted] = await say(bot, ADMIN, "/promote @oksana")
    assert "is now an admin" in promoted.html
    [blocked] = await say(bot, OKSANA, f"/block {STRANGER.user_id}")
    assert "Blocked Stranger" in blocked.html
    assert await say(bot, STRANGER, "/subscriptions") == []
    [refused] = await say(bot, OKSANA, f"/block {ADMIN.user_id}")
    assert "cannot block" in refused.html
    [users] = await say(bot, ADMIN, "/users")
    assert "<code>666</code> Stranger: analyst, blocked" in users.html


async def test_stats_for_an_admin_show_the_service(bot: Conversation) -> None:
    await approved(bot, OKSANA)
    sub = await bot_subscriber(bot, OKSANA)
    assert sub.id is not None
    await bot._s.subscribers.save_subscription(
        sub.id, SubscriptionKind.CATEGORY, "summons", [], now=NOW
    )
    [mine] = await say(bot, OKSANA, "/stats")
    assert "subscriptions 1" in mine.html
    assert "Service" not in mine.html
    [service] = await say(bot, ADMIN, "/stats")
    assert "users: admin" not in service.html
    assert "approved 2" in service.html


HOSTILE_IDS = [
    "99999999999999999999999",
    "9223372036854775808",
    "-1009223372036854775808",
    "-100",
    "t.me/c/99999999999999999999999",
    "4503599627370496",  # 2**52: one past the largest Telegram id
    "0",
]
ADMIN_ID_COMMANDS = ["addchannel", "removechannel", "promote", "demote", "block", "invite", "users"]


@pytest.mark.parametrize("hostile", HOSTILE_IDS)
@pytest.mark.parametrize("name", ADMIN_ID_COMMANDS)
async def test_a_hostile_id_gets_a_one_line_error_with_an_example(
    bot: Conversation, name: str, hostile: str
) -> None:
    await say(bot, ADMIN, "/start")
    [reply] = await say(bot, ADMIN, f"/{name} {hostile}")
    assert reply.chat_id == ADMIN.user_id
    assert "\n" not in reply.html
    assert f"Example: /{name}" in reply.html


@pytest.mark.parametrize("text", ["/mute 99999999999999999999999d", "/mute 0m", "/mute 31d"])
async def test_a_huge_duration_is_refused_with_an_example(bot: Conversation, text: str) -> None:
    await approved(bot, OKSANA)
    [reply] = await say(bot, OKSANA, text)
    assert "between 1 minute and 30 days. Example: /mute 2h" in reply.html


async def test_an_unexpected_failure_answers_and_tells_the_admins(bot: Conversation) -> None:
    await approved(bot, OKSANA)
    await say(bot, OKSANA, "/promote_me")  # an unknown command still answers normally
    await say(bot, ADMIN, "/promote @oksana")
    out = await say(bot, OKSANA, "/addchannel @buggy_channel")
    assert [r.chat_id for r in out] == [OKSANA.user_id, ADMIN.user_id]
    assert out[0].html.startswith("⚠️ Something went wrong on our side; the admins are told.")
    assert "/addchannel from user <code>501</code> failed: RuntimeError" in out[1].html
    assert "reader exploded" not in out[0].html  # no internals to the user


async def test_admin_rights_follow_admin_ids_and_demote(bot: Conversation) -> None:
    await approved(bot, OKSANA)
    [promoted] = await say(bot, ADMIN, "/promote @oksana")
    assert "/demote 501 takes it back" in promoted.html
    [users] = await say(bot, OKSANA, "/users")
    assert "<code>900</code> Admin @boss: admin (ADMIN_IDS), approved" in users.html
    assert "<code>501</code> Оксана @oksana: admin, approved" in users.html
    [demoted] = await say(bot, ADMIN, "/demote @oksana")
    assert demoted.html == "Оксана is no longer an admin."
    [refused] = await say(bot, OKSANA, "/users")
    assert "Only admins can do that" in refused.html
    [self_demote] = await say(bot, ADMIN, "/demote 900")
    assert "through ADMIN_IDS" in self_demote.html


async def test_a_blocked_user_cannot_be_promoted_or_approved(bot: Conversation) -> None:
    await say(bot, ADMIN, "/start")
    await say(bot, STRANGER, "/start")
    await say(bot, ADMIN, f"/block {STRANGER.user_id}")
    [refused] = await say(bot, ADMIN, f"/promote {STRANGER.user_id}")
    assert "is blocked: a blocked user cannot be promoted" in refused.html
    answer, out = await bot.press(ADMIN, f"approve:{STRANGER.user_id}", now=NOW)
    assert (answer, out) == ("Already decided: blocked.", [])
    assert await say(bot, STRANGER, "/start") == []
    [invite] = await say(bot, ADMIN, "/invite 1d")
    code = invite.html.split("<code>")[1].split("</code>")[0]
    assert await say(bot, STRANGER, f"/start {code}") == []  # an invite does not unblock
    assert (await bot_subscriber(bot, STRANGER)).status is SubscriberStatus.BLOCKED
    assert "Invite accepted" in (await say(bot, OKSANA, f"/start {code}"))[0].html  # not used up


@pytest.mark.parametrize("hostile", HOSTILE_IDS)
@pytest.mark.parametrize("command", ["/unsubscribe", "/subscribe summons in", "/timezone"])
async def test_an_analysts_command_answers_a_hostile_id(
    bot: Conversation, command: str, hostile: str
) -> None:
    await approved(bot, OKSANA)
    out = await say(bot, OKSANA, f"{command} {hostile}")
    assert out, "no answer at all"
    assert "went wrong" not in out[0].html


class BrokenArchive:
    """Our own ArchiveReader interface, failing the way a bug would."""

    async def search(self, chat_id: int, text: str, **_: object) -> list[Reply]:
        raise RuntimeError("search exploded")

    async def page(self, chat_id: int, data: str, *, timezone: str) -> list[Reply]:
        raise RuntimeError("page exploded")

    async def digest(self, chat_id: int, **_: object) -> list[Reply]:
        raise RuntimeError("digest exploded")


async def test_a_button_that_fails_unexpectedly_still_answers(
    database: Database, matcher: Matcher
) -> None:
    stores = Stores(SubscriberRepo(database), DeliveryRepo(database), ChannelRepo(database))
    bot = Conversation(stores, matcher, admin_ids=[ADMIN.user_id], archive=BrokenArchive())  # type: ignore[arg-type]
    await approved(bot, OKSANA)
    answer, out = await bot.press(OKSANA, "search:1:0123456789ab", now=NOW)
    assert answer.startswith("⚠️ Something went wrong on our side; the admins are told.")
    assert [r.chat_id for r in out] == [ADMIN.user_id]
    assert "button search:1:0123456789ab from user <code>501</code> failed" in out[0].html
    reply, notice = await say(bot, OKSANA, "/search повестки")
    assert reply.html.startswith("⚠️ Something went wrong")
    assert "/search from user <code>501</code> failed: RuntimeError" in notice.html


async def test_quiet_hours_are_set_shown_and_ended(bot: Conversation) -> None:
    await approved(bot, OKSANA)
    [none] = await say(bot, OKSANA, "/quiet")
    assert none.html == "No quiet hours. Example: /quiet 23:00-07:00"
    [set_] = await say(bot, OKSANA, "/quiet 23:00-07:00")
    assert set_.html == (
        "🌙 Quiet hours 23:00–07:00 (Europe/Kyiv): alerts wait and come at 07:00. "
        "/quiet off ends them."
    )
    [shown] = await say(bot, OKSANA, "/quiet")
    assert shown.html.startswith("🌙 Quiet hours 23:00–07:00 (Europe/Kyiv)")
    [bad] = await say(bot, OKSANA, "/quiet late")
    assert bad.html.startswith("“late” is not a window like 23:00-07:00")
    [off] = await say(bot, OKSANA, "/quiet off")
    assert off.html == "🔔 No quiet hours: alerts come at any time."


async def test_a_start_note_goes_to_the_admins_and_pending_requests_have_buttons(
    bot: Conversation,
) -> None:
    await say(bot, ADMIN, "/start")
    out = await say(bot, STRANGER, "/start Taras, researcher at ZMINA")
    assert out[0].html == (
        "Your request was sent to the admins; you will get a message when it is approved. "
        "Your note was passed on."
    )
    assert "invite" not in out[0].html
    assert out[1].chat_id == ADMIN.user_id
    assert out[1].html.endswith("\nNote: «Taras, researcher at ZMINA»")
    [header, request] = await say(bot, ADMIN, "/users pending")
    assert header.html == "<b>1 pending requests</b>"
    assert request.html == "<code>666</code> Stranger"
    assert [b.data for b in request.buttons[0]] == ["approve:666", "deny:666"]
    answer, _ = await bot.press(ADMIN, request.buttons[0][0].data, now=NOW)
    assert answer == "Approved Stranger."
