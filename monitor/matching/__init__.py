"""Matching engine: normalize, lemmatize, parse and compile patterns, match, explain (pure, no I/O but pack files).

The compiler, the packs and the dictionaries load on first use of a name that needs them
(PEP 562), so that importing this package for `normalize` or `explain` stays cheap and
`bot.py --help` does not pay for the matcher.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from monitor.matching.explain import explain
from monitor.matching.normalize import Normalized, normalize

if TYPE_CHECKING:
    from monitor.matching.cache import cached_matcher
    from monitor.matching.matcher import Matcher, RuleInfo, compile_expression, compile_matcher
    from monitor.matching.packs import (
        CATEGORIES,
        Pack,
        Rule,
        load_default_packs,
        load_pack,
        parse_pack,
    )
    from monitor.matching.search import index_terms, query_terms

_LAZY = {
    "cached_matcher": "cache",
    "Matcher": "matcher",
    "RuleInfo": "matcher",
    "compile_expression": "matcher",
    "compile_matcher": "matcher",
    "CATEGORIES": "packs",
    "Pack": "packs",
    "Rule": "packs",
    "load_default_packs": "packs",
    "load_pack": "packs",
    "parse_pack": "packs",
    "index_terms": "search",
    "query_terms": "search",
}

__all__ = [
    "CATEGORIES",
    "Matcher",
    "Normalized",
    "Pack",
    "Rule",
    "RuleInfo",
    "cached_matcher",
    "compile_expression",
    "compile_matcher",
    "explain",
    "index_terms",
    "load_default_packs",
    "load_pack",
    "normalize",
    "parse_pack",
    "query_terms",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
