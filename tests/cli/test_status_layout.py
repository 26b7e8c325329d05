"""`status` and `channels list` in words: times to the minute in the operator's zone, live or
polled, posts and hits per channel, the last cycle as counts, names never cut."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rich.console import Console

from monitor.cli.reader import channel_table, print_wide, status_lines
from monitor.domain import Channel

NOW = datetime(2024, 11, 25, 9, 0, 30, 123456, tzinfo=UTC)
LONG = "zaporizhzhia_oblast_news_online"  # 31 characters


def test_status_lines_read_as_words() -> None:
    health = {
        "account": "reader_acc",
        "started_at": (NOW - timedelta(hours=2)).isoformat(),
        "last_cycle_at": (NOW - timedelta(minutes=3)).isoformat(),
        "last_cycle": {"polled": 12, "new_posts": 5, "new_hits": 2, "errors": 1, "flood_waits": 0},
        "live_updates": 40,
        "reconnects": 1,
    }
    assert status_lines(health, now=NOW, zone="Europe/Kyiv") == [
        "account: reader_acc",
        "started: 2024-11-25 09:00 (2h ago)",
        "last cycle: 2024-11-25 10:57 (3m ago)",
        "last cycle read 12 channels: 5 new posts, 2 hits, 1 errors, 0 flood waits",
        "live updates: 40, reconnects: 1",
    ]


def test_channels_list_shows_live_or_polled_counts_and_full_names() -> None:
    live = Channel(
        telegram_id=1, title="Запорізька область: новини, тривоги, мобілізація", username=LONG,
        joined=True, last_post_at=NOW - timedelta(minutes=5), last_polled_at=NOW,
        poll_interval_s=300,
    )  # fmt: skip
    polled = Channel(telegram_id=2, title="Крым", username="crimea_alarm", poll_interval_s=3600)
    console = Console(width=80, record=True)
    print_wide(
        console,
        channel_table([live, polled], {1: (120, 7)}, {1: "default"}, now=NOW, zone="Europe/Kyiv"),
    )
    text = console.export_text()
    assert f"@{LONG}" in text  # at 80 columns, the name is whole
    live_row = next(line for line in text.splitlines() if LONG in line)
    for cell in ("live", "2024-11-25", "120", "7", "5m"):
        assert cell in live_row, live_row
    polled_row = next(line for line in text.splitlines() if "crimea_alarm" in line)
    assert "polled" in polled_row
    assert "1h" in polled_row
    assert ".123456" not in text  # no microseconds
