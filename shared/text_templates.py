"""The owner's own texts: plain text with `{placeholder}`s, checked once and rendered as HTML.

Booking checks a text when the owner saves it (`problem`) and renders the greeting, «О нас» and
the booking confirmation; notifier renders the reminder and the review request it receives in
the booking events. Both render with `render`: the owner's words are plain text, so the whole
text and every value are HTML-escaped (the bots send with `parse_mode=HTML`). A text that does
not render (it never passed `problem`) gives `None`, and the caller falls back to its shipped
wording.
"""

from __future__ import annotations

import html
import string
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Literal

# Every placeholder any text may have; which text may have which is the caller's rule.
PLACEHOLDERS = ("name", "business", "service", "master", "time", "address", "phone")
TELEGRAM_LIMIT = 4096  # characters of a message's text, after entities are parsed

Reason = Literal["empty", "brace", "unknown", "not_here", "too_long"]


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a text cannot be saved: `field` names the placeholder (`{service}`) where there is
    one; `length` is the rendered length for `too_long`."""

    reason: Reason
    field: str = ""
    length: int = 0


def fields(template: str) -> list[str] | Problem:
    """The placeholders of `template` in order, or the first problem with its braces."""
    found: list[str] = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return Problem("brace")
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        whole = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
        whole += "}"
        if not name.isidentifier() or name not in PLACEHOLDERS or spec or conversion:
            return Problem("unknown", field=whole)
        found.append(name)
    return found


def problem(
    template: str, allowed: Collection[str], sample: Mapping[str, str], *, limit: int
) -> Problem | None:
    """What is wrong with `template` for a text that may use `allowed`, or None. `sample`
    fills the placeholders to measure the text against `limit`."""
    if not template.strip():
        return Problem("empty")
    names = fields(template)
    if isinstance(names, Problem):
        return names
    for name in names:
        if name not in allowed:
            return Problem("not_here", field="{" + name + "}")
    length = len(template.format_map({name: sample.get(name, "") for name in PLACEHOLDERS}))
    if length > limit:
        return Problem("too_long", length=length)
    return None


def render(template: str, values: Mapping[str, str]) -> str | None:
    """`template` as HTML with `values` put in (all escaped); None if it does not render."""
    if isinstance(fields(template), Problem):
        return None
    escaped = {name: html.escape(values.get(name, ""), quote=False) for name in PLACEHOLDERS}
    try:
        return html.escape(template, quote=False).format_map(escaped)
    except (ValueError, KeyError, IndexError):
        return None
