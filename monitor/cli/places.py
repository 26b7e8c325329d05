"""CLI: `places retag` (tag the archived posts' places again) and `places tag` (what a text names)."""

from __future__ import annotations

from typing import Annotated

import typer

from monitor.cli.archive import progress_bar, run_or_exit
from monitor.cli.context import open_archive, settings_or_exit

places_app = typer.Typer(help="Settlements and regions the posts name.", no_args_is_help=True)


@places_app.command("retag")
def retag(
    ctx: typer.Context,
    index: Annotated[
        bool, typer.Option(help="Also rebuild the search index, whose place terms find posts.")
    ] = True,
) -> None:
    """Tag every archived post's places again: after `db upgrade` to 0007, a new gazetteer, or
    a channel's new home region.

    Example: python bot.py places retag
    """
    settings = settings_or_exit(ctx)
    from monitor.places.tagging import post_places
    from monitor.search.query import default_lemmatizer
    from monitor.store.places import PlaceRepo
    from monitor.store.search import SearchRepo

    async def work() -> tuple[int, int]:
        async with open_archive(settings) as db:
            repo = PlaceRepo(db)
            with progress_bar() as bar:
                task = bar.add_task("places", total=await repo.count_posts())
                done = await repo.retag(post_places, progress=lambda n: bar.advance(task, n))
            indexed = await SearchRepo(db, default_lemmatizer()).rebuild_index() if index else 0
            return done, indexed

    done, indexed = run_or_exit(work())
    typer.echo(f"{done} posts tagged" + (f", {indexed} posts indexed" if index else ""))


@places_app.command("tag")
def tag(
    text: Annotated[str, typer.Argument(help="A post's text.")],
    region: Annotated[
        str | None, typer.Option(help="The channel's home region, for ambiguous names.")
    ] = None,
) -> None:
    """Show the places a text names and how each was resolved (no archive needed).

    Example: python bot.py places tag "У Мелітополі окупанти влаштували облаву"
    """
    from monitor.places.gazetteer import default_gazetteer
    from monitor.places.render import mention_line
    from monitor.places.tagger import find_mentions

    home = checked_region(region)
    mentions = find_mentions(default_gazetteer(), text, home_region=home)
    if not mentions:
        typer.echo("no place named")
    for m in mentions:
        typer.echo(f"«{m.text}» → {mention_line(m)}")


def checked_region(value: str | None) -> str | None:
    """A `--region` value as its slug; a bad one exits with the list of known slugs."""
    if value is None:
        return None
    from monitor.places.regions import region_slugs

    try:
        slugs = region_slugs(value)
    except ValueError as e:
        typer.echo(f"error: --region: {e}", err=True)
        raise typer.Exit(2) from None
    if len(slugs) != 1:
        typer.echo("error: --region: name one region (occupied is several)", err=True)
        raise typer.Exit(2)
    return next(iter(slugs))


def register(app: typer.Typer) -> None:
    app.add_typer(places_app, name="places")
