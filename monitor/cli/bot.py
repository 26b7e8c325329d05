"""CLI: `bot` runs the subscriber bot and the alert delivery worker on their own (does I/O)."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import typer

from monitor.cli.context import settings_or_exit
from monitor.clock import SystemClock
from monitor.config import Settings
from monitor.errors import ConfigError


async def _serve(settings: Settings) -> None:
    # Imported here: Telethon and SQLAlchemy take a second that other commands need not pay.
    from monitor.app import bot_runtime, open_archive
    from monitor.matching import cached_matcher, load_default_packs

    async with open_archive(settings) as db:
        matcher = cached_matcher(load_default_packs(), settings.cache_dir)
        async with bot_runtime(settings, db, matcher, SystemClock()) as runtime:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, lambda: asyncio.ensure_future(runtime.stop()))
            await runtime.run()


def register(app: typer.Typer) -> None:
    @app.command("bot")
    def bot(ctx: typer.Context) -> None:
        """Run the subscriber bot and deliver alerts, without the channel reader.

        Needs TELEGRAM_API_ID, TELEGRAM_API_HASH, BOT_TOKEN and ADMIN_IDS. The bot logs in on
        BOT_SESSION, never the reader's session; /addchannel needs the reader (`run`).

        Example: python bot.py bot
        """
        settings = settings_or_exit(ctx)
        missing = [
            p
            for p in settings.missing_for_service()
            if p.variable in ("TELEGRAM_API_ID", "TELEGRAM_API_HASH", "BOT_TOKEN", "ADMIN_IDS")
        ]
        try:
            if missing:
                raise ConfigError(missing)
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(_serve(settings))
        except ConfigError as e:
            typer.echo(str(e), err=True)
            raise typer.Exit(2) from e
        except Exception as e:  # the CLI edge: say what broke, exit non-zero
            typer.echo(f"bot stopped: {e}", err=True)
            raise typer.Exit(1) from e
