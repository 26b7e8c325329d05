"""The match and patterns commands: the exact JSON-lines format, highlights, pack checks, help."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app

runner = CliRunner()


def test_jsonl_writes_one_line_per_input_line_in_order(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    lines = [
        {"id": 7, "text": "Пришла повестка из военкомата"},
        {"id": "b", "text": "Вопрос стоит на повестке дня"},
        {"text": "Весняний призов розпочався"},
    ]
    source.write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["match", "--jsonl", str(source)])
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert out[0] == {
        "id": 7,
        "matched": True,
        "rules": ["ru.summons.povestka", "ru.enlistment.office"],
        "categories": ["summons", "enlistment"],
        "spans": [[7, 15, "повестка"], [19, 29, "военкомата"]],
    }
    assert out[1] == {"id": "b", "matched": False, "rules": [], "categories": [], "spans": []}
    assert out[2]["id"] is None
    assert out[2]["categories"] == ["conscription"]


def test_jsonl_reports_malformed_lines_and_goes_on() -> None:
    stdin = '{"id": 1, "text": "повестка"}\nnot json\n{"id": 3}\n{"id": 4, "text": "мобилизация"}\n'
    result = runner.invoke(app, ["match", "--jsonl", "-"], input=stdin)
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["matched"] for o in out] == [True, False, False, True]
    assert out[1]["error"].startswith("line 2: not JSON")
    assert out[2]["error"] == "line 3: the text field is missing or not a string"
    assert out[2]["id"] == 3
    assert "line 2: not JSON" in result.stderr


def test_pack_option_replaces_the_default_packs(tmp_path: Path) -> None:
    pack = tmp_path / "football.toml"
    pack.write_text(
        '[pack]\nname = "f"\ncategories = {sport = "Sport"}\n'
        '[[rule]]\nid = "f.goal"\ncategory = "sport"\nmatch = "гол"\n',
        encoding="utf-8",
    )
    result = runner.invoke(
        app,
        ["match", "--pack", str(pack), "--jsonl", "-"],
        input='{"id": 1, "text": "Повестка и голы"}\n',
    )
    assert json.loads(result.stdout)["rules"] == ["f.goal"]


def test_match_keeps_the_forms_and_the_matcher_in_cache_dir_and_answers_the_same_from_them(
    tmp_path: Path,
) -> None:
    env = {"CACHE_DIR": str(tmp_path / "cache")}
    text = "Пришла повестка из военкомата"
    cold = runner.invoke(app, ["match", text], env=env)
    assert cold.exit_code == 0, cold.output
    files = sorted(p.name.split("-")[0] for p in (tmp_path / "cache").iterdir())
    assert files == ["forms", "matcher"]
    warm = runner.invoke(app, ["match", text], env=env)
    assert warm.stdout == cold.stdout
    assert "ru.summons.povestka" in warm.stdout
    assert warm.stderr == ""


def test_match_text_shows_rules_and_words() -> None:
    result = runner.invoke(app, ["match", "Пришла пoвестка из военкомата", "--explain"])
    assert result.exit_code == 0
    assert "ru.summons.povestka" in result.stdout
    assert "«пoвестка»" in result.stdout
    assert "read as «повестка»" in result.stdout


def test_patterns_check_points_at_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nid = "a"\ncategory = "nope"\nmatch = "x"\n', encoding="utf-8")
    result = runner.invoke(app, ["patterns", "check", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:3: rule a: unknown category 'nope'" in result.stderr


def test_patterns_check_accepts_the_default_packs() -> None:
    result = runner.invoke(app, ["patterns", "check", "monitor/patterns/ru.toml"])
    assert result.exit_code == 0
    assert "OK, 14 rule(s), 2 tag(s)" in result.stdout


@pytest.mark.parametrize("command", [["match"], ["patterns", "check"], ["patterns", "list"]])
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.stdout


def test_jsonl_survives_bom_blank_lines_crlf_and_lone_surrogates() -> None:
    stdin = '\ufeff{"id": 1, "text": "\\ud83d повестка"}\n\n{"id": 3, "text": "мобилизация"}\r\n'
    result = runner.invoke(app, ["match", "--jsonl", "-"], input=stdin)
    assert result.exit_code == 0  # a blank line is reported, not fatal
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == [1, None, 3]
    assert out[0]["spans"] == [[2, 10, "повестка"]]
    assert out[1]["error"] == "line 2: empty line"
    assert out[2]["categories"] == ["mobilization"]


def test_hits_table_for_the_demo_shows_posts_rules_and_tags() -> None:
    from rich.console import Console

    from monitor.cli.matcher import category_counts, highlight, hits_table
    from monitor.matching import compile_matcher, load_default_packs

    matcher = compile_matcher(load_default_packs())
    posts = [
        ("@a/1", "В Крыму раздают повестки"),
        ("@a/2", "Курс рубля"),
        ("@b/7", "ТЦК на вулицях"),
    ]
    rows = [(label, text, matcher.find_hits(text)) for label, text in posts]
    console = Console(record=True, width=160)
    console.print(hits_table(rows))
    shown = console.export_text()
    assert "@a/1" in shown
    assert "@b/7" in shown
    assert "@a/2" not in shown
    assert "ru.summons.povestka" in shown
    assert "summons" in shown
    assert "region.crimea" in shown
    counts = category_counts(hits for _, _, hits in rows)
    assert counts == {"enlistment": 1, "roundup": 1, "summons": 1}
    styled = highlight(posts[0][1], rows[0][2])
    assert {(posts[0][1][s.start : s.end], str(s.style)) for s in styled.spans} == {
        ("повестки", "bold black on yellow"),
        ("раздают", "bold black on yellow"),
    }


def test_patterns_check_lists_homonyms_on_request(tmp_path: Path) -> None:
    pack = tmp_path / "p.toml"
    pack.write_text(
        '[[rule]]\nid = "a"\ncategory = "deferment"\nmatch = "бронировать"\n', encoding="utf-8"
    )
    result = runner.invoke(app, ["patterns", "check", str(pack), "--homonyms"])
    assert result.exit_code == 0
    assert "homonym: 'бронированный' of 'бронировать' is also ru:бронированный" in result.stdout


def test_patterns_check_lists_the_exclusions_that_veto(tmp_path: Path) -> None:
    pack = tmp_path / "p.toml"
    pack.write_text(
        '[[rule]]\nid = "a"\ncategory = "enlistment"\nmatch = "тцк*"\n'
        # A word meant for `match` that landed in `exclude` silences the rule: it must show.
        "exclude = ['\"військовий комісаріат\"', '\"тцк бібліотека\"~2', 'цахал OR тцк']\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["patterns", "check", str(pack), "--vetoes"])
    assert result.exit_code == 0, result.output
    vetoes = [line.strip() for line in result.stdout.splitlines() if "veto:" in line]
    # The phrase with «тцк» masks, and so does the OR that shares «тцк»: neither is listed.
    assert vetoes == ['veto: a: "військовий комісаріат"']


def test_check_notes_a_define_that_vetoes_some_rules_and_masks_others(tmp_path: Path) -> None:
    pack = tmp_path / "p.toml"
    pack.write_text(
        '[define]\nforeign = ["\\"красный армия\\"", "цахал"]\n'
        '[[rule]]\nid = "a"\ncategory = "summons"\nmatch = "повестка"\nexclude = ["@foreign"]\n'
        '[[rule]]\nid = "b"\ncategory = "conscription"\nmatch = "призыв в армия"\n'
        'exclude = ["@foreign"]\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["patterns", "check", str(pack)])
    assert result.exit_code == 0, result.output
    notes = [line.strip() for line in result.stdout.splitlines() if "@foreign" in line]
    # «армия» is in rule b: there the entry only hides its own words; «цахал» vetoes both.
    assert notes == [
        "note: @foreign entry '\"красный армия\"' vetoes 1 rule(s) but only masks b: "
        "it shares a word with them"
    ]
