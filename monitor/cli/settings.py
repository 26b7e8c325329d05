"""CLI: check-config and init-config (reads and writes the .env file)."""

from __future__ import annotations

import os
import shutil
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from monitor.cli.context import env_file_of
from monitor.cli.ocr import ocr_state
from monitor.config import (
    Settings,
    env_file_problem,
    parse_settings,
    read_environment,
    redact_url,
)
from monitor.errors import ConfigError, ConfigProblem


def check_config(ctx: typer.Context) -> None:
    """Report every configuration problem at once, each naming its variable and the fix.

    Secrets are never printed. Exits 1 when anything is missing or malformed.

    Example: python bot.py --env-file .env check-config
    """
    env_file = env_file_of(ctx)
    problems: list[ConfigProblem] = []
    settings: Settings | None = None
    env_read = True
    try:
        env = read_environment(env_file)
    except ConfigError as e:  # an unreadable .env: nothing else can be checked
        env, env_read = {}, False
        problems.extend(e.problems)
    if not problems:
        try:
            settings = parse_settings(env)
        except ConfigError as e:
            problems.extend(e.problems)
    # Missing required variables are reported even when others are malformed.
    seen = {p.variable for p in problems}
    required = Settings().missing_for_service() if env_read else []
    problems.extend(
        p for p in required if p.variable not in seen and not env.get(p.variable, "").strip()
    )
    warning = env_file_problem(env_file)
    if warning:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(ocr_state())  # never a problem: without Tesseract the service runs, OCR off
    if len(problems) == 1:
        typer.echo(f"error: {problems[0]}", err=True)
        raise typer.Exit(1)
    if problems:
        typer.echo(f"{len(problems)} problem(s) with the configuration:", err=True)
        for problem in sorted(problems, key=lambda p: p.variable):
            typer.echo(f"  {problem.variable}: {problem.problem}", err=True)
        raise typer.Exit(1)
    assert settings is not None
    target = "real Telegram" if settings.server_address is None else settings.telegram_server
    database = redact_url(settings.database_url)
    typer.echo(f"configuration OK: database {database}, Telegram server {target}")
    if not settings.evidence_tsa_urls:
        typer.echo(
            "note: EVIDENCE_TSA_URLS is not set: evidence seals get no trusted timestamp "
            "(set one or more RFC 3161 TSAs, e.g. https://freetsa.org/tsr)"
        )


def init_config(
    ctx: typer.Context,
    example: Annotated[
        Path | None,
        typer.Option(help="The template to copy (default: the one draftwatch ships)."),
    ] = None,
) -> None:
    """Create a .env from config.example.env, readable by you alone (mode 0600).

    Example: python bot.py init-config && $EDITOR .env
    """
    env_file = env_file_of(ctx)
    if env_file.exists():
        typer.echo(f"{env_file} exists already; nothing changed", err=True)
        raise typer.Exit(1)
    if example is not None and not example.is_file():
        typer.echo(f"no template at {example}: name an existing file with --example", err=True)
        raise typer.Exit(1)
    template = resources.files("monitor") / "config.example.env" if example is None else example
    fd = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out, template.open(encoding="utf-8") as src:
        shutil.copyfileobj(src, out)
    typer.echo(f"wrote {env_file} (mode 0600): fill in the Telegram values, then run check-config")


def register(app: typer.Typer) -> None:
    app.command("check-config")(check_config)
    app.command("init-config")(init_config)
