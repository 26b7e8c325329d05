"""The subscriber status table: every event from every status; a block survives all but itself."""

from __future__ import annotations

import pytest

from monitor.bot.access import AccessEvent, moves, transition
from monitor.domain import SubscriberStatus as S

E = AccessEvent

# (event, status before, status after): every pair, written out so a change to the table is
# a change here too.
CASES = [
    (E.STARTED, S.PENDING, S.PENDING),
    (E.STARTED, S.APPROVED, S.APPROVED),
    (E.STARTED, S.DENIED, S.DENIED),
    (E.STARTED, S.BLOCKED, S.BLOCKED),
    (E.STARTED, S.INACTIVE, S.APPROVED),
    (E.INVITE_ACCEPTED, S.PENDING, S.APPROVED),
    (E.INVITE_ACCEPTED, S.APPROVED, S.APPROVED),
    (E.INVITE_ACCEPTED, S.DENIED, S.DENIED),
    (E.INVITE_ACCEPTED, S.BLOCKED, S.BLOCKED),
    (E.INVITE_ACCEPTED, S.INACTIVE, S.APPROVED),
    (E.APPROVED, S.PENDING, S.APPROVED),
    (E.APPROVED, S.APPROVED, S.APPROVED),
    (E.APPROVED, S.DENIED, S.DENIED),
    (E.APPROVED, S.BLOCKED, S.BLOCKED),
    (E.APPROVED, S.INACTIVE, S.INACTIVE),
    (E.DENIED, S.PENDING, S.DENIED),
    (E.DENIED, S.APPROVED, S.APPROVED),
    (E.DENIED, S.DENIED, S.DENIED),
    (E.DENIED, S.BLOCKED, S.BLOCKED),
    (E.DENIED, S.INACTIVE, S.INACTIVE),
    (E.PROMOTED, S.PENDING, S.APPROVED),
    (E.PROMOTED, S.APPROVED, S.APPROVED),
    (E.PROMOTED, S.DENIED, S.APPROVED),
    (E.PROMOTED, S.BLOCKED, S.BLOCKED),
    (E.PROMOTED, S.INACTIVE, S.APPROVED),
    (E.ADMIN_LISTED, S.PENDING, S.APPROVED),
    (E.ADMIN_LISTED, S.APPROVED, S.APPROVED),
    (E.ADMIN_LISTED, S.DENIED, S.APPROVED),
    (E.ADMIN_LISTED, S.BLOCKED, S.BLOCKED),
    (E.ADMIN_LISTED, S.INACTIVE, S.APPROVED),
    (E.BLOCKED_BY_ADMIN, S.PENDING, S.BLOCKED),
    (E.BLOCKED_BY_ADMIN, S.APPROVED, S.BLOCKED),
    (E.BLOCKED_BY_ADMIN, S.DENIED, S.BLOCKED),
    (E.BLOCKED_BY_ADMIN, S.BLOCKED, S.BLOCKED),
    (E.BLOCKED_BY_ADMIN, S.INACTIVE, S.BLOCKED),
    (E.BOT_BLOCKED, S.PENDING, S.PENDING),
    (E.BOT_BLOCKED, S.APPROVED, S.INACTIVE),
    (E.BOT_BLOCKED, S.DENIED, S.DENIED),
    (E.BOT_BLOCKED, S.BLOCKED, S.BLOCKED),
    (E.BOT_BLOCKED, S.INACTIVE, S.INACTIVE),
]


@pytest.mark.parametrize(("event", "before", "after"), CASES)
def test_transition(event: AccessEvent, before: S, after: S) -> None:
    assert transition(before, event) is after


def test_the_cases_cover_every_event_from_every_status() -> None:
    assert {(e, b) for e, b, _ in CASES} == {(e, b) for e in AccessEvent for b in S}


@pytest.mark.parametrize("event", list(AccessEvent))
def test_only_an_admins_block_enters_blocked_and_nothing_leaves_it(event: AccessEvent) -> None:
    assert transition(S.BLOCKED, event) is S.BLOCKED
    entered = {b for b in S if b is not S.BLOCKED and transition(b, event) is S.BLOCKED}
    assert bool(entered) == (event is AccessEvent.BLOCKED_BY_ADMIN)


@pytest.mark.parametrize("event", list(AccessEvent))
def test_moves_are_the_sql_guards_of_the_same_table(event: AccessEvent) -> None:
    changed = {(b, transition(b, event)) for b in S if transition(b, event) is not b}
    assert {(b, to) for to, froms in moves(event).items() for b in froms} == changed
