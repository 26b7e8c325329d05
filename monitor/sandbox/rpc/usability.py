"""Which methods a bot may call: Telegram's "user only" list, checked before any handler (no I/O).

The names come from Telethon's telethon_generator/data/methods.csv (the `usability` column,
"user" = BOT_METHOD_INVALID for bots), restricted to what a bot could reach in the sandbox.
"""

from __future__ import annotations

from monitor.sandbox.rpc.call import RpcError

USER_ONLY = frozenset(
    {
        "account.getPassword",
        "channels.joinChannel",
        "channels.readHistory",
        "contacts.getContacts",
        "messages.getBotCallbackAnswer",
        "messages.getDialogs",
        "messages.getHistory",
        "messages.readHistory",
        "messages.search",
        "messages.searchGlobal",
    }
)
BOT_ONLY = frozenset(
    {"bots.setBotCommands", "messages.setBotCallbackAnswer", "bots.answerWebhookJSONQuery"}
)


def check_usability(method: str, *, is_bot: bool | None) -> None:
    """Raise what Telegram answers when a bot calls a user-only method (or the reverse).

    `is_bot` is None before login: nothing to check yet.
    """
    if is_bot is True and method in USER_ONLY:
        raise RpcError(400, "BOT_METHOD_INVALID")
    if is_bot is False and method in BOT_ONLY:
        raise RpcError(400, "USER_BOT_REQUIRED")
