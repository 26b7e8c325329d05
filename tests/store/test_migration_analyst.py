"""Migration 0009_analyst: subscriptions made before it get per-analyst numbers, in the order
they were made; down again keeps one subscription per value."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from monitor.store import migrate
from tests.conftest import sqlite_url

SUBSCRIBERS = "INSERT INTO subscribers (id, telegram_user_id, display_name, role, status, timezone, created_at) VALUES (:id, :uid, '', 'analyst', 'approved', 'UTC', '2024-11-25 09:00:00')"
SUBSCRIPTION = "INSERT INTO subscriptions (id, subscriber_id, kind, value, channels, created_at) VALUES (:id, :sid, 'category', :value, '[]', '2024-11-25 09:00:00')"


def test_existing_subscriptions_are_numbered_per_analyst(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    url = sqlite_url(path)
    migrate.upgrade(url, "0005_reader_cursor")
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(SUBSCRIBERS), [{"id": 1, "uid": 501}, {"id": 2, "uid": 502}])
            conn.execute(
                sa.text(SUBSCRIPTION),
                [
                    {"id": 7, "sid": 2, "value": "summons"},
                    {"id": 8, "sid": 1, "value": "summons"},
                    {"id": 9, "sid": 2, "value": "roundup"},
                    {"id": 12, "sid": 1, "value": "roundup"},
                    {"id": 15, "sid": 1, "value": "mobilization"},
                ],
            )
        migrate.upgrade(url)
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT subscriber_id, number, value FROM subscriptions ORDER BY id")
            ).all()
        assert [tuple(r) for r in rows] == [
            (2, 1, "summons"),
            (1, 1, "summons"),
            (2, 2, "roundup"),
            (1, 2, "roundup"),
            (1, 3, "mobilization"),
        ]
        with engine.begin() as conn:  # "keep both": the same value twice, other channels
            conn.execute(
                sa.text(
                    "INSERT INTO subscriptions (subscriber_id, kind, value, channels, created_at, "
                    "number) VALUES (1, 'category', 'summons', '[\"@a\"]', '2024-11-25', 4)"
                )
            )
        migrate.downgrade(url, "0005_reader_cursor")
        with engine.connect() as conn:
            count = conn.execute(sa.text("SELECT COUNT(*) FROM subscriptions")).scalar()
        assert count == 5
    finally:
        engine.dispose()
