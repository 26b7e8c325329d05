"""Reader accounts: names, session files beside READER_SESSION, rendezvous pinning of channels."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.domain import Channel
from monitor.reader.accounts import (
    account_names,
    account_session,
    assign,
    check_account_name,
    owner_of,
)


def test_the_old_session_is_the_account_default_and_others_sit_beside_it(tmp_path: Path) -> None:
    reader = tmp_path / "reader.session"
    assert account_session(reader, "default") == reader
    assert account_session(reader, "kyiv2") == tmp_path / "reader.kyiv2.session"
    assert account_names(reader) == ["default"]
    reader.touch()
    (tmp_path / "reader.kyiv2.session").touch()
    (tmp_path / "reader.odesa.session").touch()
    (tmp_path / "bot.session").touch()  # the bot's session is never a reader account
    assert account_names(reader) == ["default", "kyiv2", "odesa"]


@pytest.mark.parametrize("name", ["", "a b", "-x", "x" * 33, "кирилл", "../up"])
def test_a_bad_account_name_says_what_a_name_may_be(name: str) -> None:
    with pytest.raises(ValueError, match=r"is not an account name: use 1-32 letters"):
        check_account_name(name)


def test_account_names_are_lower_cased() -> None:
    assert check_account_name(" Kyiv_2 ") == "kyiv_2"


def test_no_healthy_account_says_how_to_get_one() -> None:
    with pytest.raises(ValueError, match=r"python bot\.py login"):
        owner_of("news", [])


def _channels(n: int) -> list[Channel]:
    return [Channel(telegram_id=1000 + i, title=f"c{i}", username=f"chan_{i}") for i in range(n)]


def test_channels_spread_over_the_accounts() -> None:
    owners = assign(_channels(3000), ["a", "b", "c"])
    counts = {name: list(owners.values()).count(name) for name in "abc"}
    assert all(900 <= n <= 1100 for n in counts.values()), counts


@settings(max_examples=60, deadline=None)
@given(
    accounts=st.sets(
        st.text("abcdefghij0123456789", min_size=1, max_size=8), min_size=2, max_size=12
    ),
    data=st.data(),
)
def test_losing_one_of_n_accounts_moves_only_its_own_channels(
    accounts: set[str], data: st.DataObject
) -> None:
    names = sorted(accounts)
    lost = data.draw(st.sampled_from(names))
    channels = _channels(2000)
    before = assign(channels, names)
    after = assign(channels, [n for n in names if n != lost])
    moved = {tid for tid in before if before[tid] != after[tid]}
    assert moved == {tid for tid, owner in before.items() if owner == lost}
    # ~1/N of the channels move (binomial spread: within 4 standard deviations)
    n, expected = len(names), 2000 / len(names)
    assert abs(len(moved) - expected) <= 4 * (2000 * (1 / n) * (1 - 1 / n)) ** 0.5 + 1


@settings(max_examples=60, deadline=None)
@given(accounts=st.sets(st.text("abcdefghij", min_size=1, max_size=8), min_size=1, max_size=12))
def test_adding_an_account_takes_about_one_nth_and_only_to_itself(accounts: set[str]) -> None:
    names = sorted(accounts)
    channels = _channels(2000)
    before = assign(channels, names)
    after = assign(channels, [*names, "newcomer"])
    moved = {tid for tid in before if before[tid] != after[tid]}
    assert all(after[tid] == "newcomer" for tid in moved)
    n, expected = len(names) + 1, 2000 / (len(names) + 1)
    assert abs(len(moved) - expected) <= 4 * (2000 * (1 / n) * (1 - 1 / n)) ** 0.5 + 1
