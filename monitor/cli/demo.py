"""CLI: `demo`, the whole pipeline against a local sandbox; no account, no network (does I/O)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from monitor.demo.scenario import DemoReport

console = Console(highlight=False)


def demo(
    state_dir: Annotated[
        Path,
        typer.Option(
            help="Scratch folder for the demo's archive and sessions: cleared on each run, "
            "so it must be new, empty, or one an earlier demo created."
        ),
    ] = Path("demo-state"),
) -> None:
    """Run the whole pipeline against a local Telegram: no account, no network, under a minute.

    Starts the sandbox, sets draftwatch up as a user would (db upgrade, login, channels add),
    runs it, lets an analyst ask for access (an admin approves) and subscribe, streams real
    news and draft-notice posts, and prints each alert as the analyst receives it.

    Example: python bot.py demo
    """
    from monitor.config import process_environment
    from monitor.demo.scenario import (  # the sandbox and Telethon: not for other commands
        DemoStateRefusedError,
        run_demo,
    )

    try:
        report = asyncio.run(run_demo(state_dir, console.print, process_environment()))
    except DemoStateRefusedError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(1) from None
    _summary(report)
    if report.service_exit != 0 or report.stored != report.streamed or not report.alerts:
        raise typer.Exit(1)


def _summary(report: DemoReport) -> None:
    table = Table(title="draftwatch demo: summary")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("posts streamed", str(report.streamed))
    table.add_row("posts stored", str(report.stored))
    table.add_row("posts that matched", str(len(report.shown)))
    for category, count in sorted(report.hits.items()):
        table.add_row(f"  {category}", str(count))
    if report.shown:
        latencies = sorted(latency for *_, latency in report.shown)
        table.add_row("median post → stored hit (s)", f"{latencies[len(latencies) // 2]:.1f}")
    table.add_row("alerts the analyst received", str(len(report.alerts)))
    if report.alerts:
        waits = sorted(wait for wait, _ in report.alerts)
        table.add_row("median post → alert (s)", f"{waits[len(waits) // 2]:.1f}")
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
