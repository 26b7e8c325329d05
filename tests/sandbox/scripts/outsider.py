"""A Telethon script as an outsider writes it: only telethon, and the sandbox's connection.json.

Usage: python outsider.py STATE_DIR/connection.json
Prints one JSON line: who logged in, the channel, its newest posts, the sent message id.
"""

import asyncio
import json
import sys

from telethon import TelegramClient
from telethon.crypto import rsa
from telethon.sessions import StringSession


def read_connection(path):
    with open(path, encoding="utf-8") as f:
        conn = json.load(f)
    with open(conn["server_key"], encoding="utf-8") as f:
        rsa.add_key(f.read(), old=False)
    return conn


async def main(conn):
    client = TelegramClient(StringSession(), conn["api_id"], conn["api_hash"])
    client.session.set_dc(conn["dc_id"], conn["host"], conn["port"])
    await client.start(phone=conn["user"]["phone"], code_callback=lambda: conn["user"]["code"])
    me = await client.get_me()
    channel = await client.get_entity(conn["channels"][0]["username"])
    posts = [m.raw_text async for m in client.iter_messages(channel, limit=3)]
    oldest = [m.id async for m in client.iter_messages(channel, reverse=True, limit=2)]
    sent = await client.send_message(conn["bots"][0]["username"], "/start")
    print(
        json.dumps(
            {
                "me": me.phone,
                "channel": channel.title,
                "posts": posts,
                "oldest": oldest,
                "sent": sent.id,
            }
        )
    )
    await client.disconnect()


asyncio.run(main(read_connection(sys.argv[1])))
