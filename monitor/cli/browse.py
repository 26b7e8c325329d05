"""CLI: `browse` serves the archive in Datasette, read-only, with search and facets (does I/O)."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import tempfile
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from monitor.cli.archive import run_or_exit
from monitor.cli.context import open_archive, settings_or_exit
from monitor.config import Settings, redact_url

MISSING = (
    "The archive browser needs Datasette, an optional extra: "
    "run `.venv/bin/pip install -e '.[browse]'` and try again."
)


NO_AUTH_PLUGIN = (
    "BROWSE_PASSWORD_HASH is set but the password plugin is missing: "
    "run `.venv/bin/pip install -e '.[browse]'` and try again."
)


def datasette_installed() -> bool:
    return importlib.util.find_spec("datasette") is not None


def auth_passwords_installed() -> bool:
    return importlib.util.find_spec("datasette_auth_passwords") is not None


def browse(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8001,
    print_command: Annotated[
        bool, typer.Option("--print-command", help="Show the Datasette command, do not run it.")
    ] = False,
) -> None:
    """The analysts' web view of the archive (Datasette, read-only): search with facets, posts.

    Example: python bot.py browse --port 8001  (then open http://127.0.0.1:8001/-/search)

    A password: put the hash `.venv/bin/datasette hash-password` prints in
    BROWSE_PASSWORD_HASH; visitors log in at /-/login as `analyst`.
    """
    if not datasette_installed():
        typer.echo(MISSING, err=True)
        raise typer.Exit(2)
    from monitor.search.browse import (  # SQLAlchemy: not for --help
        PASSWORD_VARIABLE,
        datasette_command,
        datasette_metadata,
    )
    from monitor.store.engine import sqlite_path

    settings = settings_or_exit(ctx)
    path = sqlite_path(settings.database_url)
    if path is None or not path.exists():
        typer.echo(
            f"browse needs the SQLite archive file; {redact_url(settings.database_url)} is not"
            " one (on PostgreSQL use `search` and `export`)",
            err=True,
        )
        raise typer.Exit(2)
    run_or_exit(_checkpoint(settings))
    with tempfile.TemporaryDirectory(prefix="draftwatch-browse-") as folder:
        metadata = Path(folder) / "metadata.json"
        password = settings.browse_password_hash
        if password and not auth_passwords_installed():
            typer.echo(NO_AUTH_PLUGIN, err=True)
            raise typer.Exit(2)
        shown = datasette_metadata(
            path.stem, media_dir=settings.media_folder.resolve(), password=bool(password)
        )
        metadata.write_text(json.dumps(shown, ensure_ascii=False))
        command = datasette_command(path, metadata, host=host, port=port)
        if print_command:
            typer.echo(" ".join(command))
            return
        guard = "password required, user analyst" if password else "no password"
        if not password and host not in ("127.0.0.1", "localhost", "::1"):
            typer.echo(
                f"Warning: anyone who reaches {host}:{port} reads the archive; set"
                " BROWSE_PASSWORD_HASH (see `python bot.py browse --help`) to ask for a password",
                err=True,
            )
        typer.echo(
            f"Serving {path} read-only at http://{host}:{port}/-/search ({guard}; Ctrl-C stops)"
        )
        env = {k: v for k, v in os.environ.items() if k != PASSWORD_VARIABLE}
        if password:  # to Datasette through its environment only: never a file, argv or log
            env[PASSWORD_VARIABLE] = password
        code = serve_until_stopped(command, env)
    raise typer.Exit(code)  # after the temporary folder is gone


class _TerminatedError(Exception):
    """SIGTERM arrived: stop Datasette and clean up, as Ctrl-C does."""


def serve_until_stopped(command: list[str], env: dict[str, str] | None = None) -> int:
    """Run Datasette until it exits, Ctrl-C or SIGTERM; on either signal Datasette is stopped
    (its port freed) before returning, so the caller's temporary folder can be removed."""

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        raise _TerminatedError

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    child = subprocess.Popen(command, env=env)
    try:
        return child.wait()
    except (_TerminatedError, KeyboardInterrupt):
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        typer.echo("browse stopped")
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


async def _checkpoint(settings: Settings) -> None:
    from monitor.store.snapshot import checkpoint

    async with open_archive(settings) as db:
        await checkpoint(db)


def register(app: typer.Typer) -> None:
    app.command("browse")(browse)
