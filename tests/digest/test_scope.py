"""A digest covers what the subscriber's subscriptions match, decided as alerts are (pure)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.alerts.planning import Prefilter, make_expression_hits, prefilter, select_recipients
from monitor.digest.build import ArchivedPost, DigestData, IsoWeek, build_digest, subscribed_hits
from monitor.digest.render import digest_plain, no_subscriptions_html
from monitor.domain import Channel, Post, Subscription, SubscriptionKind
from tests.stand_in_matcher import find_hits

MEL = Channel(telegram_id=2001, title="Мелитополь", username="mel")
BERD = Channel(telegram_id=2002, title="Бердянськ", username="Berd")
START, END = IsoWeek(2024, 47).bounds("UTC")
CATEGORY, RULE, EXPRESSION = SubscriptionKind.CATEGORY, SubscriptionKind.RULE, "expression"

# (post id, channel, text): the stand-in matcher gives the rule hits
TEXTS = [
    (1, MEL, "В Мелитополе раздают повестки у рынка."),  # summons
    (2, MEL, "Облава в центре Мелитополя, военкомат проверяет документы."),  # office, raid
    (3, BERD, "У Бердянську роздають повістки біля школи."),  # summons
    (4, BERD, "Погода: дождь весь день."),  # no hit
    (5, MEL, "Мобилизация: в Мелитополе снова ловят мужчин."),  # mobilization
]


def _posts() -> list[ArchivedPost]:
    return [
        ArchivedPost(
            Post(ch.telegram_id, pid, START + timedelta(hours=pid), text, id=pid),
            ch,
            tuple(find_hits(text)),
        )
        for pid, ch, text in TEXTS
    ]


def _sub(kind: SubscriptionKind | str, value: str, *channels: str) -> Subscription:
    return Subscription(7, SubscriptionKind(kind), value, channels, id=1)


@pytest.mark.parametrize(
    ("subscriptions", "expected"),
    [
        ([_sub(CATEGORY, "summons")], {1: ["summons"], 3: ["summons"]}),
        ([_sub(CATEGORY, "summons", "@berd")], {3: ["summons"]}),
        ([_sub(CATEGORY, "summons", "t.me/Mel")], {1: ["summons"]}),
        ([_sub(CATEGORY, "summons", "2002")], {3: ["summons"]}),
        ([_sub(RULE, "raid.stand_in")], {2: ["raid"]}),  # not the office hit of the same post
        (
            [_sub(EXPRESSION, "Мелитополь AND мужчина")],
            {5: ["keywords: Мелитополь AND мужчина"]},
        ),
        ([_sub(EXPRESSION, "погода")], {4: ["keywords: погода"]}),  # a post without rule hits
        (
            [_sub(CATEGORY, "summons"), _sub(CATEGORY, "raid", "@mel"), _sub(EXPRESSION, "рынок")],
            {1: ["summons", "keywords: рынок"], 2: ["raid"], 3: ["summons"]},
        ),
        ([_sub(CATEGORY, "deferment")], {}),
        (
            None,  # the whole archive: every hit
            {
                1: ["summons"],
                2: ["enlistment_office", "raid"],
                3: ["summons"],
                5: ["mobilization"],
            },
        ),
    ],
)
def test_only_what_the_subscriptions_match_is_counted(
    subscriptions: list[Subscription] | None, expected: dict[int, list[str]]
) -> None:
    records = subscribed_hits(_posts(), subscriptions, make_expression_hits())
    found: dict[int, list[str]] = {}
    for r in records:
        found.setdefault(r.post_id, []).append(r.category)
    assert found == expected


@pytest.mark.parametrize(
    "subscriptions",
    [
        [_sub(CATEGORY, "summons")],
        [_sub(CATEGORY, "raid", "@mel"), _sub(RULE, "summons.stand_in", "@berd")],
        [_sub(EXPRESSION, "Мелитополь AND мужчина"), _sub(CATEGORY, "summons")],
        [_sub(EXPRESSION, "погода", "@mel")],
    ],
)
def test_the_digest_holds_exactly_the_posts_the_alerts_would_go_for(
    subscriptions: list[Subscription],
) -> None:
    expression_hits = make_expression_hits()
    posts = _posts()
    alerted = {
        p.post.id
        for p in posts
        if select_recipients(
            subscriptions, p.hits, p.channel, lambda e, t=p.post.text: bool(expression_hits(e, t))
        )
    }
    assert {r.post_id for r in subscribed_hits(posts, subscriptions, expression_hits)} == alerted


@pytest.mark.parametrize(
    ("subscriptions", "expected"),
    [
        (
            [_sub(CATEGORY, "summons", "@Berd"), _sub(RULE, "raid.stand_in", "t.me/mel")],
            Prefilter(
                frozenset({"summons"}),
                frozenset({"raid.stand_in"}),
                False,
                frozenset({"berd", "mel"}),
            ),
        ),
        (
            [_sub(CATEGORY, "summons", "@berd"), _sub(EXPRESSION, "погода")],
            Prefilter(frozenset({"summons"}), frozenset(), True, None),
        ),
    ],
)
def test_the_prefilter_is_the_union_of_the_subscriptions(
    subscriptions: list[Subscription], expected: Prefilter
) -> None:
    found = prefilter(subscriptions)
    assert found == expected
    assert [found.wants_channel(c) for c in (MEL, BERD)] == [True, True]


def test_a_digest_says_what_it_covers_and_counts_only_that() -> None:
    subscriptions = [
        Subscription(7, SubscriptionKind.CATEGORY, "summons", ("@berd",), id=3),
        Subscription(7, SubscriptionKind.EXPRESSION, "облава AND Мелитополь", (), id=5),
    ]
    hits = subscribed_hits(_posts(), subscriptions, make_expression_hits())
    digest = build_digest(
        DigestData(tuple(hits)), start=START, end=END, subscriptions=subscriptions
    )
    text = digest_plain(digest)
    assert "Covers only your 2 subscriptions:\n• #3 category summons in @berd\n" in text
    assert "• #5 expression облава AND Мелитополь\n" in text
    assert "Posts matching your subscriptions: 2 (+2 from 0 last week)" in text
    assert "• summons: 1 (+1 from 0 last week)" in text
    assert "• keywords: облава AND Мелитополь: 1" in text
    assert "• raid" not in text
    assert "@Berd: 1" in text
    assert "@mel: 1" in text
    assert dict(digest.daily) == {
        "keywords: облава AND Мелитополь": (1, 0, 0, 0, 0, 0, 0),
        "summons": (1, 0, 0, 0, 0, 0, 0),
    }
    whole = build_digest(
        DigestData(tuple(subscribed_hits(_posts(), None, make_expression_hits()))),
        start=START,
        end=END,
    )
    assert "Covers every hit in the archive" in digest_plain(whole)
    assert "Posts with hits: 4" in digest_plain(whole)


def test_without_subscriptions_the_note_says_how_to_subscribe() -> None:
    note = no_subscriptions_html(IsoWeek(2024, 47))
    assert "Weekly digest 2024-W47" in note
    assert "You have no subscriptions" in note
    assert "Example: /subscribe summons in @melitopol_news" in note
    assert "/help" in note
