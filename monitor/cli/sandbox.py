"""CLI: `sandbox`, a local Telegram for demos, pattern tuning and outside scripts (runs a server)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated

import typer

StateDir = Annotated[
    Path, typer.Option("--state-dir", help="Where the server key and connection.json live.")
]
Port = Annotated[int, typer.Option(help="TCP port to listen on (0: any free port).")]
Host = Annotated[str, typer.Option(help="Address to listen on.")]
DcId = Annotated[int, typer.Option("--dc-id", help="The DC id clients are told they talk to.")]
Feeds = Annotated[list[Path] | None, typer.Option("--feed", help="A feed JSON file (repeatable).")]
Bundled = Annotated[
    bool, typer.Option("--bundled-feeds", help="Add every bundled ru-news-channels feed.")
]
Bots = Annotated[list[str] | None, typer.Option("--bot", help="A bot username (repeatable).")]
ReplaySpeed = Annotated[
    float,
    typer.Option(
        "--replay-speed",
        help="Replay posts this many times faster than real time (0: all history).",
    ),
]
HistoryPosts = Annotated[
    int,
    typer.Option("--history-posts", help="With --replay-speed: posts per channel loaded first."),
]
Password = Annotated[
    str | None, typer.Option("--user-password", help="Give the test user a 2FA password.")
]


def sandbox(
    state_dir: StateDir = Path("data/sandbox"),
    port: Port = 0,
    host: Host = "127.0.0.1",
    dc_id: DcId = 2,
    feed: Feeds = None,
    bundled: Bundled = False,
    bot: Bots = None,
    replay_speed: ReplaySpeed = 0.0,
    history_posts: HistoryPosts = 50,
    password: Password = None,
) -> None:
    """Run a local MTProto server that any Telethon client can use, until Ctrl-C.

    Writes STATE_DIR/connection.json: host, port, dc_id, the server key PEM, the test user's phone and code, bot tokens and the fed channels.

    Point draftwatch at it with TELEGRAM_SERVER=host:port and TELEGRAM_SERVER_KEY=<server_key from the file>.

    Example: python bot.py sandbox --port 8443 --feed monitor/sandbox/feeds/ru-news-channels/1001101170442_messages.json --state-dir data/sandbox
    """
    # The sandbox and Telethon are imported here: other commands and --help need neither.
    from monitor.sandbox.feeds import bundled_feeds
    from monitor.sandbox.standalone import StandaloneConfig, run

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    config = StandaloneConfig(
        state_dir=state_dir,
        host=host,
        port=port,
        dc_id=dc_id,
        feed_files=(*(feed or []), *(bundled_feeds() if bundled else [])),
        bots=tuple(bot or ["draftwatch_bot"]),
        replay_speed=replay_speed,
        history_posts=history_posts,
        user_password=password,
    )
    asyncio.run(run(config))
    typer.echo("sandbox stopped")


def register(app: typer.Typer) -> None:
    app.command(name="sandbox")(sandbox)
