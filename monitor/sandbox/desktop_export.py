"""Synthetic Telegram Desktop channel exports (result.json) of any size, for tests and benchmarks (writes a file)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

# Everyday channel news in Russian and Ukrainian; one post in six is a draft notice.
TEXTS = (
    "Внимание! В Мелитополе на рынке раздают повестки мужчинам от 18 до 60 лет.",
    "Утром в городе отключили свет, обещают включить к вечеру.",
    "Курс рубля на сегодня и цены на продукты в магазинах города.",
    "Завтра ожидается дождь, температура до +12, ветер северный.",
    "На трасі біля Токмака ремонтують міст, рух обмежено до п'ятниці.",
    "Пишите нам в бот: фото, видео и новости вашего района.",
    "У Мелітополі окупанти роздають повістки біля ринку, будьте обережні.",
    "В школах города начались каникулы, кружки работают по расписанию.",
    "Вечером на набережной пройдёт концерт, вход свободный.",
    "Графік руху автобусів до Бердянська змінено з понеділка.",
    "В аптеках снова появился инсулин, но очереди остаются.",
    "Водоканал попереджає: завтра вода буде лише вранці.",
)
SERVICE_EVERY = 25  # message #0, #25, #50 ... is a service message ("pin_message")
PHOTO_EVERY = 7
EDITED_EVERY = 11
BOLD_EVERY = 5
START = datetime(2023, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class WrittenExport:
    """What was written: how many messages became posts and how many are service messages."""

    path: Path
    posts: int
    skipped: int


def write_export(
    path: Path,
    *,
    messages: int,
    channel_id: int = 1623456789,
    title: str = "Мелитополь сейчас",
    texts: Sequence[str] = TEXTS,
    header_last: bool = False,
    changes: Mapping[int, Mapping[str, Any]] | None = None,
) -> WrittenExport:
    """Write an export of `messages` messages one at a time, laid out as Telegram Desktop does.

    Message #i has id i + 1 and text `texts[i % len(texts)]`; every SERVICE_EVERY-th is a
    service message. `header_last` puts name, type and id after `messages`; `changes` updates
    message #i with extra or broken fields (tests of malformed files).
    """
    header = {"name": title, "type": "public_channel", "id": channel_id}
    with path.open("w", encoding="utf-8") as out:
        out.write("{\n")
        if not header_last:
            out.write(_members(header) + ",\n")
        out.write(' "messages": [')
        for index in range(messages):
            message = _message(index, channel_id, title, texts)
            message.update((changes or {}).get(index, {}))
            _write_message(out, message, first=index == 0)
        out.write("\n ]" + (",\n" + _members(header) if header_last else "") + "\n}\n")
    skipped = len(range(0, messages, SERVICE_EVERY))
    return WrittenExport(path, messages - skipped, skipped)


def _members(values: Mapping[str, Any]) -> str:
    return ",\n".join(
        f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in values.items()
    )


def _write_message(out: TextIO, message: Mapping[str, Any], *, first: bool) -> None:
    body = json.dumps(message, ensure_ascii=False, indent=1).replace("\n", "\n  ")
    out.write(("\n  " if first else ",\n  ") + body)


def _message(index: int, channel_id: int, title: str, texts: Sequence[str]) -> dict[str, Any]:
    when = START + timedelta(minutes=37 * index)
    message: dict[str, Any] = {
        "id": index + 1,
        "type": "service" if index % SERVICE_EVERY == 0 else "message",
        "date": when.replace(tzinfo=None).isoformat(),
        "date_unixtime": str(int(when.timestamp())),
    }
    if message["type"] == "service":
        message.update(actor=title, actor_id=f"channel{channel_id}", action="pin_message")
        message.update(message_id=index, text="", text_entities=[])
        return message
    if index % EDITED_EVERY == 0:
        edited = when + timedelta(minutes=5)
        message["edited"] = edited.replace(tzinfo=None).isoformat()
        message["edited_unixtime"] = str(int(edited.timestamp()))
    message.update({"from": title, "from_id": f"channel{channel_id}"})
    if index % PHOTO_EVERY == 0:
        message.update(photo=f"photos/photo_{index}.jpg", width=1280, height=960)
    text = texts[index % len(texts)]
    first, _, rest = text.partition(" ")
    if index % BOLD_EVERY == 0 and rest:  # the first word bold: `text` is a list of parts
        bold = {"type": "bold", "text": first}
        message["text"] = [bold, " " + rest]
        message["text_entities"] = [bold, {"type": "plain", "text": " " + rest}]
    else:
        message["text"] = text
        message["text_entities"] = [{"type": "plain", "text": text}]
    return message
