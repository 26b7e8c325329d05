"""The analyst's subscriptions in the bot: /subscribe (never replacing without asking), /list,
/unsubscribe, /unsubscribe_all (asks first), and /test in words: which of *your* subscriptions
would fire on a text, and why (does I/O through the repositories)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from monitor.alerts.planning import make_expression_hits, normalize_channel_ref
from monitor.bot.handlers import Answer, Context
from monitor.bot.offers import Offers
from monitor.bot.render import describe
from monitor.bot.replies import Reply, replies
from monitor.bot.wording import Target
from monitor.domain import Hit, Subscription, SubscriptionKind
from monitor.errors import CommandError, NotFoundError
from monitor.markup import escape, truncate
from monitor.places.render import places_html

if TYPE_CHECKING:
    from monitor.bot import command_values as c

_EXPRESSION_HITS = make_expression_hits()
QUOTED_WORDS = 4


def _offers(ctx: Context) -> Offers:
    if ctx.offers is None:
        raise CommandError("Questions with buttons are not available in this process.")
    return ctx.offers


def _keys(channels: Sequence[str]) -> frozenset[str]:
    return frozenset(normalize_channel_ref(ref) for ref in channels)


def _channel_list(channels: Sequence[str]) -> str:
    return escape(", ".join(channels))


async def subscribe(ctx: Context, cmd: c.Subscribe) -> Answer:
    """Each target: a new subscription, "already subscribed", or, when the same thing is
    subscribed with other channels, a question with buttons; nothing is replaced silently."""
    me = ctx.me
    assert me.id is not None
    existing = await ctx.stores.subscribers.list_subscriptions(me.id)
    lines: list[str] = []
    questions: list[Reply] = []
    for target in cmd.targets:
        same = [s for s in existing if s.kind is target.kind and s.value == target.value]
        exact = [s for s in same if _keys(s.channels) == _keys(cmd.channels)]
        if exact:
            lines.append(f"☑️ Already subscribed: {describe(exact[0])}")
        elif same:
            questions.append(_ask(ctx, same[0], target, cmd.channels))
        else:
            sub = await ctx.stores.subscribers.add_subscription(
                me.id, target.kind, target.value, cmd.channels, now=ctx.now
            )
            existing.append(sub)
            lines.append(f"✅ Subscribed: {describe(sub)}")
            if ctx.archive is not None:
                lines.append(await ctx.archive.preview(sub, now=ctx.now, timezone=me.timezone))
    unknown = await _not_watched(ctx, cmd.channels)
    if unknown:
        lines.append(f"⚠️ Not watched yet: {escape(', '.join(unknown))} (an admin can /addchannel)")
    out = replies(me.telegram_user_id, "\n".join(lines)) if lines else []
    return out + questions


async def _not_watched(ctx: Context, refs: Sequence[str]) -> list[str]:
    watched = set()
    for channel in await ctx.stores.channels.list_channels(enabled_only=True):
        watched.add(str(channel.telegram_id))
        if channel.username:
            watched.add(channel.username.lower())
    return [ref for ref in refs if normalize_channel_ref(ref) not in watched]


def _ask(ctx: Context, old: Subscription, target: Target, channels: tuple[str, ...]) -> Reply:
    """The question when `target` is already subscribed with other channels."""
    me, subs = ctx.me, ctx.stores.subscribers
    assert me.id is not None
    assert old.number is not None
    sid, number = me.id, old.number

    async def set_to(chosen: tuple[str, ...]) -> str:
        try:
            sub = await subs.set_channels(sid, number, chosen)
        except NotFoundError:
            return f"#{number} is gone meanwhile: nothing changed. /list shows yours."
        return f"✅ Changed: {describe(sub)}"

    async def keep_both() -> str:
        sub = await subs.add_subscription(sid, target.kind, target.value, channels, now=ctx.now)
        return f"✅ Kept #{number} and subscribed: {describe(sub)}"

    async def leave() -> str:
        return f"Nothing changed: {describe(old)}"

    new = tuple(ch for ch in channels if normalize_channel_ref(ch) not in _keys(old.channels))
    choices = []
    if old.channels and channels:
        question = f"Add {_channel_list(new)} to #{number}, or keep both subscriptions?"
        choices = [
            (f"➕ Add {', '.join(new)} to #{number}", lambda: set_to(old.channels + new)),
            ("📌 Keep both", keep_both),
        ]
    elif old.channels:
        question = f"Widen #{number} to every channel?"
        choices = [(f"🌐 #{number} in every channel", lambda: set_to(()))]
    else:
        question = f"#{number} already covers every channel. Limit it to {_channel_list(channels)}?"
        choices = [(f"📍 #{number} only in {', '.join(channels)}", lambda: set_to(channels))]
    choices.append(("✖ Leave it as it is", leave))
    html = f"⚠️ You already have {describe(old)}. Nothing changed yet. {question}"
    return Reply(me.telegram_user_id, html, _offers(ctx).make(me.telegram_user_id, choices))


async def unsubscribe(ctx: Context, cmd: c.Unsubscribe) -> str:
    me = ctx.me
    assert me.id is not None
    try:
        gone = await ctx.stores.subscribers.delete_subscription(me.id, cmd.key)
    except NotFoundError:
        raise CommandError(
            f"You have no subscription “{cmd.key}”. /list shows yours. {ctx.usage('unsubscribe')}"
        ) from None
    return f"Unsubscribed: {describe(gone)}"


async def unsubscribe_all(ctx: Context, _cmd: object) -> Answer:
    me = ctx.me
    sid = me.id
    assert sid is not None
    subs = await ctx.stores.subscribers.list_subscriptions(sid)
    if not subs:
        return "You have no subscriptions."

    async def stop_all() -> str:
        n = await ctx.stores.subscribers.delete_all_subscriptions(sid)
        return f"🗑 Stopped all {n} subscriptions. /subscribe starts again."

    async def cancel() -> str:
        return f"Nothing changed: you keep {len(subs)} subscriptions (/list)."

    buttons = _offers(ctx).make(
        me.telegram_user_id,
        [(f"🗑 Yes, stop all {len(subs)}", stop_all), ("✖ Cancel", cancel)],
    )
    listing = "\n".join(describe(s) for s in subs)
    html = f"Stop all {len(subs)} subscriptions?\n{listing}"
    return [Reply(me.telegram_user_id, html, buttons)]


async def subscriptions(ctx: Context, _cmd: object) -> str:
    me = ctx.me
    assert me.id is not None
    subs = await ctx.stores.subscribers.list_subscriptions(me.id)
    if not subs:
        return f"No subscriptions yet. {escape(ctx.usage('subscribe'))}"
    return "<b>Your subscriptions</b>\n" + "\n".join(describe(x) for x in subs)


def fired_by(sub: Subscription, hits: Sequence[Hit], text: str) -> list[Hit]:
    """The hits for which `sub` would alert on `text` (its channels aside)."""
    if sub.kind is SubscriptionKind.EXPRESSION:
        return list(_EXPRESSION_HITS(sub.value, text))
    if sub.kind is SubscriptionKind.CATEGORY:
        return [h for h in hits if h.category == sub.value]
    return [h for h in hits if h.rule_id == sub.value]


def _words(hits: Sequence[Hit]) -> str:
    surfaces = list(dict.fromkeys(s.surface for h in hits for s in h.spans))
    more = " …" if len(surfaces) > QUOTED_WORDS else ""
    return ", ".join(f"«{escape(w)}»" for w in surfaces[:QUOTED_WORDS]) + more


async def check_text(ctx: Context, cmd: c.CheckText) -> str:
    """Which of the caller's subscriptions would fire on the text and why, in words; then what
    else matches that none of them covers."""
    me = ctx.me
    assert me.id is not None
    hits = ctx.matcher.find_hits(cmd.text)
    subs = await ctx.stores.subscribers.list_subscriptions(me.id)
    described = {r.id: r.description for r in ctx.matcher.rules}
    lines = ["<b>Your subscriptions on this text</b>"] if subs else []
    covered: set[str] = set()
    for sub in subs:
        fired = fired_by(sub, hits, cmd.text)
        covered.update(h.rule_id for h in fired)
        if not fired:
            lines.append(f"· {describe(sub)}: would not fire ({_why_not(sub)})")
            continue
        reasons = "; ".join(
            dict.fromkeys(escape(truncate(described.get(h.rule_id, ""), 90)) for h in fired)
        ).strip("; ")
        where = f", for posts in {_channel_list(sub.channels)} only" if sub.channels else ""
        because = f" ({reasons})" if reasons else ""
        lines.append(f"🔔 {describe(sub)}: would fire{where}: {_words(fired)}{because}")
    others = [h for h in hits if h.rule_id not in covered]
    if others:
        by_category: dict[str, list[Hit]] = {}
        for hit in others:
            by_category.setdefault(hit.category, []).append(hit)
        lines.append(
            "Also matches, for no subscription of yours: "
            + "; ".join(
                f"category <code>{escape(cat)}</code> {_words(hs)}"
                for cat, hs in by_category.items()
            )
            + " (/subscribe to get these)"
        )
    named = places_html(cmd.text)  # the places the text names, as an alert shows them
    if not subs and not hits:
        nothing = (
            f"No rule matches this text, and you have no subscriptions. {ctx.usage('subscribe')}"
        )
        return nothing + (f"\n{named}" if named else "")
    if not hits and not any(s.kind is SubscriptionKind.EXPRESSION for s in subs):
        lines.append("No rule matches this text.")
    if named:
        lines.append(named)
    return "\n".join(lines)


def _why_not(sub: Subscription) -> str:
    if sub.kind is SubscriptionKind.EXPRESSION:
        return "the words of the expression are not in the text"
    if sub.kind is SubscriptionKind.CATEGORY:
        return f"no rule of the category {escape(sub.value)} matches"
    return "this rule does not match"
