"""Pure delivery rules: who wants a post, which posts are one story, how a burst is grouped."""

from __future__ import annotations

import pytest

from monitor.alerts.planning import (
    AlertPlan,
    BurstPolicy,
    SavedFacts,
    StoryAlert,
    fold_stories,
    normalize_channel_ref,
    plan_groups,
    plan_recipients,
    same_story,
    select_recipients,
)
from monitor.domain import Channel, Hit, Span, Subscription, SubscriptionKind

MELITOPOL = Channel(telegram_id=1001, title="Мелитополь", username="Melitopol_News")
SUMMONS = Hit("ru.summons.povestka", "summons", (Span(0, 8, "повестки"),))
ROUNDUP = Hit("ru.roundup.raid", "roundup", (Span(10, 16, "облава"),))
STORY = "В Мелитополе мужчинам вручают повестки прямо на улице у центрального рынка"


def sub(subscriber: int, kind: SubscriptionKind, value: str, *chans: str) -> Subscription:
    return Subscription(subscriber, kind, value, chans)


@pytest.mark.parametrize(
    ("subscriptions", "expected"),
    [
        ([sub(1, SubscriptionKind.CATEGORY, "summons")], {1: ["ru.summons.povestka"]}),
        ([sub(1, SubscriptionKind.RULE, "ru.roundup.raid")], {1: ["ru.roundup.raid"]}),
        ([sub(1, SubscriptionKind.CATEGORY, "evasion")], {}),
        (
            [sub(1, SubscriptionKind.CATEGORY, "summons", "@melitopol_news")],
            {1: ["ru.summons.povestka"]},
        ),
        ([sub(1, SubscriptionKind.CATEGORY, "summons", "t.me/kherson")], {}),
        ([sub(1, SubscriptionKind.CATEGORY, "summons", "1001")], {1: ["ru.summons.povestka"]}),
        ([sub(1, SubscriptionKind.EXPRESSION, "рынок")], {1: ["expr:рынок"]}),
        ([sub(1, SubscriptionKind.EXPRESSION, "Херсон")], {}),
        (
            [
                sub(1, SubscriptionKind.CATEGORY, "summons"),
                sub(1, SubscriptionKind.RULE, "ru.summons.povestka"),
                sub(1, SubscriptionKind.CATEGORY, "roundup"),
                sub(2, SubscriptionKind.CATEGORY, "roundup"),
            ],
            {1: ["ru.summons.povestka", "ru.roundup.raid"], 2: ["ru.roundup.raid"]},
        ),
    ],
)
def test_select_recipients(
    subscriptions: list[Subscription], expected: dict[int, list[str]]
) -> None:
    got = select_recipients(subscriptions, [SUMMONS, ROUNDUP], MELITOPOL, lambda e: e == "рынок")
    assert got == expected


@pytest.mark.parametrize(
    ("ref", "normal"),
    [("@Melitopol_News", "melitopol_news"), ("https://t.me/kherson/", "kherson"), ("1001", "1001")],
)
def test_channel_refs_are_normalized(ref: str, normal: str) -> None:
    assert normalize_channel_ref(ref) == normal


@pytest.mark.parametrize(
    ("other", "same"),
    [
        (STORY, True),
        ("⚡️ " + STORY.upper() + "!!! Подписывайтесь: @kherson_online https://t.me/x", True),
        (STORY.replace("ё", "е") + "\n\n#мелитополь #повестки", True),
        ("Срочно! " + STORY + " Видео очевидцев прилагаем, будьте осторожны", True),
        ("У Мелітополі чоловікам вручають повістки просто на вулиці біля ринку", False),
        ("В Херсоне мужчинам вручают повестки в школах, очереди у военкомата с утра", False),
        ("Повестки", False),  # too short to call a story
        (STORY + " " + " ".join(f"слово{n}" for n in range(40)), False),  # a longer, other text
    ],
)
def test_same_story(other: str, same: bool) -> None:
    assert same_story(STORY, other) is same


POLICY = BurstPolicy(limit=5, batch_max=3, hold_s=15)


@pytest.mark.parametrize(
    ("unplanned", "recent", "groups"),
    [
        ([], 0, []),
        ([(1, 0.0)], 0, [[1]]),
        ([(1, 0.0), (2, 0.0), (3, 0.0)], 2, [[1], [2], [3]]),  # 5 in a minute: still singles
        ([(1, 0.0), (2, 0.0), (3, 0.0)], 3, [[1, 2, 3]]),  # the 6th makes it a burst
        ([(n, 0.0) for n in range(1, 8)], 0, [[1, 2, 3], [4, 5, 6], [7]]),
        ([(1, 3.0)], 5, []),  # over the limit and alone: wait for company
        ([(1, 20.0)], 5, [[1]]),  # ... but not longer than hold_s
    ],
)
def test_plan_groups(
    unplanned: list[tuple[int, float]], recent: int, groups: list[list[int]]
) -> None:
    assert plan_groups(unplanned, recent_messages=recent, policy=POLICY) == groups


def facts(text: str = STORY, *, previous: str | None = None, **kw: object) -> SavedFacts:
    fields: dict[str, object] = {"history": False, "told": frozenset()} | kw
    return SavedFacts(text, [SUMMONS], MELITOPOL, previous, **fields)  # type: ignore[arg-type]


def words(expression: str, text: str) -> list[Hit]:
    return [SUMMONS] if expression.lower() in text.lower() else []


SUBSCRIBERS = [
    sub(1, SubscriptionKind.CATEGORY, "summons"),
    sub(2, SubscriptionKind.EXPRESSION, "рынка"),
]


@pytest.mark.parametrize(
    ("saved", "alert_history", "expected"),
    [
        (facts(), False, {1: ["ru.summons.povestka"], 2: ["expr:рынка"]}),
        (facts(history=True), False, {}),  # backfilled history alerts nobody
        (facts(history=True), True, {1: ["ru.summons.povestka"], 2: ["expr:рынка"]}),
        (facts(told=frozenset({1})), False, {2: ["expr:рынка"]}),  # told once, never again
        (facts(previous="у рынка"), False, {1: ["ru.summons.povestka"]}),  # the edit added none
    ],
)
def test_plan_recipients(
    saved: SavedFacts, alert_history: bool, expected: dict[int, list[str]]
) -> None:
    assert plan_recipients(SUBSCRIBERS, saved, words, alert_history=alert_history) == expected


def test_a_copy_of_a_story_becomes_a_sighting_of_the_first_live_alert() -> None:
    recent = [
        StoryAlert(10, 1, 100, "Погода в Мелитополе", sent=True),
        StoryAlert(11, 1, 101, STORY + " Подписывайтесь!", sent=True),
        StoryAlert(12, 1, 102, STORY, sent=False),
        StoryAlert(13, 2, 102, STORY, sent=False),
        StoryAlert(14, 3, 101, STORY, sent=True),  # not a recipient of this post
    ]
    wanted = {1: ["r"], 2: ["r"], 4: ["r"]}
    assert fold_stories(wanted, STORY, recent) == AlertPlan({4: ["r"]}, (11, 13), (11,))
