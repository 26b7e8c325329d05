"""Shared fixtures for the matching tests: the default matcher, compiled once per session."""

from __future__ import annotations

import pytest

from monitor.matching import Matcher, compile_matcher, load_default_packs


@pytest.fixture(scope="session")
def matcher() -> Matcher:
    return compile_matcher(load_default_packs())
