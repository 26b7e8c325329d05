"""Matching engine: normalize, lemmatize, parse and compile patterns, match, explain (pure, no I/O but pack files)."""

from monitor.matching.cache import cached_matcher
from monitor.matching.explain import explain
from monitor.matching.matcher import Matcher, RuleInfo, compile_expression, compile_matcher
from monitor.matching.normalize import Normalized, normalize
from monitor.matching.packs import CATEGORIES, Pack, Rule, load_default_packs, load_pack, parse_pack
from monitor.matching.search import index_terms, query_terms

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
