"""`channels add --region` as a user runs it: a standalone sandbox, the CLI in subprocesses."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.standalone import draftwatch, draftwatch_env, standalone_sandbox

POSTS = [
    "В Васильевке раздают повестки прямо у школы",  # Василівка: Zaporizhzhia town, Crimean village
    "У Мелітополі окупанти влаштували облаву на чоловіків",
]


def test_a_channel_added_with_its_home_region_resolves_the_villages_it_names(
    tmp_path: Path,
) -> None:
    feed = tmp_path / "zp_feed.json"
    feed.write_text(
        json.dumps(
            [
                {
                    "message_id": n,
                    "sender_id": -1009000000077,
                    "text": text,
                    "date": "2024-11-25T08:15:00+00:00",
                    "channel": "Запоріжжя: новини",
                    "category": "test",
                    "username": "zp_places_news",
                }
                for n, text in enumerate(POSTS, 1)
            ],
            ensure_ascii=False,
        ),
        "utf-8",
    )
    with standalone_sandbox(tmp_path, ["--feed", str(feed)]) as connection:
        env = draftwatch_env(connection, tmp_path, BACKFILL_DAYS="3650")
        user = connection["user"]
        assert draftwatch(env, tmp_path, "db", "upgrade").returncode == 0
        login = draftwatch(
            env, tmp_path, "login", "--phone", user["phone"], stdin=f"{user['code']}\n"
        )
        assert login.returncode == 0, login.stderr

        channel = connection["channels"][0]["username"]
        added = draftwatch(
            env, tmp_path, "channels", "add", f"@{channel}", "--region", "Запорізька"
        )
        assert added.returncode == 0, added.stderr
        assert "2 posts read back" in added.stdout

        zp = draftwatch(env, tmp_path, "search", "region:zaporizhzhia", "--format", "jsonl")
        assert zp.returncode == 0, zp.stderr
        texts = [json.loads(line)["text"] for line in zp.stdout.splitlines()]
        assert sorted(texts) == sorted(POSTS)  # the village resolved by the home region
        crimea = draftwatch(env, tmp_path, "search", "region:crimea", "--format", "jsonl")
        assert crimea.stdout.strip() == ""
