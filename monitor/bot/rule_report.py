"""Per rule and channel: alerts sent, 👍, 👎, precision and the 👎 posts to read; the same lines
for `python bot.py patterns stats` and the admins' /rules (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from monitor.store.feedback import RuleStats

SHOWN = 30


def rule_report(stats: Sequence[RuleStats], *, limit: int = SHOWN) -> list[str]:
    """Plain text lines, the rules with most 👎 first; empty when nothing was sent."""
    if not stats:
        return []
    lines = []
    for s in stats[:limit]:
        precision = f"{s.precision:.0%}" if s.precision is not None else "n/a"
        lines.append(
            f"{s.rule_id or '(no rule)'} in {s.channel}: sent {s.sent}, 👍 {s.relevant}, "
            f"👎 {s.not_relevant}, precision {precision}"
        )
        lines += [f"    👎 {link}" for link in s.not_relevant_posts]
    if len(stats) > limit:
        lines.append(f"… and {len(stats) - limit} more rule/channel pairs")
    return lines
