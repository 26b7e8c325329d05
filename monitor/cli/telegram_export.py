"""CLI: `import` a Telegram Desktop channel export into the archive, with a progress bar (does I/O)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from monitor.cli.archive import progress_bar, run_or_exit
from monitor.cli.context import open_archive, settings_or_exit
from monitor.config import Settings

if TYPE_CHECKING:
    from monitor.imports.desktop import ImportResult


def import_command(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="result.json from Telegram Desktop's Export chat history.")
    ],
    channel: Annotated[
        str | None,
        typer.Option("--channel", help="The channel's @username (exports do not carry it)."),
    ] = None,
    alert: Annotated[
        bool, typer.Option("--alert", help="Queue alerts for hits in imported posts.")
    ] = False,
) -> None:
    """Import a channel's history exported by Telegram Desktop; importing again changes nothing.

    Example: python bot.py import ChatExport_2024-11-25/result.json --channel melitopol_now
    """
    settings = settings_or_exit(ctx)
    username = channel.removeprefix("@") if channel else None
    result = run_or_exit(_import(settings, file, username, alert))
    typer.echo(
        f"{result.channel.title} ({result.channel.label}): {result.total} posts, "
        f"{result.new} new, {result.edited} edited, {result.unchanged} unchanged, "
        f"{result.hits} new hits"
    )


async def _import(
    settings: Settings, file: Path, username: str | None, alert: bool
) -> ImportResult:
    # The archive's modules (SQLAlchemy) are imported here, not above: not for other commands.
    from monitor.app import default_hit_finder, save_hooks
    from monitor.imports.desktop import import_export, load_export
    from monitor.store.channels import ChannelRepo
    from monitor.store.posts import PostRepo

    export = load_export(file)
    async with open_archive(settings) as db:
        hooks = save_hooks(db, alerts=alert, alert_history=True)  # --alert: old posts too
        with progress_bar() as progress:
            task = progress.add_task("importing", total=export.post_count)
            return await import_export(
                export,
                channels=ChannelRepo(db),
                posts=PostRepo(db),
                now=datetime.now(UTC),
                find_hits=default_hit_finder(settings.cache_dir),
                hooks=hooks,
                username=username,
                progress=lambda n: progress.advance(task, n),
            )


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
