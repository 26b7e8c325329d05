"""CLI: `import` a Telegram Desktop channel export into the archive, with a progress bar (does I/O)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from monitor.cli.archive import progress_bar, run_or_exit
from monitor.cli.context import open_archive, settings_or_exit
from monitor.config import Settings
from monitor.matching import cached_matcher, load_default_packs
from monitor.search.query import default_lemmatizer

if TYPE_CHECKING:
    from monitor.imports.desktop import ImportResult
    from monitor.store.engine import Database
    from monitor.store.posts import SaveHook


def alert_hooks(db: Database, settings: Settings) -> list[SaveHook]:
    """Save hooks that queue alerts for new hits: the alert outbox (only with --alert)."""
    from monitor.alerts.planning import make_expression_hits
    from monitor.store.outbox import make_outbox_hook

    return [make_outbox_hook(make_expression_hits(), alert_history=True)]  # old posts too


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
    from monitor.imports.desktop import import_export, load_export
    from monitor.store.channels import ChannelRepo
    from monitor.store.posts import PostRepo
    from monitor.store.search import SearchRepo

    export = load_export(file)
    async with open_archive(settings) as db:
        hooks = [SearchRepo(db, default_lemmatizer()).index_hook()]
        if alert:
            extra = alert_hooks(db, settings)
            if not extra:
                typer.echo("--alert: the alert outbox is not wired in; no alerts queued", err=True)
            hooks.extend(extra)
        with progress_bar() as progress:
            task = progress.add_task("importing", total=export.post_count)
            return await import_export(
                export,
                channels=ChannelRepo(db),
                posts=PostRepo(db),
                now=datetime.now(UTC),
                find_hits=cached_matcher(load_default_packs(), settings.cache_dir).find_hits,
                hooks=hooks,
                username=username,
                progress=lambda n: progress.advance(task, n),
            )


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
