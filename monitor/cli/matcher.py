"""CLI: match text or JSON lines against the pattern packs, check a pack, show hits (CLI edge)."""

from __future__ import annotations

import gc
import io
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from monitor.cli.context import settings_or_exit
from monitor.errors import PatternError

if TYPE_CHECKING:  # Rich and the matcher load inside the commands: `--help` needs neither
    from rich.table import Table
    from rich.text import Text

    from monitor.domain import Hit
    from monitor.matching import Matcher, Pack

PackOption = Annotated[
    list[Path] | None,
    typer.Option("--pack", help="A pack file to use instead of the default packs (repeatable)."),
]
HIGHLIGHT = "bold black on yellow"

patterns_app = typer.Typer(
    help="Work with pattern packs.\n\nExample: python bot.py patterns check my.toml",
    no_args_is_help=True,
)


def build_matcher(ctx: typer.Context, pack_files: Iterable[Path] | None) -> Matcher:
    """The default packs, or the given pack files instead of them, through the compile cache."""
    from monitor.matching.cache import pack_matcher
    from monitor.matching.packs import default_pack_texts, read_pack_text

    files = list(pack_files or [])
    texts = [(read_pack_text(p), str(p)) for p in files] if files else default_pack_texts()
    return pack_matcher(texts, settings_or_exit(ctx, log=False).cache_dir)


def highlight(text: str, hits: Iterable[Hit]) -> Text:
    """The text with every matched span highlighted, for Rich."""
    from rich.text import Text

    rich_text = Text(text)
    for hit in hits:
        for span in hit.spans:
            rich_text.stylize(HIGHLIGHT, span.start, span.end)
    return rich_text


def hits_table(rows: Iterable[tuple[str, str, list[Hit]]], title: str = "Hits") -> Table:
    """A Rich table of posts and their hits: (label, text, hits) per row; the demo prints this."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, show_lines=True, expand=True)
    table.add_column("post", no_wrap=True)
    table.add_column("text (matched words highlighted)", ratio=4)
    table.add_column("categories", no_wrap=True)
    table.add_column("rules", ratio=2)
    table.add_column("tags", ratio=1)
    for label, text, hits in rows:
        if not hits:
            continue
        categories = Text("\n".join(dict.fromkeys(h.category for h in hits)))
        rules = Text("\n".join(h.rule_id for h in hits))
        tags = Text(", ".join(dict.fromkeys(t for h in hits for t in h.tags)))
        table.add_row(label, highlight(text, hits), categories, rules, tags)
    return table


def category_counts(hit_lists: Iterable[list[Hit]]) -> dict[str, int]:
    """How many posts hit each category (a post counts once per category)."""
    counts: dict[str, int] = {}
    for hits in hit_lists:
        for category in dict.fromkeys(h.category for h in hits):
            counts[category] = counts.get(category, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def match(
    ctx: typer.Context,
    text: Annotated[str | None, typer.Argument(help="The text to match.")] = None,
    jsonl: Annotated[
        str | None,
        typer.Option(
            "--jsonl", help="Read JSON lines with `text` (and `id`) from FILE, or - for stdin."
        ),
    ] = None,
    pack: PackOption = None,
    show_explanation: Annotated[bool, typer.Option("--explain", help="Explain every hit.")] = False,
) -> None:
    """Match TEXT, or every line of a JSON-lines file, against the pattern packs.

    With --jsonl, one JSON line is written per input line, in order:
    {"id", "matched", "rules", "categories", "spans": [[start, end, "surface"], ...]}.
    A malformed input line gets a line with "error" naming its line number; the rest are
    still processed and the exit status is 1 (a blank line is reported but not fatal).

    Example: python bot.py match "Пришла повестка из военкомата"
    """
    try:
        matcher = build_matcher(ctx, pack)
    except PatternError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from e
    if jsonl is not None:
        failures = _match_jsonl(matcher, jsonl)
        if failures:
            typer.echo(f"{failures} malformed input line(s), reported in the output", err=True)
            raise typer.Exit(1)
        return
    if text is None:
        typer.echo("give a TEXT or --jsonl FILE; see --help", err=True)
        raise typer.Exit(2)
    _print_hits(matcher, text, show_explanation)


def _print_hits(matcher: Matcher, text: str, show_explanation: bool) -> None:
    from rich.console import Console

    from monitor.matching import explain

    console = Console()
    hits = matcher.find_hits(text)
    console.print(highlight(text, hits))
    if not hits:
        console.print("[dim]no hits[/dim]")
        return
    for hit in hits:
        words = ", ".join(f"«{s.surface}»" for s in hit.spans)
        tags = f"  tags: {', '.join(hit.tags)}" if hit.tags else ""
        console.print(
            f"[bold]{hit.rule_id}[/bold] [{hit.category}]: {words}{tags}", highlight=False
        )
        if show_explanation:
            console.print(explain(hit, text), highlight=False)


def _match_jsonl(matcher: Matcher, source: str) -> int:
    out = sys.stdout
    for stream in (sys.stdin, sys.stdout):
        # Posts are UTF-8 whatever the locale says (a C locale would otherwise mean ASCII).
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(encoding="utf-8", errors="replace")
    # The matcher's few hundred thousand objects outlive every post: keep the collector from
    # walking them again and again while posts come and go.
    gc.freeze()
    try:
        with _open(source) as lines:
            failures = _match_lines(matcher, lines, out)
    finally:
        gc.unfreeze()
    out.flush()
    return failures


def _match_lines(matcher: Matcher, lines: Iterable[str], out: TextIO) -> int:
    failures = 0
    find_hits, loads = matcher.find_hits, json.loads
    for number, raw in enumerate(lines, start=1):
        if number > 1 and raw.startswith('{"'):  # the usual line: one JSON object
            try:
                record = loads(raw)
            except ValueError:
                record = None
            if type(record) is dict and type(text := record.get("text")) is str:
                hits = find_hits(text)
                out.write(_dump(_result(record, hits)) if hits else _quiet(record.get("id")))
                continue
        record, problem = _parse_line(raw.lstrip("\ufeff") if number == 1 else raw, number)
        if problem is not None:
            # A blank line is reported but does not fail the run; anything else does.
            failures += 0 if problem.endswith("empty line") else 1
            typer.echo(problem, err=True)
            out.write(_dump({**_result(record, []), "error": problem}))
            continue
        out.write(_dump(_result(record, find_hits(record["text"]))))
    return failures


def _quiet(post_id: Any) -> str:
    """The line of a post without hits: _dump(_result(record, [])) without the dict."""
    if post_id is None:
        return _QUIET_NONE
    return f'{{"id": {_dump_value(post_id)}, {_QUIET_TAIL}'


_QUIET_TAIL = '"matched": false, "rules": [], "categories": [], "spans": []}\n'
_QUIET_NONE = '{"id": null, ' + _QUIET_TAIL


def _dump_value(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: escape them, as _dump does
        text = json.dumps(value)
    return text


def _open(source: str) -> Any:
    if source == "-":
        return _Stdin(sys.stdin)
    try:
        return Path(source).open(encoding="utf-8", errors="replace")
    except OSError as e:
        typer.echo(f"error: cannot read {source}: {e}", err=True)
        raise typer.Exit(2) from e


class _Stdin:
    """stdin as a context manager that does not close it."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def __enter__(self) -> Iterator[str]:
        return iter(self.stream)

    def __exit__(self, *_: object) -> None:
        return None


def _dump(result: dict[str, Any]) -> str:
    line = json.dumps(result, ensure_ascii=False)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates in the input text: escape them
        line = json.dumps(result)
    return line + "\n"


def _parse_line(raw: str, number: int) -> tuple[dict[str, Any], str | None]:
    if not raw.strip():
        return {}, f"line {number}: empty line"
    try:
        record = json.loads(raw)
    except json.JSONDecodeError as e:
        return {}, f"line {number}: not JSON ({e.msg} at column {e.colno})"
    if not isinstance(record, dict):
        return {}, f"line {number}: expected a JSON object with a text field"
    if not isinstance(record.get("text"), str):
        return record, f"line {number}: the text field is missing or not a string"
    return record, None


def _result(record: dict[str, Any], hits: list[Hit]) -> dict[str, Any]:
    spans = sorted({(s.start, s.end, s.surface) for h in hits for s in h.spans})
    return {
        "id": record.get("id"),
        "matched": bool(hits),
        "rules": [h.rule_id for h in hits],
        "categories": list(dict.fromkeys(h.category for h in hits)),
        "spans": [list(s) for s in spans],
    }


@patterns_app.command("check")
def check(
    file: Annotated[Path, typer.Argument(help="The pack file to validate.")],
    show_homonyms: Annotated[
        bool, typer.Option("--homonyms", help="List forms that are also forms of other lemmas.")
    ] = False,
    show_vetoes: Annotated[
        bool,
        typer.Option("--vetoes", help="List the exclusions that veto a whole rule, not mask."),
    ] = False,
) -> None:
    """Validate a pack file: syntax, ids, categories, expressions, regexes; point at the bad line.

    Words no dictionary knows are listed: their forms are predicted, so check them. With
    --homonyms, forms that also belong to another lemma are listed for review. With --vetoes,
    each exclusion that shares no word with its rule, and so silences the rule for the whole
    post, is listed: a word meant for `match` that landed in `exclude` shows up there.

    Example: python bot.py patterns check monitor/patterns/ru.toml
    """
    from monitor.matching import compile_matcher, load_pack
    from monitor.matching.morphology import homonyms
    from monitor.matching.packs import lemma_words

    try:
        pack = load_pack(file)
        matcher = compile_matcher([pack])
    except PatternError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(1) from e
    typer.echo(f"{file}: OK, {len(pack.rules)} rule(s), {len(pack.tags)} tag(s)")
    for word in unknown_words(pack):
        typer.echo(f"  note: {word!r} is in no dictionary; its forms are predicted")
    for line in mixed_defines(pack, matcher):
        typer.echo(f"  note: {line}")
    if show_vetoes:
        for rule in pack.rules:
            for position in matcher.vetoing_exclusions(rule.id):
                typer.echo(f"  veto: {rule.id}: {rule.exclusions[position]}")
    if show_homonyms:
        for word in lemma_words([pack]):
            for form, others in homonyms(word).items():
                typer.echo(f"  homonym: {form!r} of {word!r} is also {', '.join(others)}")


@patterns_app.command("list")
def list_rules(ctx: typer.Context, pack: PackOption = None) -> None:
    """List the rules of the packs with their categories and descriptions.

    Example: python bot.py patterns list
    """
    from rich.console import Console
    from rich.table import Table

    matcher = build_matcher(ctx, pack)
    table = Table(title="Rules")
    for column in ("id", "category", "description"):
        table.add_column(column)
    for rule in matcher.rules:
        table.add_row(rule.id, rule.category, rule.description)
    Console().print(table)


@patterns_app.command("stats")
def stats(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, help="Rule/channel pairs to show.")] = 100,
) -> None:
    """Per rule and channel: alerts sent, 👍, 👎, precision, with the 👎 posts to read.

    Example: python bot.py patterns stats
    """
    from monitor.bot.rule_report import rule_report  # the archive only when asked
    from monitor.cli.archive import run_or_exit
    from monitor.cli.context import open_archive
    from monitor.store.feedback import FeedbackRepo

    settings = settings_or_exit(ctx)

    async def work() -> list[str]:
        async with open_archive(settings) as db:
            return rule_report(await FeedbackRepo(db).rule_stats(), limit=limit)

    lines = run_or_exit(work())
    typer.echo("\n".join(lines) if lines else "No alerts sent yet: nothing to count.")


def mixed_defines(pack: Pack, matcher: Matcher) -> list[str]:
    """[define] entries that veto some rules and only mask others (they share a word).

    An entry shared through @name is usually meant the same way everywhere; one that turns
    into a mask where it shares a word with a rule is worth a look (docs/patterns.md).
    """
    uses: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    for rule in pack.rules:
        vetoing = set(matcher.vetoing_exclusions(rule.id))
        for position, (text, origin) in enumerate(zip(rule.exclusions, rule.origins, strict=True)):
            if origin:
                vetoes, masks = uses.setdefault((origin, text), ([], []))
                (vetoes if position in vetoing else masks).append(rule.id)
    out = []
    for (origin, text), (vetoes, masks) in uses.items():
        if vetoes and masks:
            shown = text if len(text) <= 60 else text[:57] + "..."
            out.append(
                f"{origin} entry {shown!r} vetoes {len(vetoes)} rule(s) but only masks "
                f"{', '.join(masks)}: it shares a word with them"
            )
    return out


def unknown_words(pack: Pack) -> list[str]:
    """Lemma words of a pack that neither dictionary knows."""
    from monitor.matching.morphology import expand
    from monitor.matching.packs import lemma_words

    return [word for word in lemma_words([pack]) if not expand(word).known]


def register(app: typer.Typer) -> None:
    app.command("match")(match)
    app.add_typer(patterns_app, name="patterns")
