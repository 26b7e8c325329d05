"""What the buttons under an alert do: 👍 / 👎 stored per alert, rule and channel; mute the
alert's channel (with an undo); unsubscribe from the subscriptions that sent it (does I/O
through the repositories)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from monitor.alerts.buttons import MUTE_CHANNEL, RELEVANT, UNSUBSCRIBE, read_button
from monitor.alerts.planning import expression_rule_id
from monitor.bot.offers import Offers
from monitor.bot.render import describe
from monitor.bot.replies import Reply
from monitor.domain import Subscriber, Subscription, SubscriptionKind
from monitor.errors import CommandError, NotFoundError
from monitor.markup import escape
from monitor.store.feedback import AlertFacts, FeedbackRepo
from monitor.store.subscribers import SubscriberRepo


def is_alert_button(data: str) -> bool:
    return read_button(data) is not None


def sent_it(sub: Subscription, alert: AlertFacts, categories: Mapping[str, str]) -> bool:
    """Whether `sub` is one of the subscriptions behind the alert (`categories`: rule -> category)."""
    if sub.kind is SubscriptionKind.EXPRESSION:
        return expression_rule_id(sub.value) in alert.rule_ids
    if sub.kind is SubscriptionKind.RULE:
        return sub.value in alert.rule_ids
    return any(categories.get(r) == sub.value for r in alert.rule_ids)


async def press(
    me: Subscriber,
    data: str,
    *,
    feedback: FeedbackRepo,
    subscribers: SubscriberRepo,
    offers: Offers,
    categories: Mapping[str, str],
    now: datetime,
) -> tuple[str, list[Reply]]:
    """(the short answer shown to the presser, replies to send)."""
    button = read_button(data)
    assert button is not None
    assert me.id is not None
    action, alert_id = button
    try:
        alert = await feedback.get_alert(alert_id)
    except NotFoundError:
        return "That alert is gone.", []
    if alert.subscriber_id != me.id:
        return "That alert is not yours.", []
    if action == MUTE_CHANNEL:
        return await _mute(me, alert, feedback, offers, now)
    if action == UNSUBSCRIBE:
        return "", await _unsubscribe(me, alert, subscribers, offers, categories)
    relevant = action == RELEVANT
    await feedback.save_feedback(alert, relevant=relevant, now=now)
    if relevant:
        return "👍 Thanks: marked relevant.", []
    return "👎 Thanks: marked not relevant; whoever tunes the rules will read it.", []


async def _mute(
    me: Subscriber, alert: AlertFacts, feedback: FeedbackRepo, offers: Offers, now: datetime
) -> tuple[str, list[Reply]]:
    label = alert.channel.label
    if not await feedback.mute_channel(alert.subscriber_id, alert.channel_id, now=now):
        return f"{label} is muted already.", []

    async def undo() -> str:
        await feedback.unmute_channel(alert.subscriber_id, alert.channel_id)
        return f"🔔 {escape(label)} is unmuted: its alerts come again."

    buttons = offers.make(me.telegram_user_id, [("↩ Undo", undo)])
    html = f"🔇 Muted {escape(label)}: no more alerts from it for you."
    return f"Muted {label}.", [Reply(me.telegram_user_id, html, buttons)]


async def _unsubscribe(
    me: Subscriber,
    alert: AlertFacts,
    subscribers: SubscriberRepo,
    offers: Offers,
    categories: Mapping[str, str],
) -> list[Reply]:
    assert me.id is not None
    sid = me.id
    mine = [s for s in await subscribers.list_subscriptions(sid) if sent_it(s, alert, categories)]
    if not mine:
        return [Reply(me.telegram_user_id, "None of your subscriptions sends these any more.")]

    def stop(sub: Subscription) -> tuple[str, object]:
        async def run() -> str:
            try:
                gone = await subscribers.delete_subscription(sid, str(sub.number))
            except NotFoundError:
                raise CommandError(f"#{sub.number} is gone already.") from None
            return f"Unsubscribed: {describe(gone)}"

        return (f"✖ Stop #{sub.number} {sub.kind.value} {sub.value}"[:60], run)

    async def keep() -> str:
        return "Nothing changed."

    choices = [stop(s) for s in mine] + [("Keep them", keep)]
    listing = "\n".join(describe(s) for s in mine)
    html = f"This alert came from:\n{listing}\nStop which?"
    return [Reply(me.telegram_user_id, html, offers.make(me.telegram_user_id, choices))]  # type: ignore[arg-type]
