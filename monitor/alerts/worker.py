"""Outbox delivery: plans due alerts into messages, sends them through one rate-limited gate,
retries with backoff, honours flood waits, deactivates users who blocked the bot (does I/O
through a Sender and the delivery repository)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Protocol

from monitor.alerts.buttons import ButtonRows, alert_buttons
from monitor.alerts.planning import (
    EXPRESSION_RULE_PREFIX,
    AlertItem,
    BurstPolicy,
    Delivery,
    ExpressionHits,
)
from monitor.alerts.render import render_alert, render_batch
from monitor.clock import Clock
from monitor.errors import (
    AlreadyDeliveredError,
    DeliveryFailedError,
    RateLimitedError,
    RecipientGoneError,
)
from monitor.ratelimit import SendLimiter
from monitor.store.deliveries import DeliveryRepo

logger = logging.getLogger(__name__)

FloodWaitListener = Callable[[int, str], Awaitable[object]]
PhotoFiles = Callable[[str], bytes | None]  # SHA-256 -> the archived photo, None when missing


class Sender(Protocol):
    """The Telegram edge the worker sends through (monitor.telegram.sender implements it).

    `send` returns the sent message's id, or raises AlreadyDeliveredError (the random_id was
    used: delivered before), RecipientGoneError, RateLimitedError or DeliveryFailedError.
    """

    async def send(
        self, chat_id: int, html: str, *, random_id: int, buttons: ButtonRows = ()
    ) -> int: ...

    async def send_photo_alert(
        self, chat_id: int, photo: bytes, html: str, *, random_id: int, buttons: ButtonRows = ()
    ) -> int: ...

    async def edit(
        self, chat_id: int, message_id: int, html: str, buttons: ButtonRows = ()
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    """Limits and patience of the delivery worker."""

    overall_per_s: float = 28.0  # Telegram: about 30 messages a second for a bot
    per_chat_per_s: float = 1.0  # Telegram: about one a second into one chat
    burst: BurstPolicy = field(default_factory=BurstPolicy)
    max_attempts: int = 8
    backoff_base_s: float = 2.0
    backoff_max_s: float = 900.0
    idle_s: float = 0.5  # how often to look for due alerts when nobody wakes the worker
    concurrency: int = 16  # chats served at once (each chat strictly in order)
    max_messages_per_cycle: int = 60
    offline_retry_s: float = 5.0  # no connection: pause everything this long, then try again

    def backoff(self, attempts: int) -> float:
        """Seconds before attempt `attempts + 1`: exponential, capped."""
        return float(min(self.backoff_max_s, self.backoff_base_s * 2 ** max(0, attempts - 1)))


@dataclass(slots=True)
class DeliveryStats:
    sent: int = 0
    duplicates: int = 0
    edited: int = 0
    retried: int = 0
    failed: int = 0
    flood_waits: int = 0
    offline: int = 0
    deactivated: int = 0


class DeliveryWorker:
    """Drains the outbox: at least once by retrying, at most once by random_id (see docs/bot.md)."""

    def __init__(
        self,
        repo: DeliveryRepo,
        sender: Sender,
        clock: Clock,
        config: DeliveryConfig | None = None,
        *,
        limiter: SendLimiter | None = None,
        expression_hits: ExpressionHits | None = None,
        on_flood_wait: FloodWaitListener | None = None,
        photos: PhotoFiles | None = None,
    ) -> None:
        self.config = config or DeliveryConfig()
        self._photos = photos
        self._repo = repo
        self._sender = sender
        self._clock = clock
        self.limiter = limiter or SendLimiter(
            clock,
            overall_per_s=self.config.overall_per_s,
            per_chat_per_s=self.config.per_chat_per_s,
        )
        self._expression_hits = expression_hits
        self._on_flood_wait = on_flood_wait
        self._wake = asyncio.Event()
        self.stats = DeliveryStats()

    async def run(self) -> None:
        """Deliver until cancelled."""
        while True:
            self._wake.clear()  # a wake during the cycle below makes the next one start at once
            handled = await self.run_once()
            paused = self.limiter.paused_for
            if paused > 0:
                await self._clock.sleep(paused)
            elif handled == 0:
                await self._idle()

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.config.idle_s)

    async def run_once(self) -> int:
        """One cycle: plan due messages, send them, edit stale ones; how many were handled."""
        if self.limiter.paused_for > 0:
            return 0
        deliveries = await self._repo.plan_deliveries(
            now=self._clock.now(),
            policy=self.config.burst,
            max_messages=self.config.max_messages_per_cycle,
        )
        stale = await self._repo.list_stale()
        await self._per_chat([*deliveries, *stale])
        return len(deliveries) + len(stale)

    async def _per_chat(self, deliveries: Sequence[Delivery]) -> None:
        chats: dict[int, list[Delivery]] = defaultdict(list)
        for delivery in deliveries:
            chats[delivery.chat_id].append(delivery)
        gate = asyncio.Semaphore(self.config.concurrency)

        async def serve(queue: list[Delivery]) -> None:
            async with gate:
                for delivery in queue:
                    if self.limiter.paused_for > 0:
                        return  # stays pending, same random_id; sent after the pause
                    await self._deliver(delivery)

        await asyncio.gather(*(serve(q) for q in chats.values()))

    async def _deliver(self, delivery: Delivery) -> None:
        """Send (or edit) one message; every outcome is recorded, nothing escapes but cancel."""
        try:
            html = self.render(delivery)
            await self.limiter.acquire(delivery.chat_id)
            if delivery.message_id is not None:
                await self._edit(delivery, html)
            else:
                await self._send(delivery, html)
        except RateLimitedError as e:
            await self._flood_wait(delivery, e)
        except RecipientGoneError as e:
            assert delivery.subscriber.id is not None
            dropped = await self._repo.deactivate_subscriber(delivery.subscriber.id)
            self.stats.deactivated += 1
            logger.warning(
                "subscriber gone chat=%d reason=%s dropped=%d", e.chat_id, e.reason, dropped
            )
        except DeliveryFailedError as e:
            if e.offline:
                await self._offline(delivery, e.reason)
            else:
                await self._failed(delivery, e.reason)
        except Exception as e:  # one bad message must not stop the others (house rule 8)
            logger.exception(
                "delivery crashed chat=%d random_id=%d", delivery.chat_id, delivery.random_id
            )
            await self._failed(delivery, f"{type(e).__name__}: {e}")

    def _photo(self, delivery: Delivery) -> bytes | None:
        """The photo an alert read in by OCR carries (one alert, not a batch)."""
        item = delivery.items[0]
        if delivery.is_batch or item.photo is None or self._photos is None:
            return None
        return self._photos(item.photo)

    async def _send(self, delivery: Delivery, html: str) -> None:
        photo = self._photo(delivery)
        try:
            buttons = _buttons(delivery)
            if photo is not None:
                message_id: int | None = await self._sender.send_photo_alert(
                    delivery.chat_id, photo, html, random_id=delivery.random_id, buttons=buttons
                )
            else:
                message_id = await self._sender.send(
                    delivery.chat_id, html, random_id=delivery.random_id, buttons=buttons
                )
        except AlreadyDeliveredError:
            message_id = None
            self.stats.duplicates += 1
            logger.info(
                "already delivered chat=%d random_id=%d", delivery.chat_id, delivery.random_id
            )
        else:
            self.stats.sent += 1
        await self._repo.mark_sent(delivery.random_id, message_id, now=self._clock.now())

    async def _edit(self, delivery: Delivery, html: str) -> None:
        if delivery.message_id is not None:
            await self._sender.edit(delivery.chat_id, delivery.message_id, html, _buttons(delivery))
            self.stats.edited += 1
        await self._repo.mark_edited(delivery.random_id)

    async def _flood_wait(self, delivery: Delivery, error: RateLimitedError) -> None:
        self.limiter.pause(error.retry_after)
        self.stats.flood_waits += 1
        until = self._clock.now() + timedelta(seconds=error.retry_after)
        if delivery.message_id is None:
            await self._repo.defer(delivery.random_id, until, str(error))
        logger.warning(
            "flood wait %d s while sending to chat=%d", error.retry_after, delivery.chat_id
        )
        if self._on_flood_wait is not None:
            await self._on_flood_wait(error.retry_after, "sending alerts")

    async def _offline(self, delivery: Delivery, reason: str) -> None:
        """No connection: everything waits a little; not an attempt, so nothing is given up."""
        self.limiter.pause(self.config.offline_retry_s)
        self.stats.offline += 1
        if delivery.message_id is None:
            until = self._clock.now() + timedelta(seconds=self.config.offline_retry_s)
            await self._repo.defer(delivery.random_id, until, reason)
        logger.warning("offline while sending to chat=%d: %s", delivery.chat_id, reason)

    async def _failed(self, delivery: Delivery, reason: str) -> None:
        if delivery.message_id is not None:  # an edit: not worth retrying forever
            await self._repo.mark_edited(delivery.random_id)
            return
        attempts = delivery.attempts + 1
        give_up = attempts >= self.config.max_attempts
        retry_at = (
            None
            if give_up
            else self._clock.now() + timedelta(seconds=self.config.backoff(attempts))
        )
        await self._repo.record_failure(delivery, reason, retry_at=retry_at)
        if give_up:
            self.stats.failed += 1
        else:
            self.stats.retried += 1
        logger.warning(
            "delivery failed chat=%d attempt=%d give_up=%s reason=%s",
            delivery.chat_id,
            attempts,
            give_up,
            reason,
        )

    def render(self, delivery: Delivery) -> str:
        """The message text, keyword-expression matches highlighted when they can be."""
        items = [self._highlight(i) for i in delivery.items]
        timezone = delivery.subscriber.timezone
        return (
            render_batch(items, timezone) if delivery.is_batch else render_alert(items[0], timezone)
        )

    def _highlight(self, item: AlertItem) -> AlertItem:
        if self._expression_hits is None:
            return item
        hits = []
        for hit in item.hits:
            if hit.rule_id.startswith(EXPRESSION_RULE_PREFIX) and not hit.spans:
                found = self._expression_hits(
                    hit.rule_id.removeprefix(EXPRESSION_RULE_PREFIX), item.post.text
                )
                spans = tuple(s for h in found for s in h.spans)
                hit = replace(hit, spans=spans)
            hits.append(hit)
        return replace(item, hits=tuple(hits))


def _buttons(delivery: Delivery) -> ButtonRows:
    """A single alert's buttons (feedback, mute, unsubscribe); a batch has none."""
    return () if delivery.is_batch else alert_buttons(delivery.alert_ids[0])
