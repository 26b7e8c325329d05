"""CLI: `sandbox`, a local Telegram for demos, pattern tuning and outside scripts (runs a server)."""

from __future__ import annotations

import asyncio
import base64
import logging
import mimetypes
from pathlib import Path
from typing import Annotated, Any

import typer

StateDir = Annotated[
    Path, typer.Option("--state-dir", help="Where the server key and connection.json live.")
]
Port = Annotated[
    int | None,
    typer.Option(
        help="TCP port to listen on (0: any free port). Default: the last run's port, "
        "remembered in the state dir, so .env stays right across restarts."
    ),
]
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
Redate = Annotated[
    bool,
    typer.Option(
        "--redate",
        help="Shift each feed's dates so that its last post is now (the bundled feeds are old: "
        "without this, BACKFILL_DAYS reads none of them back).",
    ),
]
Users = Annotated[int, typer.Option("--users", help="How many test users (phones +7999000000N).")]
FileRefTtl = Annotated[
    float | None,
    typer.Option(
        "--file-reference-ttl",
        help="Seconds after which file references expire (FILE_REFERENCE_EXPIRED); default never.",
    ),
]
Password = Annotated[
    str | None, typer.Option("--user-password", help="Give the test user a 2FA password.")
]


sandbox_app = typer.Typer(
    help="A local Telegram: run it, or post, edit and delete in a running one."
)


@sandbox_app.callback(invoke_without_command=True)
def sandbox(
    ctx: typer.Context,
    state_dir: StateDir = Path("data/sandbox"),
    port: Port = None,
    host: Host = "127.0.0.1",
    dc_id: DcId = 2,
    feed: Feeds = None,
    bundled: Bundled = False,
    bot: Bots = None,
    replay_speed: ReplaySpeed = 0.0,
    history_posts: HistoryPosts = 50,
    password: Password = None,
    redate: Redate = False,
    users: Users = 1,
    file_reference_ttl: FileRefTtl = None,
) -> None:
    """Run a local MTProto server that any Telethon client can use, until Ctrl-C.

    Writes STATE_DIR/connection.json: host, port, dc_id, the server key PEM, the test user's phone and code, bot tokens, the fed channels, and the sandbox RFC 3161 TSA (its URL and CA file: EVIDENCE_TSA_URLS, EVIDENCE_TSA_CA).

    Point draftwatch at it with TELEGRAM_SERVER=host:port and TELEGRAM_SERVER_KEY=<server_key from the file>.

    Example: python bot.py sandbox --port 8443 --redate --feed monitor/sandbox/feeds/ru-news-channels/1001101170442_messages.json --state-dir data/sandbox
    """
    if ctx.invoked_subcommand is not None:
        return
    # The sandbox and Telethon are imported here: other commands and --help need neither.
    from monitor.sandbox.feeds import bundled_feeds
    from monitor.sandbox.standalone import SandboxStartError, StandaloneConfig, run

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
        redate=redate,
        users=users,
        file_reference_ttl=file_reference_ttl,
    )
    try:
        asyncio.run(run(config))
    except SandboxStartError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(1) from e
    typer.echo("sandbox stopped")


ChannelArg = Annotated[str, typer.Argument(help="The channel's username in the sandbox.")]
ControlDir = Annotated[Path, typer.Option("--state-dir", help="The running sandbox's state dir.")]


def _control(state_dir: Path, request: dict[str, Any]) -> dict[str, Any]:
    from monitor.sandbox.control import ControlError, send_command

    try:
        return asyncio.run(send_command(state_dir, request))
    except ControlError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(1) from e


@sandbox_app.command("post")
def post(
    channel: ChannelArg,
    text: Annotated[str, typer.Argument(help="The post's text (an album's caption).")],
    photo: Annotated[
        list[Path] | None,
        typer.Option("--photo", help="Attach this image; repeat for an album.", exists=True),
    ] = None,
    document: Annotated[
        Path | None, typer.Option("--document", help="Attach this file.", exists=True)
    ] = None,
    state_dir: ControlDir = Path("data/sandbox"),
) -> None:
    """Publish a post (or an album: several --photo) in a running sandbox's channel now; members get it live.

    Example: python bot.py sandbox post ria_novosti "Повестки раздают у метро" --photo notice.jpg --photo queue.jpg
    """
    request: dict[str, Any] = {"op": "post", "channel": channel, "text": text}
    photos = [base64.b64encode(p.read_bytes()).decode() for p in photo or []]
    if len(photos) > 1:
        request["album"] = photos
    elif photos:
        request["photo"] = photos[0]
    if document is not None:
        request["document"] = {
            "data": base64.b64encode(document.read_bytes()).decode(),
            "mime": mimetypes.guess_type(document.name)[0] or "application/octet-stream",
            "name": document.name,
        }
    answer = _control(state_dir, request)
    ids = answer.get("ids") or [answer["id"]]
    typer.echo(" ".join(f"posted @{channel.lstrip('@')}/{i}" for i in ids))


@sandbox_app.command("expire-file-refs")
def expire_file_refs(state_dir: ControlDir = Path("data/sandbox")) -> None:
    """Expire every file reference the running sandbox handed out: downloads fail with FILE_REFERENCE_EXPIRED until clients re-read the messages.

    Example: python bot.py sandbox expire-file-refs --state-dir data/sandbox
    """
    _control(state_dir, {"op": "expire_file_references"})
    typer.echo("file references expired")


@sandbox_app.command("edit")
def edit(
    channel: ChannelArg,
    message_id: Annotated[int, typer.Argument(help="The post's id.")],
    text: Annotated[str, typer.Argument(help="The new text.")],
    state_dir: ControlDir = Path("data/sandbox"),
) -> None:
    """Edit a post in a running sandbox.

    Example: python bot.py sandbox edit ria_novosti 1234 "Повестки раздают у рынка"
    """
    _control(state_dir, {"op": "edit", "channel": channel, "id": message_id, "text": text})
    typer.echo(f"edited @{channel.lstrip('@')}/{message_id}")


@sandbox_app.command("delete")
def delete(
    channel: ChannelArg,
    message_ids: Annotated[list[int], typer.Argument(help="Ids of the posts to delete.")],
    state_dir: ControlDir = Path("data/sandbox"),
) -> None:
    """Delete posts in a running sandbox.

    Example: python bot.py sandbox delete ria_novosti 1234 1235
    """
    _control(state_dir, {"op": "delete", "channel": channel, "ids": message_ids})
    typer.echo(f"deleted {len(message_ids)} post(s) in @{channel.lstrip('@')}")


def register(app: typer.Typer) -> None:
    app.add_typer(sandbox_app, name="sandbox")
