"""Places end to end through the sandbox: a Russian-named subscription fires on a Ukrainian post
and the reverse, /search finds both spellings and renamed places, /digest breaks down by region."""

from __future__ import annotations

from monitor.sandbox.api import Sandbox
from tests.e2e.bot_stack import Analyst, BotStack, eventually

UK_RAID = "У Мелітополі окупанти влаштували облаву на чоловіків біля ринку"
RU_RAID = "В Мелитополе облава у военкомата, мужчин увозят на автобусах"
BAKHMUT = "У Бахмуті роздають повістки чоловікам"
ARTEMOVSK = "В Артемовске вручают повестки прямо на улице"


async def said(analyst: Analyst, text: str, *, what: str) -> list[str]:
    before = len(analyst.inbox)
    await analyst.say(text)
    await eventually(lambda: len(analyst.inbox) > before, what=what)
    return analyst.texts()[before:]


def alerts(analyst: Analyst) -> list[str]:
    return [t for t in analyst.texts() if t.startswith(("🔔", "📦"))]


async def test_a_place_written_in_one_language_finds_the_other(
    sandbox: Sandbox, stack: BotStack
) -> None:
    russian, ukrainian = await stack.analysts(2)
    await said(russian, "/subscribe облава AND Мелитополь", what="ru subscription")
    await said(ukrainian, "/subscribe облава AND Мелітополь", what="uk subscription")
    channel = await stack.watch("zp_news", "Запоріжжя новини")

    await stack.read(channel, sandbox.post(channel, UK_RAID))
    await eventually(lambda: bool(alerts(russian)), what="the alert for the Ukrainian post")
    [alert] = alerts(russian)
    assert "Мелітополі" in alert
    assert "📍 Мелітополь / Мелитополь · Запорізька область (occupied)" in alert

    await stack.read(channel, sandbox.post(channel, RU_RAID))
    await eventually(lambda: len(alerts(ukrainian)) >= 2, what="both alerts for the uk analyst")
    assert any("В Мелитополе облава" in a for a in alerts(ukrainian))

    found = "\n".join(await said(russian, "/search Мелитополь", what="search results"))
    assert "Мелітополі окупанти" in found
    assert "Мелитополе облава" in found


async def test_either_name_of_a_renamed_town_finds_both_and_the_digest_counts_regions(
    sandbox: Sandbox, stack: BotStack
) -> None:
    [analyst] = await stack.analysts(1)
    channel = await stack.watch("donbas_now", "Донбас зараз")
    for text in (BAKHMUT, ARTEMOVSK, UK_RAID):
        await stack.read(channel, sandbox.post(channel, text))

    for name in ("Артемовск", "Бахмут"):
        found = "\n".join(await said(analyst, f"/search {name}", what=f"search {name}"))
        assert "Бахмуті роздають" in found, name
        assert "Артемовске вручают" in found, name
        assert "Мелітополі" not in found

    await said(analyst, "/subscribe region:occupied", what="the subscription")
    before = len(analyst.inbox)
    await analyst.say("/digest")
    await eventually(lambda: any(m.photo for _, _, m in analyst.inbox[before:]), what="chart")
    digest = "\n".join(analyst.texts()[before:])
    assert "By region" in digest
    assert "Донецька область (occupied): 2" in digest
    assert "Запорізька область (occupied): 1" in digest
    assert "By settlement" in digest
    assert "Бахмут: 2" in digest
