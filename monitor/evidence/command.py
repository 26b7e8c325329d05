"""`/evidence <link or #id>` in the bot: one post's bag as a zip document (does I/O)."""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from monitor.bot.replies import Reply
from monitor.domain import Channel, Post
from monitor.errors import CommandError, NotFoundError
from monitor.evidence.export import EvidenceSources, export_posts
from monitor.evidence.notary import Notary
from monitor.markup import escape
from monitor.reader.channel_ref import ChannelRef, parse_channel_ref
from monitor.store.channels import ChannelRepo

USAGE = "Example: /evidence https://t.me/melitopol_news/123 (or /evidence #42, the archive id)"
_MESSAGE_ID = re.compile(r"/(\d{1,19})/?(?:\?.*)?$")


@dataclass(frozen=True, slots=True)
class PostRef:
    """A post named by its archive id (#42) or by its t.me link."""

    post_id: int | None = None
    channel: ChannelRef | None = None
    message_id: int | None = None


def parse_post_ref(text: str) -> PostRef:
    raw = text.strip()
    if re.fullmatch(r"#\d{1,18}", raw):
        return PostRef(post_id=int(raw[1:]))
    found = _MESSAGE_ID.search(raw)
    if "t.me/" not in raw or found is None:
        raise CommandError(f"Name one post: its t.me link or #id. {USAGE}")
    return PostRef(channel=parse_channel_ref(raw), message_id=int(found[1]))


def _zip(folder: Path, name: str) -> bytes:
    archive = shutil.make_archive(str(folder / name), "zip", root_dir=folder, base_dir=name)
    return Path(archive).read_bytes()


class EvidenceDesk:
    """Finds the post, seals what is new, writes its bag and zips it for the bot to send."""

    def __init__(
        self,
        sources: EvidenceSources,
        channels: ChannelRepo,
        notary: Notary,
        tsa_ca_pems: Sequence[bytes] = (),
    ) -> None:
        self._sources = sources
        self._channels = channels
        self._notary = notary
        self._roots = tuple(tsa_ca_pems)

    async def _find(self, ref: PostRef) -> tuple[Post, Channel]:
        posts = self._sources.posts
        if ref.post_id is not None:
            try:
                post = await posts.get_post(ref.post_id)
            except NotFoundError:
                raise CommandError(f"No post #{ref.post_id} in the archive. {USAGE}") from None
        else:
            assert ref.channel is not None
            assert ref.message_id is not None
            channel = await self._channels.find_channel(ref.channel.key)
            found = await posts.find_post(channel.telegram_id, ref.message_id) if channel else None
            if found is None:
                raise CommandError(f"That post is not in the archive. {USAGE}")
            post = found
        channel = await self._channels.find_channel(post.channel_telegram_id)
        if channel is None:
            raise CommandError("That post's channel is not in the archive.")
        return post, channel

    async def bundle(self, chat_id: int, text: str, *, now: datetime) -> list[Reply]:
        post, channel = await self._find(parse_post_ref(text))
        await self._notary.seal(now=now, reason="bot bundle")
        name = f"evidence-{channel.username or channel.telegram_id}-{post.message_id}"
        with tempfile.TemporaryDirectory(prefix="draftwatch-evidence-") as folder:
            bag = Path(folder) / name
            summary = await export_posts(
                self._sources,
                [(post, channel)],
                f"/evidence {channel.post_link(post.message_id)}",
                bag,
                now=now,
                tsa_ca_pems=self._roots,
            )
            data = await asyncio.to_thread(_zip, Path(folder), name)
        caption = (
            f"🧾 Evidence of {escape(channel.post_link(post.message_id))}: "
            f"{summary.captures} capture(s), {summary.seals} seal(s), "
            f"{summary.tokens} timestamp token(s). Check it with "
            f"<code>python bot.py evidence verify {escape(name)}</code> "
            "(data/README.txt says how without draftwatch)."
        )
        return [Reply(chat_id, caption, document=(f"{name}.zip", data))]
