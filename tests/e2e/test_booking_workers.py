"""Two booking processes share the updates durable: each chat's updates still go in order.

Customers who type their name and their phone in a quick burst (two messages before the bot
answered the first) must see the summary with that name and that phone: handled out of
order, the phone would be taken for the name and the name for a phone.
"""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from devstack.demo import Endpoints
from devstack.stack import Stack
from sandbox.telegram import TelegramSandboxClient
from tests.e2e.test_booking_journey import PHONE, WAIT, open_salon, pick_day, visit_day
from tests.support.chat import ChatUser

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

SECOND = "booking-2"
CLOCKS = ("10:00", "11:00", "12:00", "13:00", "15:00", "16:00", "17:00", "18:00")
_HANDLED = re.compile(r'^bus_messages_total\{consumer="updates",outcome="ok"\} (\S+)$', re.M)


async def handled(stack: Stack, instance: str) -> float:
    """Updates this booking process acked as handled so far (its /metrics)."""
    async with httpx.AsyncClient() as http:
        text = (await http.get(f"{stack.config.url(instance)}/metrics", timeout=10)).text
    found = _HANDLED.search(text)
    return float(found.group(1)) if found else 0.0


async def burst_name_and_phone(customer: ChatUser, clock: str) -> str:
    """Book up to the name question, then send the name and the phone without waiting."""
    day = visit_day()
    await customer.send("/start")
    await customer.press(await customer.expect("Здравствуйте", wait=WAIT), "Записаться")
    await customer.press(await customer.expect("Выберите услугу", wait=WAIT), "Стрижка")
    await customer.press(await customer.expect("Выберите мастера", wait=WAIT), "Мастер")
    await pick_day(customer, await customer.expect("Выберите день", wait=WAIT), day)
    await customer.press(await customer.expect("Выберите время", wait=WAIT), clock)
    await customer.expect("Как вас зовут", wait=WAIT)
    await customer.send("Ольга")
    await customer.send(PHONE)
    summary = await customer.expect("Проверьте, пожалуйста, запись", wait=WAIT)
    return summary.text or ""


async def test_bursts_in_one_chat_keep_their_order_across_two_booking_processes(
    stack: Stack, endpoints: Endpoints, telegram: TelegramSandboxClient
) -> None:
    await asyncio.to_thread(stack.start_instance, SECOND)
    try:
        salon = await open_salon(endpoints, telegram, "workers")
        before = {name: await handled(stack, name) for name in ("booking", SECOND)}
        customers = [ChatUser(telegram, salon.bot, first_name="Мария") for _ in CLOCKS]
        summaries = await asyncio.gather(
            *(burst_name_and_phone(c, clock) for c, clock in zip(customers, CLOCKS, strict=True))
        )
        for summary in summaries:
            assert "Ольга" in summary, summary
            assert PHONE in summary, summary
        ids = [c.id for c in customers]
        query = "SELECT name, phone FROM customers WHERE telegram_id = ANY($1)"
        names = await salon.rows(query, ids)
        assert sorted((r["name"], r["phone"]) for r in names) == [("Ольга", PHONE)] * len(CLOCKS)
        # both processes did part of the work
        for name, count in before.items():
            assert await handled(stack, name) > count, f"{name} handled no update"
    finally:
        await asyncio.to_thread(stack.stop_service, SECOND)
