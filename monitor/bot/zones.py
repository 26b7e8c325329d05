"""Time zones as analysts type them: `Europe/Kyiv`, `Kyiv`, `kyiv`, `+3`, `UTC+3`, `GMT-5`
-> an IANA name (pure; reads the system's zone list once)."""

from __future__ import annotations

import re
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?00)?$", re.IGNORECASE | re.ASCII)
ALIASES = {"kiev": "Europe/Kyiv", "kyiv": "Europe/Kyiv", "київ": "Europe/Kyiv", "киев": "Europe/Kyiv",
           "москва": "Europe/Moscow", "moscow": "Europe/Moscow", "utc": "UTC", "gmt": "UTC"}  # fmt: skip


@cache
def _by_city() -> dict[str, str]:
    """`kyiv` -> `Europe/Kyiv`: the last part of every zone name, lowercased (first one wins)."""
    out: dict[str, str] = {}
    for name in sorted(available_timezones()):
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "posix/", "right/")):
            out.setdefault(name.rsplit("/", 1)[1].lower(), name)
    return out


def find_zone(text: str) -> str | None:
    """The IANA name for what was typed, or None when nothing fits."""
    raw = text.strip()
    offset = _OFFSET.match(raw)
    if offset:
        hours = int(offset[2])
        if hours > 14:
            return None
        # Etc/GMT signs are inverted (POSIX): UTC+3 is Etc/GMT-3
        return "UTC" if hours == 0 else f"Etc/GMT{'-' if offset[1] == '+' else '+'}{hours}"
    if raw.lower() in ALIASES:
        return ALIASES[raw.lower()]
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a path
        return _by_city().get(raw.lower().replace(" ", "_"))
    return raw


def zone_label(name: str) -> str:
    """`Etc/GMT-3` -> `UTC+3`; other names as they are."""
    if name.startswith("Etc/GMT") and len(name) > 7:
        sign = "+" if name[7] == "-" else "-"
        return f"UTC{sign}{name[8:]}"
    return name
