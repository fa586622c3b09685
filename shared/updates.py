"""Telegram updates made safe to store: Postgres `text` cannot hold NUL.

A name, a language code, a message or a button's data with a `\\x00` in it would make every
query that carries it fail, and the update would be retried into the dead-letter queue (found
by the fuzz suite). `without_nul` removes NUL from every string of a decoded update; the
booking and sales subscribers apply it before feeding the dispatcher.
"""

from __future__ import annotations

from typing import Any

import msgspec

_NUL = "\x00"


def without_nul(value: Any) -> Any:
    """`value` (a decoded JSON document) with NUL removed from every string, keys included."""
    if isinstance(value, str):
        return value.replace(_NUL, "") if _NUL in value else value
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nul(v) for v in value]
    return value


def decode_update(body: bytes) -> Any:
    """A JSON update decoded, NUL removed; `msgspec.DecodeError` if it is not JSON.

    A NUL can only come from an escaped `\\u0000` in the JSON text (or a raw byte, which
    strict JSON refuses anyway): without either, nothing needs walking."""
    value = msgspec.json.decode(body)
    if b"\\u0000" in body or b"\x00" in body:
        return without_nul(value)
    return value
