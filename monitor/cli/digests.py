"""CLI: `digest --preview` writes a week's digest (text, HTML, chart PNG) to a folder (does I/O)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from monitor.cli.archive import default_out_name, run_or_exit
from monitor.cli.context import open_archive, settings_or_exit
from monitor.config import Settings
from monitor.errors import CommandError

if TYPE_CHECKING:  # the digest modules load when a digest is built, not for every command
    from monitor.digest.build import Digest, IsoWeek


def digest(
    ctx: typer.Context,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder for digest.txt, .html, chart.png; "
            "default: draftwatch-digest-YYYYMMDD-HHMMSS in this folder.",
        ),
    ] = None,
    preview: Annotated[
        bool, typer.Option("--preview", help="Write the digest to files (nothing is sent).")
    ] = False,
    week: Annotated[
        str | None, typer.Option("--week", help="ISO week, e.g. 2024-W48; default: last week.")
    ] = None,
    subscriber: Annotated[
        int | None,
        typer.Option(
            "--subscriber",
            help="Telegram user id: this subscriber's digest (their subscriptions and timezone).",
        ),
    ] = None,
) -> None:
    """Preview a weekly digest: by category and channel with changes, top posts, chart.

    With --subscriber it is what that subscriber gets (only what their subscriptions match);
    without, it covers every hit in the archive.

    Example: python bot.py digest --preview --week 2024-W48 --subscriber 123456789 --out preview
    """
    if not preview:
        typer.echo(
            "The bot sends digests; this command only previews them: add --preview.", err=True
        )
        raise typer.Exit(2)
    from monitor.digest.build import IsoWeek
    from monitor.digest.chart import render_chart
    from monitor.digest.render import digest_messages, digest_plain

    settings = settings_or_exit(ctx)
    now = datetime.now(UTC)
    try:
        chosen = IsoWeek.parse(week) if week else None
    except ValueError as e:
        typer.echo(f"--week: {e}", err=True)
        raise typer.Exit(2) from e
    built = run_or_exit(_build(settings, chosen, subscriber, now))
    if out is None:
        out = default_out_name("digest").resolve()
    out.mkdir(parents=True, exist_ok=True)
    messages = digest_messages(built)
    (out / "digest.txt").write_text(digest_plain(built) + "\n", encoding="utf-8")
    (out / "digest.html").write_text(
        "\n<!-- next message -->\n".join(messages) + "\n", encoding="utf-8"
    )
    (out / "chart.png").write_bytes(render_chart(built))
    typer.echo(
        f"digest {built.week} ({built.timezone}): {built.posts.count} posts with hits, "
        f"{len(messages)} message(s); written to {out}/digest.txt, digest.html, chart.png"
    )


async def _build(
    settings: Settings, week: IsoWeek | None, subscriber: int | None, now: datetime
) -> Digest:
    """The subscriber's digest (their subscriptions and zone), or every hit without one."""
    from monitor.digest.build import last_complete_week
    from monitor.digest.weekly import digest_for_week
    from monitor.store.digests import DigestRepo  # SQLAlchemy: only when a digest is built
    from monitor.store.subscribers import SubscriberRepo

    async with open_archive(settings) as db:
        repo = DigestRepo(db)
        timezone, subscriptions = settings.timezone, None
        if subscriber is not None:
            subscriber_id, timezone = await repo.get_subscriber_timezone(subscriber)
            subscriptions = await SubscriberRepo(db).list_subscriptions(subscriber_id)
            if not subscriptions:
                raise CommandError(
                    f"Subscriber {subscriber} has no subscriptions: the bot sends them only a "
                    "note on how to /subscribe. Leave out --subscriber to preview every hit."
                )
        chosen = week or last_complete_week(now, timezone)
        return await digest_for_week(repo, chosen, timezone, subscriptions)


def register(app: typer.Typer) -> None:
    app.command("digest")(digest)
