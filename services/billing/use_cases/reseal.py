"""Moving billing's sealed tokens to the current platform key; run at every start.

After `PLATFORM_SECRET` changes (the old one in `PLATFORM_SECRET_PREVIOUS`), each signup's
sealed bot token is re-sealed with the current key, so the old key can later be dropped. A
token no known key opens is counted and left alone. Idempotent: a second run changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from shared.crypto import Sealer, SealError

log = logging.getLogger(__name__)

PAGE = 500


class SealedSignups(Protocol):
    async def page(self, *, after: str, limit: int) -> list[tuple[str, str]]: ...

    async def replace(self, signup_id: str, old: str, new: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class Resealed:
    resealed: int
    unreadable: int


async def reseal_signups(
    signups: SealedSignups, sealer: Sealer, *, what: str = "signups"
) -> Resealed:
    """Also used for the shops' keys kept with each prepayment (`what` names them in the log)."""
    resealed = unreadable = 0
    after = ""
    while page := await signups.page(after=after, limit=PAGE):
        for signup_id, sealed in page:
            try:
                fresh = sealer.reseal(sealed)
            except SealError:
                unreadable += 1
                continue
            if fresh is not None and await signups.replace(signup_id, sealed, fresh):
                resealed += 1
        after = page[-1][0]
    if resealed or unreadable:
        log.info("%s re-sealed: %d, unreadable: %d", what, resealed, unreadable)
    return Resealed(resealed=resealed, unreadable=unreadable)
