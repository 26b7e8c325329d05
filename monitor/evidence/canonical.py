"""Canonical JSON (RFC 8785, JCS) and SHA-256 of evidence records (pure, no I/O)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import rfc8785

# I-JSON (RFC 7493 §2.2), which RFC 8785 builds on, carries integers exactly only within
# ±(2**53 - 1). Telegram's 64-bit ids (grouped_id, access_hash, ...) go beyond: they are
# written as decimal strings, so no verifier ever rounds them.
_SAFE = 2**53 - 1


def i_json(value: Any) -> Any:
    """`value` with integers outside I-JSON's exact range as decimal strings."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if -_SAFE <= value <= _SAFE else str(value)
    if isinstance(value, Decimal):  # a number as a streamed import (ijson) reads it
        return i_json(int(value)) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {str(k): i_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [i_json(v) for v in value]
    return value


def canonical(value: Any) -> bytes:
    """The RFC 8785 serialisation: sorted keys, UTF-8, no whitespace, ECMAScript numbers."""
    return rfc8785.dumps(i_json(value))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record_hash(value: Any) -> str:
    """SHA-256 (hex) of the canonical form of `value`."""
    return sha256_hex(canonical(value))
