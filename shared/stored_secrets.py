"""Erasing a handled message that carried a secret from the JetStream stream that stored it.

Telegram updates stay in the TG stream for a day. Two kinds carry a secret someone typed: a bot
token a buyer pastes to the sales bot (billing) and a shop's YooKassa secret key an owner types
in «Предоплата» (booking). Once handled, such a message is overwritten in its stream
(`delete_msg` with erase), not left there until the stream's max age.

Erasing is best effort: a failure is logged without the secret and not raised (the secret is
sealed at rest all the same, and the max age removes the message anyway). `erase_stored` says
whether the message is gone now.
"""

from __future__ import annotations

import logging
from typing import Protocol

from nats.errors import Error as NatsError

from shared.logs import redact

log = logging.getLogger(__name__)


class StoredMessages(Protocol):
    """What erasing needs: `shared.bus.Publisher` has it."""

    async def erase(self, stream: str, sequence: int) -> None: ...


def carries_secret(body: bytes) -> bool:
    """A bot token, HTTP credentials or a YooKassa secret key anywhere in the message."""
    text = body.decode("utf-8", errors="replace")
    return redact(text) != text


async def erase_stored(stored: StoredMessages, stream: str, sequence: int, *, what: str) -> bool:
    """Overwrite message `sequence` of `stream`; `what` names it in the log line if that fails.
    False when there is nothing to erase (sequence 0: not known) or NATS refused."""
    if sequence <= 0:
        return False
    try:
        await stored.erase(stream, sequence)
    except (NatsError, TimeoutError) as error:
        log.warning("could not erase %s from %s: %s", what, stream, type(error).__name__)
        return False
    return True
