"""What `python bot.py status` shows of a running service: its Health, written by `run` to
status.json beside the reader's session and read back by `status` (reads and writes a file)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from monitor.config import Settings


def status_path(settings: Settings) -> Path:
    return settings.reader_session.parent / "status.json"


@dataclass
class Health:
    """What `python bot.py status` shows of a running service."""

    pid: int
    started_at: str
    state: str = "starting"
    account: str = ""
    last_cycle_at: str | None = None
    last_cycle: dict[str, int] = field(default_factory=dict)
    live_updates: int = 0
    reconnects: int = 0
    error: str | None = None
    evidence: str = ""  # seals, timestamps pending, the last TSA error (monitor.evidence)


def write_health(path: Path, health: Health) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(asdict(health), ensure_ascii=False, indent=2), encoding="utf-8")
    temporary.replace(path)


def read_health(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None
