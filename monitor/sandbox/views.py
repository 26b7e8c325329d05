"""Plain views of world messages for tests: text, buttons, media, without Telethon types (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telethon.tl import types


@dataclass(frozen=True, slots=True)
class Button:
    """One inline button: callback `data`, or a `url`."""

    text: str
    data: bytes | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A private message as its sender stored it (current version; `deleted` if gone)."""

    sender_id: int
    chat_id: int
    id: int
    text: str
    date: datetime
    buttons: tuple[tuple[Button, ...], ...]
    media: str | None  # "photo", "document" or None
    media_bytes: bytes | None
    entities: tuple[Any, ...]
    edited: bool
    deleted: bool

    @property
    def button_texts(self) -> list[str]:
        return [b.text for row in self.buttons for b in row]


def buttons_of(markup: Any) -> tuple[tuple[Button, ...], ...]:
    if not isinstance(markup, types.ReplyInlineMarkup):
        return ()
    return tuple(tuple(_button(b) for b in row.buttons) for row in markup.rows)


def _button(button: Any) -> Button:
    # Layer 229 nests the action: KeyboardInlineButton(text, type=InlineButtonTypeCallback(data)).
    action = getattr(button, "type", button)
    return Button(button.text, getattr(action, "data", None), getattr(action, "url", None))


def media_of(message: Any, files: dict[int, bytes]) -> tuple[str | None, bytes | None]:
    if isinstance(message.media, types.MessageMediaPhoto) and message.media.photo is not None:
        return "photo", files.get(message.media.photo.id)
    if isinstance(message.media, types.MessageMediaDocument) and message.media.document is not None:
        return "document", files.get(message.media.document.id)
    return None, None


def sent_message(
    sender_id: int, message: Any, files: dict[int, bytes], *, deleted: bool
) -> SentMessage:
    kind, content = media_of(message, files)
    return SentMessage(
        sender_id=sender_id,
        chat_id=message.peer_id.user_id,
        id=message.id,
        text=message.message or "",
        date=message.date,
        buttons=buttons_of(message.reply_markup),
        media=kind,
        media_bytes=content,
        entities=tuple(message.entities or ()),
        edited=message.edit_date is not None,
        deleted=deleted,
    )
