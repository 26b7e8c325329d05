"""CLI: `search`, `export` and `reindex` over the archive (Rich tables and progress; does I/O)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from monitor.cli.context import open_archive, settings_or_exit
from monitor.config import Settings
from monitor.errors import DraftwatchError, ImportFileError, QueryError, SchemaOutdatedError
from monitor.markup import truncate
from monitor.search.query import SearchPage, SearchResult, Sort, default_lemmatizer, parse_query
from monitor.search.render import media_line, record_writer

if TYPE_CHECKING:
    from monitor.store.engine import Database
    from monitor.store.search import SearchRepo

T = TypeVar("T")


class OutputFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSONL = "jsonl"


class ExportFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


QUERY_HELP = (
    'Words, "phrases", -excluded, a OR b, channel:, category:, since:/until: YYYY-MM-DD, '
    "hit:yes|no, deleted:yes|no|any, edited:yes|no (docs/search.md)."
)


QUERY_ARGUMENT = {"ignore_unknown_options": True}


def run_or_exit(work: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine; a DraftwatchError is shown as a message, exit status 2."""
    try:
        return asyncio.run(work)
    except QueryError as e:
        typer.echo(f"Cannot search for {e.query!r}: {e.problem}", err=True)
    except ImportFileError as e:
        typer.echo(f"Cannot import {e.path}: {e.where}: {e.problem}", err=True)
    except SchemaOutdatedError as e:
        typer.echo(str(e), err=True)
    except DraftwatchError as e:
        typer.echo(str(e), err=True)
    raise typer.Exit(2)


def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help=QUERY_HELP)],
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Results to show.")] = 20,
    offset: Annotated[int, typer.Option(min=0, help="Results to skip (paging).")] = 0,
    sort: Annotated[Sort, typer.Option(help="Best match first, or newest first.")] = Sort.RELEVANCE,
    output: Annotated[OutputFormat, typer.Option("--format", help="How to print.")] = (
        OutputFormat.TABLE
    ),
) -> None:
    """Search the archive; inflected forms in Russian and Ukrainian are found too.

    Example: python bot.py search 'повестка -учения channel:@mash since:2024-11-01'
    """
    settings = settings_or_exit(ctx)

    async def work() -> tuple[SearchPage, bool]:
        async with open_archive(settings) as db:
            repo = _search_repo(db)
            page = await repo.search(parse_query(query), sort=sort, limit=limit, offset=offset)
            return page, not await repo.index_looks_complete()

    page, unindexed = run_or_exit(work())
    if unindexed:
        typer.echo(
            "Some posts are not in the search index yet: run `python bot.py reindex`.", err=True
        )
    if output is OutputFormat.TABLE:
        Console().print(_table(page))
        return
    write = record_writer(output.value, typer.get_text_stream("stdout"))
    for result in page.results:
        write(result)


def export(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help=QUERY_HELP)] = "",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="The file to write; - for stdout; "
            "default: draftwatch-export-YYYYMMDD-HHMMSS.csv (or .jsonl) in this folder.",
        ),
    ] = None,
    output: Annotated[ExportFormat, typer.Option("--format", help="File format.")] = (
        ExportFormat.CSV
    ),
) -> None:
    """Export every post matching a query (newest first) to CSV or JSON lines, streaming.

    Example: python bot.py export 'hit:yes since:2024-11-01' --format jsonl --out hits.jsonl
    """
    settings = settings_or_exit(ctx)
    if out is not None and str(out) == "-":
        written = run_or_exit(_export(settings, query, output, None))
        typer.echo(f"{written} posts written to stdout", err=True)
        return
    target = out or default_out_name("export", output.value)
    written = run_or_exit(_export(settings, query, output, target))
    typer.echo(f"{written} posts written to {target.resolve() if out is None else target}")


def default_out_name(what: str, suffix: str = "") -> Path:
    """draftwatch-<what>-YYYYMMDD-HHMMSS[.suffix] in the current folder (local time)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")  # local time: a name for the user
    return Path(f"draftwatch-{what}-{stamp}{'.' + suffix if suffix else ''}")


async def _export(settings: Settings, query: str, output: ExportFormat, out: Path | None) -> int:
    """Stream the matching posts to `out`, or to stdout when `out` is None."""
    parsed = parse_query(query)
    async with open_archive(settings) as db:
        repo = _search_repo(db)
        total = await repo.count(parsed)
        written = 0
        with contextlib.ExitStack() as stack:
            if out is None:
                fh = typer.get_text_stream("stdout")
            else:
                fh = stack.enter_context(out.open("w", encoding="utf-8", newline=""))
            progress = stack.enter_context(progress_bar())
            task = progress.add_task("exporting", total=total)
            write = record_writer(output.value, fh)
            async for result in repo.stream(parsed):
                write(result)
                written += 1
                progress.advance(task)
            fh.flush()
        return written


def reindex(ctx: typer.Context) -> None:
    """Rebuild the search index from every stored post (after an upgrade or a lemma change).

    Example: python bot.py reindex
    """
    settings = settings_or_exit(ctx)

    async def work() -> int:
        async with open_archive(settings) as db:
            return await _search_repo(db).rebuild_index()

    typer.echo(f"{run_or_exit(work())} posts indexed")


def _search_repo(db: Database) -> SearchRepo:
    from monitor.store.search import SearchRepo  # SQLAlchemy: only for the commands that search

    return SearchRepo(db, default_lemmatizer())


def progress_bar() -> Progress:
    """A Rich progress bar on stderr: done/total and the time left."""
    return Progress(
        *Progress.get_default_columns()[:1],
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    )


def _table(page: SearchPage) -> Table | Text:
    if not page.results:
        return Text(f"Nothing found for {page.query.text!r}.")
    table = Table(
        title=f"{page.query.text!r}: results {page.offset + 1}–{page.offset + len(page.results)}"
    )
    for name in ("#", "date", "channel", "text", "categories", "media", "link"):
        table.add_column(name, overflow="fold")
    for i, result in enumerate(page.results, start=page.offset + 1):
        table.add_row(
            str(i),
            result.post.date.strftime("%Y-%m-%d %H:%M"),
            result.channel.label,
            _snippet_text(result),
            ", ".join(result.categories),
            _media_cell(result),
            result.link,
        )
    if page.has_more:
        table.caption = f"more: --offset {page.offset + len(page.results)}"
    return table


def _media_cell(result: SearchResult, ocr_width: int = 100) -> Text:
    """Each media item: kind, size, hash (or its state), and what OCR read in it."""
    cell = Text()
    for n, media in enumerate(result.media):
        if n:
            cell.append("\n")
        cell.append(media_line(media))
        if media.ocr_text:
            cell.append("\nOCR: ", style="italic")
            cell.append(truncate(" ".join(media.ocr_text.split()), ocr_width))
    return cell


def _snippet_text(result: SearchResult, width: int = 160) -> Text:
    """The post's text around the first match, matched words in bold (Rich, not HTML)."""
    text = result.post.text
    first = min((s for s, _ in result.spans), default=0)
    start = max(0, first - width // 3)
    if start > 0:  # begin at a word
        space = text.find(" ", start, first)
        start = space + 1 if space != -1 else start
    body = Text(("…" if start else "") + truncate(text[start:], width))
    shift = (1 if start else 0) - start
    for s, e in result.spans:
        body.stylize("bold", s + shift, e + shift)
    if result.post.deleted_at:
        body.append(" (deleted)", style="italic")
    return body


def register(app: typer.Typer) -> None:
    # A query may begin with "-" (-"гражданская оборона"): an unknown option is the query.
    app.command("search", context_settings=QUERY_ARGUMENT)(search)
    app.command("export", context_settings=QUERY_ARGUMENT)(export)
    app.command("reindex")(reindex)
