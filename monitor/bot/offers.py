"""Questions the bot asks with buttons ("add the channel or keep both?", "stop all?"): each open
offer is a few choices, kept in memory for the analyst who got it (pure, no I/O of its own)."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence

from monitor.bot.replies import Button
from monitor.errors import CommandError

Choice = Callable[[], Awaitable[str]]  # does what was chosen; the message's new HTML text
OPEN_OFFERS = 2000  # the oldest are forgotten past this (a press then says: send it again)
PREFIX = "offer:"


class Offers:
    """Open offers by token; a choice can be made once, by the analyst the offer was made to."""

    def __init__(self, limit: int = OPEN_OFFERS) -> None:
        self._limit = limit
        self._open: OrderedDict[str, tuple[int, list[Choice]]] = OrderedDict()

    def make(
        self, owner: int, choices: Sequence[tuple[str, Choice]]
    ) -> tuple[tuple[Button, ...], ...]:
        """Remember the choices; the buttons (one row each) that make them."""
        token = secrets.token_hex(6)
        self._open[token] = (owner, [choice for _, choice in choices])
        while len(self._open) > self._limit:
            self._open.popitem(last=False)
        return tuple(
            (Button(label, f"{PREFIX}{token}:{n}"),) for n, (label, _) in enumerate(choices)
        )

    async def choose(self, presser: int, data: str) -> str:
        """Run the chosen choice once; CommandError when the offer is gone or not the presser's."""
        token, _, raw = data.removeprefix(PREFIX).partition(":")
        owner, choices = self._open.get(token, (None, []))
        if owner is None or not raw.isdigit() or int(raw) >= len(choices):
            raise CommandError("That question has expired: send the command again.")
        if owner != presser:
            raise CommandError("That question was asked to someone else.")
        del self._open[token]
        return await choices[int(raw)]()
