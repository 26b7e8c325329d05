"""CLI: `evidence export`, `evidence verify`, `evidence seal` (docs/evidence.md; does I/O)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from monitor.cli.archive import QUERY_ARGUMENT, QUERY_HELP, run_or_exit
from monitor.cli.context import open_archive, settings_or_exit
from monitor.config import Settings
from monitor.errors import CommandError

if TYPE_CHECKING:
    from monitor.evidence.bundle import BagSummary

evidence_app = typer.Typer(
    help="Provable captures: export a bag anyone can verify, verify one, seal now.",
    no_args_is_help=True,
)


def export(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help=QUERY_HELP)] = "",
    out: Annotated[Path, typer.Option("--out", help="A new or empty folder for the bag.")] = Path(
        "evidence"
    ),
) -> None:
    """Write a BagIt bag of every post a query finds: captures, versions, pages, custody
    entries with Merkle proofs, seals with their RFC 3161 tokens, and a README.

    Deleted posts are included unless the query says deleted:no.

    Example: python bot.py evidence export 'повестка channel:@melitopol_news' --out bag
    """
    settings = settings_or_exit(ctx)
    summary = run_or_exit(_export(settings, query, out))
    typer.echo(
        f"{summary.posts} posts, {summary.captures} captures, {summary.entries} custody "
        f"entries, {summary.seals} seals, {summary.tokens} timestamp tokens written to {out}"
    )
    if summary.seals and not summary.tokens:
        typer.echo(
            "warning: no seal has a trusted timestamp yet (EVIDENCE_TSA_URLS unset or the "
            "TSA did not answer)",
            err=True,
        )


async def _export(settings: Settings, query: str, out: Path) -> BagSummary:
    from monitor.evidence.archive import evidence_sources, make_notary, tsa_roots
    from monitor.evidence.bundle import BagWriteError
    from monitor.evidence.export import export_bag

    try:
        roots = tsa_roots(settings)
    except OSError as e:
        raise CommandError(f"EVIDENCE_TSA_CA: cannot read {settings.evidence_tsa_ca}: {e}") from e
    async with open_archive(settings) as db:
        try:
            return await export_bag(
                evidence_sources(db, settings.media_folder),
                make_notary(settings, db),
                query,
                out,
                now=datetime.now(UTC),
                tsa_ca_pems=roots,
            )
        except BagWriteError as e:
            raise CommandError(str(e)) from e


def verify(
    ctx: typer.Context,
    bag: Annotated[Path, typer.Argument(help="The bag's folder.")],
    ca: Annotated[
        list[Path] | None,
        typer.Option("--ca", help="A TSA root certificate (PEM) to trust instead of the bag's."),
    ] = None,
    record: Annotated[
        bool,
        typer.Option("--record", help="Also log the verification in this archive's custody log."),
    ] = False,
) -> None:
    """Check a bag offline: manifests, capture hashes, the custody chain, inclusion proofs,
    timestamp tokens. Exits 1 naming each file and check that failed.

    Example: python bot.py evidence verify bag --ca tsa-root.pem
    """
    from monitor.evidence.verify import verify_bag

    roots = []
    for path in ca or []:
        try:
            roots.append(path.read_bytes())
        except OSError as e:
            typer.echo(f"--ca {path}: cannot read it ({e.strerror})", err=True)
            raise typer.Exit(2) from e
    if not bag.is_dir():
        typer.echo(f"{bag}: no such folder: name the bag's folder", err=True)
        raise typer.Exit(2)
    report = verify_bag(bag, roots)
    if record:
        run_or_exit(_record(settings_or_exit(ctx), bag, report.ok, len(report.problems)))
    for warning in report.warnings:
        typer.echo(f"warning: {warning}", err=True)
    for problem in report.problems:
        typer.echo(f"FAILED {problem}", err=True)
    if not report.ok:
        typer.echo(f"{bag}: {len(report.problems)} check(s) failed", err=True)
        raise typer.Exit(1)
    media = f", {report.media} media files" if report.media else ""
    typer.echo(
        f"{bag}: OK: manifests, {report.captures} captures{media}, {report.entries} custody "
        f"entries, {report.seals} seals, {report.tokens} timestamp tokens"
    )


async def _record(settings: Settings, bag: Path, ok: bool, problems: int) -> None:
    """A `verification` custody entry: which bag (its manifest's hash) and what was found."""
    from monitor.evidence.canonical import sha256_hex
    from monitor.evidence.records import CustodyKind
    from monitor.store.evidence import EvidenceRepo

    manifest = bag / "manifest-sha256.txt"
    digest = sha256_hex(manifest.read_bytes()) if manifest.is_file() else None
    async with open_archive(settings) as db:
        await EvidenceRepo(db).append(
            CustodyKind.VERIFICATION,
            {"bag": bag.name, "manifest_sha256": digest, "ok": ok, "problems": problems},
            now=datetime.now(UTC),
        )


def seal(ctx: typer.Context) -> None:
    """Seal the custody entries that are new now and ask the TSAs to timestamp the seal.

    Example: python bot.py evidence seal
    """
    settings = settings_or_exit(ctx)

    async def work() -> str:
        from monitor.evidence.archive import make_notary

        async with open_archive(settings) as db:
            notary = make_notary(settings, db)
            done = await notary.seal(now=datetime.now(UTC), reason="by hand")
            state = notary.health.line()
        if done is None:
            return f"nothing new to seal; {state}"
        return f"sealed entries {done.first_seq}..{done.last_seq} (root {done.root}); {state}"

    typer.echo(run_or_exit(work()))


def register(app: typer.Typer) -> None:
    evidence_app.command("export", context_settings=QUERY_ARGUMENT)(export)
    evidence_app.command("verify")(verify)
    evidence_app.command("seal")(seal)
    app.add_typer(evidence_app, name="evidence")
