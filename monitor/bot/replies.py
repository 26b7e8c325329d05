"""What the bot sends: a message with optional inline buttons or a photo, or the new text of the
message whose button was pressed (pure values; the Telegram edge sends them)."""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor.markup import split_message


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    data: str  # callback data: 64 bytes at most


@dataclass(frozen=True, slots=True)
class Reply:
    """A message for the Telegram edge to send: HTML text, optional inline buttons.

    `edit`: after a button press, replace the pressed message (its text and buttons) instead of
    sending a new one.
    """

    chat_id: int
    html: str
    buttons: tuple[tuple[Button, ...], ...] = field(default=())
    photo: bytes | None = None  # sent as a photo with `html` as its caption
    edit: bool = False
    document: tuple[str, bytes] | None = None  # (file name, bytes), `html` its caption


def replies(chat_id: int, html: str) -> list[Reply]:
    return [Reply(chat_id, part) for part in split_message(html)]
