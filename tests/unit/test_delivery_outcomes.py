"""What booking takes from the notifier's delivery outcomes: a blocked chat, a broadcast that
ended or was refused; nothing from the rest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

import pytest

from services.booking.use_cases import delivery_outcomes
from shared.messages import DeliveryOutcome


class Recorder:
    def __init__(self) -> None:
        self.blocked: list[int] = []
        self.finished: list[int] = []

    async def mark_bot_blocked(self, telegram_id: int) -> bool:
        self.blocked.append(telegram_id)
        return True

    async def mark_broadcast_finished(self, broadcast_id: int) -> bool:
        self.finished.append(broadcast_id)
        return True

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Any]:
        yield self


def outcome(
    kind: str, status: Literal["sent", "blocked", "failed"], *, chat: int = 42, ref: str = ""
) -> DeliveryOutcome:
    return DeliveryOutcome(tenant_id="t_a", chat_id=chat, kind=kind, status=status, ref=ref)


@pytest.mark.asyncio
async def test_blocked_chats_and_ended_broadcasts_are_recorded_the_rest_ignored() -> None:
    store = Recorder()
    cases = [
        (outcome("broadcast", "blocked", chat=7, ref="bcast:3"), True),
        (outcome("reminder", "blocked", chat=8), True),
        (outcome("broadcast_report", "sent", ref="bcast:3"), True),
        (outcome("broadcast_busy", "failed", ref="bcast:4"), True),
        (outcome("broadcast", "sent", ref="bcast:3"), False),
        (outcome("reminder", "sent"), False),
        (outcome("broadcast_report", "sent", ref="booking:9"), False),
        (outcome("broadcast_report", "sent", ref="bcast:x"), False),
        (outcome("reminder", "blocked", chat=-100), False),  # not a person's chat
    ]
    for event, changed in cases:
        assert await delivery_outcomes.handle(store, event) is changed, event  # type: ignore[arg-type]
    assert store.blocked == [7, 8]
    assert store.finished == [3, 4]
