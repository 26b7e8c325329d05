"""CLI: `users list|approve|deny`: access requests decided from a shell (does I/O)."""

from __future__ import annotations

from typing import Annotated

import typer

from monitor.cli.archive import run_or_exit
from monitor.cli.context import open_archive, settings_or_exit
from monitor.domain import Subscriber, SubscriberStatus

users_app = typer.Typer(
    help="Who uses the bot; approve or deny access requests.\n\n"
    "Example: python bot.py users approve 123456789",
    no_args_is_help=True,
)
UserArgument = Annotated[str, typer.Argument(help="A numeric Telegram id or @username.")]


def _line(u: Subscriber) -> str:
    handle = f" @{u.username}" if u.username else ""
    return f"{u.telegram_user_id}  {u.display_name or '(no name)'}{handle}: {u.role.value}, {u.status.value}"


@users_app.command("list")
def list_users(
    ctx: typer.Context,
    pending: Annotated[bool, typer.Option("--pending", help="Only pending requests.")] = False,
) -> None:
    """List the bot's users, or the pending requests.

    Example: python bot.py users list --pending
    """
    from monitor.store.subscribers import SubscriberRepo

    settings = settings_or_exit(ctx)

    async def work() -> list[Subscriber]:
        async with open_archive(settings) as db:
            status = SubscriberStatus.PENDING if pending else None
            return await SubscriberRepo(db).list_subscribers(status=status)

    found = run_or_exit(work())
    typer.echo("\n".join(_line(u) for u in found) if found else "Nobody.")


def _decide(ctx: typer.Context, user: str, *, approve: bool) -> None:
    from monitor.bot.access import AccessEvent
    from monitor.store.subscribers import SubscriberRepo

    settings = settings_or_exit(ctx)

    async def work() -> tuple[Subscriber | None, Subscriber | None]:
        async with open_archive(settings) as db:
            repo = SubscriberRepo(db)
            target = (
                await repo.find_subscriber(int(user))
                if user.isdigit() and len(user) <= 16
                else await repo.find_by_username(user)
            )
            if target is None or target.status is not SubscriberStatus.PENDING:
                return target, None
            event = AccessEvent.APPROVED if approve else AccessEvent.DENIED
            return target, await repo.apply(target.telegram_user_id, event)

    target, after = run_or_exit(work())
    if target is None:
        typer.echo(f"No user {user} has written to the bot: `users list` shows them.", err=True)
        raise typer.Exit(2)
    if after is None:
        typer.echo(f"{_line(target)}: already decided, nothing changed.", err=True)
        raise typer.Exit(2)
    verb = "Approved" if approve else "Denied"
    typer.echo(f"{verb} {_line(after)}. They see it at their next message to the bot.")


@users_app.command("approve")
def approve(ctx: typer.Context, user: UserArgument) -> None:
    """Approve a pending access request.

    Example: python bot.py users approve @taras_k
    """
    _decide(ctx, user, approve=True)


@users_app.command("deny")
def deny(ctx: typer.Context, user: UserArgument) -> None:
    """Deny a pending access request.

    Example: python bot.py users deny 123456789
    """
    _decide(ctx, user, approve=False)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
