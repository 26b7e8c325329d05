"""The archive's engines on either backend: write transactions in one process take turns."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from monitor.store.engine import Database


async def test_write_transactions_in_one_process_take_turns(database: Database) -> None:
    steps: list[str] = []

    async def write(name: str) -> None:
        async with database.write.begin() as session:
            await session.execute(text("SELECT 1"))
            steps.append(f"{name} begins")
            await asyncio.sleep(0.05)
            steps.append(f"{name} commits")

    await asyncio.gather(write("a"), write("b"))
    assert steps == ["a begins", "a commits", "b begins", "b commits"]


async def test_reads_do_not_wait_for_a_write(database: Database) -> None:
    async with database.write.begin() as session:
        await session.execute(text("SELECT 1"))
        async with database.read() as reader:
            assert await reader.scalar(text("SELECT 2")) == 2
